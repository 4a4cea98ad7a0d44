"""The human side's personal data, for retention, export and erasure (assistant/privacy/holders.py).

Tickets carry a subject and a summary written about the customer, private notes, an audit trail
whose "created" and "subject" entries repeat the subject, and webhook deliveries whose payloads
copy the ticket or conversation with the contact's name and e-mail. Registered at start-up by
tickets/apps.py; `assistant.privacy` calls it without importing `tickets`.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from assistant.chat.models import Contact, Conversation, Inbox
from tickets.models import Note, Ticket, TicketEvent
from tickets.webhooks.models import Event, WebhookDelivery

# Audit entries whose before/after are ids or fixed values, kept when a ticket is anonymised;
# every other kind may carry text (the subject, say) and loses its values.
SAFE_EVENT_KINDS = ("status", "priority", "assignee", "team", "tags", "reopened")
CLOSED_STATUSES = (Ticket.Status.SOLVED, Ticket.Status.CLOSED)
# What a scrubbed webhook delivery keeps of its body: its id, event and time stay as columns.
SCRUBBED_PAYLOAD = {"personal_data_removed": True}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


class TicketData:
    """The tickets app as a privacy.holders.DataHolder."""

    # -- retention -------------------------------------------------------------------------

    def retainable_conversations(
        self, conversations: QuerySet[Conversation], *, before: datetime
    ) -> QuerySet[Conversation]:
        busy = Ticket.objects.filter(conversation=OuterRef("pk")).filter(
            Q(status__in=Ticket.OPEN_STATUSES) | Q(updated_at__gte=before)
        )
        return conversations.filter(~Exists(busy))

    def expire_conversations(
        self, conversation_ids: Sequence[uuid.UUID], *, delete: bool
    ) -> dict[str, int]:
        tickets = Ticket.objects.filter(conversation_id__in=conversation_ids)
        counts = self._expire_tickets(tickets, delete=delete)
        counts["webhook_payloads"] += scrub_deliveries(
            Q(payload__data__id__in=[str(pk) for pk in conversation_ids])
            & ~Q(event=Event.TICKET_CREATED)
            | Q(payload__data__conversation__in=[str(pk) for pk in conversation_ids])
        )
        return counts

    def expire_unlinked(
        self, *, inbox: Inbox, before: datetime, delete: bool, limit: int
    ) -> tuple[dict[str, int], int]:
        tickets = Ticket.objects.filter(
            inbox=inbox,
            conversation__isnull=True,
            status__in=CLOSED_STATUSES,
            updated_at__lt=before,
        )
        if not delete:
            # Anonymised tickets have neither subject, summary nor notes left: skip them.
            notes = Note.objects.filter(ticket=OuterRef("pk"))
            tickets = tickets.filter(~Q(subject="") | ~Q(summary="") | Exists(notes))
        ids = list(
            tickets.select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return {}, 0
        counts = self._expire_tickets(Ticket.objects.filter(pk__in=ids), delete=delete)
        counts["webhook_payloads"] += scrub_deliveries(
            Q(event=Event.TICKET_CREATED, payload__data__id__in=ids)
        )
        return counts, len(ids)

    def _expire_tickets(self, tickets: QuerySet[Ticket], *, delete: bool) -> Counter[str]:
        counts: Counter[str] = Counter()
        if delete:
            _deleted, by_model = tickets.delete()
            counts["tickets_deleted"] += by_model.get("tickets.Ticket", 0)
            counts["notes_deleted"] += by_model.get("tickets.Note", 0)
            counts["ticket_events_deleted"] += by_model.get("tickets.TicketEvent", 0)
            return counts
        ids = list(tickets.values_list("pk", flat=True))
        _deleted, by_model = Note.objects.filter(ticket_id__in=ids).delete()
        counts["notes_deleted"] += by_model.get("tickets.Note", 0)
        TicketEvent.objects.filter(ticket_id__in=ids).exclude(kind__in=SAFE_EVENT_KINDS).update(
            before=None, after=None
        )
        # update(): updated_at stays, so the ticket does not look active again.
        counts["tickets_anonymised"] += Ticket.objects.filter(pk__in=ids).update(
            subject="", summary="", sentiment=""
        )
        return counts

    def retainable_contacts(
        self, contacts: QuerySet[Contact], *, delete: bool
    ) -> QuerySet[Contact]:
        tickets = Ticket.objects.filter(contact=OuterRef("pk"))
        if not delete:
            # A contact may be anonymised once its tickets are closed and anonymised themselves.
            notes = Note.objects.filter(ticket__contact=OuterRef("pk"))
            tickets = tickets.filter(
                Q(status__in=Ticket.OPEN_STATUSES) | ~Q(subject="") | ~Q(summary="")
            )
            return contacts.filter(~Exists(tickets), ~Exists(notes))
        return contacts.filter(~Exists(tickets))

    # -- the contact's rights --------------------------------------------------------------

    def export_contact(self, contact: Contact) -> dict[str, Any]:
        tickets = (
            Ticket.objects.filter(contact=contact)
            .select_related("team", "assignee")
            .prefetch_related("notes__author", "events__actor")
            .order_by("created_at", "pk")
        )
        return {"tickets": [self._ticket(ticket) for ticket in tickets]}

    def _ticket(self, ticket: Ticket) -> dict[str, Any]:
        return {
            "id": ticket.pk,
            "conversation": str(ticket.conversation_id) if ticket.conversation_id else None,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "channel": ticket.channel,
            "tags": list(ticket.tags),
            "summary": ticket.summary,
            "team": ticket.team.name if ticket.team else None,
            "assignee": ticket.assignee.get_username() if ticket.assignee else None,
            "created_at": _iso(ticket.created_at),
            "updated_at": _iso(ticket.updated_at),
            "solved_at": _iso(ticket.solved_at),
            "notes": [
                {
                    "text": note.text,
                    "author": note.author.get_username() if note.author else None,
                    "created_at": _iso(note.created_at),
                }
                for note in sorted(ticket.notes.all(), key=lambda n: (n.created_at, n.pk))
            ],
            "events": [
                {
                    "kind": event.kind,
                    "before": event.before,
                    "after": event.after,
                    "actor": event.actor.get_username() if event.actor else None,
                    "created_at": _iso(event.created_at),
                }
                for event in sorted(ticket.events.all(), key=lambda e: (e.created_at, e.pk))
            ],
        }

    def erase_contact(
        self, contact: Contact, conversation_ids: Sequence[uuid.UUID]
    ) -> dict[str, int]:
        counts: Counter[str] = Counter()
        counts["webhook_payloads"] += scrub_deliveries(
            Q(payload__data__contact__id=str(contact.pk))
        )
        tickets = Ticket.objects.filter(
            Q(contact=contact) | Q(conversation_id__in=conversation_ids)
        )
        counts.update(self._expire_tickets(tickets, delete=True))
        return counts


def scrub_deliveries(which: Q) -> int:
    """Remove the body of matching webhook deliveries. The delivery stays in the log (when, to
    which webhook, which event, how it went); one not yet sent is given up, since its body is
    gone. What receivers already got is theirs to erase: docs/privacy.md says so."""
    deliveries = WebhookDelivery.objects.filter(which).exclude(payload=SCRUBBED_PAYLOAD)
    pending = deliveries.filter(status=WebhookDelivery.Status.PENDING)
    pending.update(
        status=WebhookDelivery.Status.FAILED,
        last_error="personal data removed before delivery",
        next_attempt_at=None,
    )
    return deliveries.update(payload=SCRUBBED_PAYLOAD)
