"""What happens after a handoff, in the worker: ticket, summary, assignment, SLA, the customer
told what comes next. Every step is idempotent, so a task redone after a crash (late
acknowledgement) changes nothing that was already done:

* one ticket per conversation (unique constraint);
* the summary is written only where there is none (a conditional UPDATE);
* the assignee is set only where there is none (a conditional UPDATE);
* the customer's notice is keyed by the handoff time (unique client id per conversation).
"""

from __future__ import annotations

import statistics
from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assistant.chat import services as chat
from assistant.chat.models import Conversation
from assistant.people import public_name
from tickets import assignment, services, sla, summaries
from tickets.business_hours import is_open, next_opening
from tickets.models import Ticket, TicketEvent

DEFAULT_WAIT = timedelta(minutes=5)


def escalate(*, conversation_id: str, reason: str) -> Ticket:
    ticket, _changed = services.ticket_for_conversation(
        conversation_id=conversation_id, reason=reason
    )
    conversation = Conversation.objects.select_related("inbox", "contact").get(pk=conversation_id)
    write_summary(ticket, conversation)
    assign(ticket)
    ticket.refresh_from_db()
    tell_customer(ticket, conversation)
    return ticket


def write_summary(ticket: Ticket, conversation: Conversation) -> bool:
    if Ticket.objects.filter(pk=ticket.pk).exclude(summary="").exists():
        return False
    summary = summaries.summarise(conversation)
    with transaction.atomic():
        written = Ticket.objects.filter(pk=ticket.pk, summary="").update(
            summary=summary.text, sentiment=summary.sentiment
        )
        if written:
            TicketEvent.objects.create(
                ticket=ticket, kind="summary", after={"sentiment": summary.sentiment}
            )
            Conversation.objects.filter(pk=conversation.pk, topic="").update(topic=summary.topic)
            ticket.summary = summary.text
            services.announce(ticket, "summary")
    return bool(written)


def assign(ticket: Ticket) -> bool:
    if ticket.assignee_id is not None:
        return False
    agent = assignment.least_loaded_agent(ticket)
    if agent is None:
        return False  # stays in the team's queue
    with transaction.atomic():
        if not Ticket.objects.filter(pk=ticket.pk, assignee__isnull=True).update(assignee=agent):
            return False
        TicketEvent.objects.create(ticket=ticket, kind="assignee", before=None, after=agent.pk)
        ticket.assignee = agent
        services.announce(ticket, "assignee")
    return True


def expected_wait(ticket: Ticket) -> timedelta:
    """The median time to a human's first reply over the inbox's recent handoffs."""
    recent = (
        Conversation.objects.filter(
            inbox_id=ticket.inbox_id,
            handoff_at__isnull=False,
            first_human_response_at__isnull=False,
        )
        .order_by("-handoff_at")
        .values_list("handoff_at", "first_human_response_at")[:50]
    )
    waits = [answered - handed for handed, answered in recent if answered >= handed]
    return statistics.median(waits) if waits else DEFAULT_WAIT


def _minutes(wait: timedelta) -> int:
    return max(1, round(wait.total_seconds() / 60))


def notice_text(ticket: Ticket, conversation: Conversation) -> str:
    calendar = sla.calendar_for(ticket)
    now = timezone.now()
    with translation.override(conversation.language):
        if not is_open(calendar, now):
            back = date_format(next_opening(calendar, now).astimezone(calendar.zone), "l H:i")
            if conversation.contact.email:
                return _(
                    "Our team is away right now. We'll reply by email to %(email)s "
                    "when we're back (%(when)s)."
                ) % {
                    "email": conversation.contact.email,
                    "when": back,
                }
            return _("Our team is away right now. We'll reply here when we're back (%(when)s).") % {
                "when": back
            }
        if ticket.assignee_id is not None:
            name = public_name(ticket.assignee)
            return _("%(name)s from our team will reply here shortly.") % {"name": name}
        return _(
            "A person from our team will reply here. The wait is usually about %(minutes)d minutes."
        ) % {"minutes": _minutes(expected_wait(ticket))}


def tell_customer(ticket: Ticket, conversation: Conversation) -> None:
    if conversation.handoff_at is None:
        return
    key = f"handoff-notice:{int(conversation.handoff_at.timestamp())}"
    chat.system_message_once(
        conversation_id=conversation.pk, key=key, text=notice_text(ticket, conversation)
    )


def summarise_resolved(*, conversation_id: str) -> bool:
    conversation = Conversation.objects.select_related("inbox").get(pk=conversation_id)
    if conversation.summary:
        return False
    summary = summaries.summarise(conversation)
    with transaction.atomic():
        written = Conversation.objects.filter(pk=conversation.pk, summary="").update(
            summary=summary.text
        )
        Conversation.objects.filter(pk=conversation.pk, topic="").update(topic=summary.topic)
    return bool(written)
