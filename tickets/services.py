"""Writes of the human side. Each is one transaction, records its audit event, and tells the
desks after commit. Chat-side state changes (takeover, reply, resolve) go through
``assistant.chat.services``; these functions add the ticket and its audit trail around them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistant.chat import events
from assistant.chat import services as chat
from assistant.chat.attachments import attachments_kept_on_success
from assistant.chat.models import Attachment, Contact, Conversation, Inbox, Message
from assistant.errors import Refused
from assistant.people import public_name, staff_name
from tickets import access, sla
from tickets.alerts import emit as alerts
from tickets.models import AgentProfile, Note, Team, Ticket, TicketEvent

TRACKED_FIELDS = ("subject", "status", "priority", "assignee", "team", "tags")


class TicketError(Refused):
    """A request the human side refuses; ``code`` is the API's and the desk socket's error code."""


def _jsonable(field: str, value: Any) -> Any:
    if field in ("assignee", "team"):
        return getattr(value, "pk", None)
    if isinstance(value, list):
        return list(value)
    return value


def _record(
    ticket: Ticket, kind: str, actor: AbstractBaseUser | None, before: Any = None, after: Any = None
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket, actor=actor, kind=kind, before=before, after=after
    )


def announce(ticket: Ticket, change: str) -> None:
    event = {
        "type": "ticket",
        "ticket_id": ticket.pk,
        "conversation_id": str(ticket.conversation_id) if ticket.conversation_id else None,
        "change": change,
        "status": ticket.status,
        "assignee": ticket.assignee_id,
    }
    events.publish_to_desks_on_commit(
        conversation_id=ticket.conversation_id, inbox_id=ticket.inbox_id, event=event
    )


def profile_for(user: AbstractBaseUser) -> AgentProfile:
    profile, _created = AgentProfile.objects.get_or_create(user=user)
    return profile


def _default_team(inbox: Inbox) -> Team | None:
    return Team.objects.filter(inboxes=inbox).order_by("pk").first()


def _subject_for(conversation: Conversation) -> str:
    first = (
        conversation.messages.filter(author_kind=Message.Author.CUSTOMER).order_by("seq").first()
    )
    if first is None:
        return _("Chat with %(name)s") % {"name": conversation.contact}
    text = " ".join(first.text.split())
    return text if len(text) <= 80 else text[:79].rstrip() + "…"


@transaction.atomic
def ticket_for_conversation(
    *, conversation_id: Any, reason: str = "", actor: AbstractBaseUser | None = None
) -> tuple[Ticket, bool]:
    """The conversation's ticket, created or reopened. Idempotent: one ticket per conversation
    (a unique constraint guards it), so a retried escalation changes nothing."""
    conversation = (
        Conversation.objects.select_for_update(no_key=True, of=("self",))
        .select_related("inbox")
        .get(pk=conversation_id)
    )
    ticket = Ticket.objects.select_for_update(no_key=True).filter(conversation=conversation).first()
    if ticket is not None:
        if not ticket.is_open:
            before = ticket.status
            ticket.status = Ticket.Status.OPEN
            ticket.solved_at = None
            ticket.save(update_fields=["status", "solved_at", "updated_at"])
            _record(ticket, "reopened", actor, before, ticket.status)
            sla.start_clocks(ticket, now=timezone.now())
            announce(ticket, "reopened")
            return ticket, True
        return ticket, False
    ticket = Ticket.objects.create(
        inbox=conversation.inbox,
        contact_id=conversation.contact_id,
        conversation=conversation,
        subject=_subject_for(conversation),
        channel=Ticket.Channel.CHAT,
        team=_default_team(conversation.inbox),
        handoff_reason=reason or conversation.handoff_reason,
    )
    _record(
        ticket, "created", actor, None, {"channel": ticket.channel, "reason": ticket.handoff_reason}
    )
    sla.start_clocks(ticket, now=ticket.created_at)
    announce(ticket, "created")
    return ticket, True


@transaction.atomic
@transaction.atomic
def ticket_open(
    *,
    inbox: Inbox,
    contact: Contact | None = None,
    contact_email: str = "",
    contact_name: str = "",
    **fields: Any,
) -> Ticket:
    """`ticket_create` for a known contact, or for the inbox's contact with this e-mail address,
    made when there is none; in one transaction, so a contact made for a ticket that is then
    refused is not kept. The desk's "New ticket" and the API's create both call this."""
    if contact is None:
        contact = contact_for_email(inbox=inbox, email=contact_email, name=contact_name)
    return ticket_create(inbox=inbox, contact=contact, **fields)


def contact_for_email(*, inbox: Inbox, email: str, name: str = "") -> Contact:
    """The inbox's oldest contact with this e-mail address, or a new one.

    E-mail addresses are not unique among contacts (a visitor may type anyone's), so this picks,
    it does not prove identity; the ticket only records who the caller says wrote in.
    """
    email = email.strip().lower()
    existing = (
        Contact.objects.select_for_update()
        .filter(inbox=inbox, email__iexact=email)
        .order_by("created_at")
        .first()
    )
    if existing is not None:
        return existing
    return Contact.objects.create(inbox=inbox, email=email, name=name.strip()[:200])


def ticket_create(
    *,
    inbox: Inbox,
    contact: Contact,
    subject: str,
    by: AbstractBaseUser | None,
    channel: str = Ticket.Channel.AGENT,
    priority: int = Ticket.Priority.NORMAL,
    tags: Iterable[str] = (),
    assignee: AbstractBaseUser | None = None,
    team: Team | None = None,
    description: str = "",
) -> Ticket:
    """A ticket that did not come from chat: created by an agent or through the API."""
    if contact.inbox_id != inbox.pk:
        raise TicketError("invalid", _("The contact belongs to another inbox."))
    subject = subject.strip()
    if not subject:
        raise TicketError("invalid", _("A ticket needs a subject."))
    ticket = Ticket.objects.create(
        inbox=inbox,
        contact=contact,
        subject=subject[:250],
        channel=channel,
        priority=priority,
        tags=_clean_tags(tags),
        assignee=assignee,
        team=team or _default_team(inbox),
        created_by=by,
        summary=description.strip(),
    )
    _record(ticket, "created", by, None, {"channel": channel, "subject": ticket.subject})
    sla.start_clocks(ticket, now=ticket.created_at)
    announce(ticket, "created")
    alerts.assigned(ticket=ticket, agent=assignee, by=by)
    return ticket


def _clean_tags(tags: Iterable[str]) -> list[str]:
    cleaned = []
    for tag in tags:
        tag = " ".join(str(tag).split()).lower()[:50]
        if tag and tag not in cleaned:
            cleaned.append(tag)
    return cleaned


@transaction.atomic
def ticket_update(*, ticket: Ticket, by: AbstractBaseUser | None, **changes: Any) -> Ticket:
    """Change tracked fields; one audit event per field that really changed."""
    unknown = set(changes) - set(TRACKED_FIELDS)
    if unknown:
        raise TicketError("invalid", f"Unknown fields: {', '.join(sorted(unknown))}")
    ticket = Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk)
    if "tags" in changes:
        changes["tags"] = _clean_tags(changes["tags"])
    if "subject" in changes:
        changes["subject"] = str(changes["subject"]).strip()[:250]
        if not changes["subject"]:
            raise TicketError("invalid", _("A ticket needs a subject."))
    if "status" in changes and changes["status"] not in Ticket.Status.values:
        raise TicketError("invalid", _("Unknown status."))
    if "priority" in changes and changes["priority"] not in Ticket.Priority.values:
        raise TicketError("invalid", _("Unknown priority."))
    assignee = changes.get("assignee")
    if (
        assignee is not None
        and assignee.pk != ticket.assignee_id
        and not access.eligible_assignees(ticket.inbox).filter(pk=assignee.pk).exists()
    ):
        raise TicketError(
            "invalid",
            _("%(name)s does not work on this ticket's inbox.") % {"name": staff_name(assignee)},
        )
    changed = []
    status_before = ticket.status
    for field, value in changes.items():
        before = getattr(ticket, field)
        if _jsonable(field, before) == _jsonable(field, value):
            continue
        setattr(ticket, field, value)
        changed.append(field)
        _record(ticket, field, by, _jsonable(field, before), _jsonable(field, value))
    if not changed:
        return ticket
    if "status" in changed:
        ticket.solved_at = (
            timezone.now()
            if ticket.status in (Ticket.Status.SOLVED, Ticket.Status.CLOSED)
            else None
        )
        changed.append("solved_at")
    ticket.save(update_fields=[*changed, "updated_at"])
    if "status" in changed:
        _status_changed_clocks(ticket, before=status_before)
    if "status" in changed and not ticket.is_open and ticket.conversation_id:
        chat.conversation_resolve(conversation_id=ticket.conversation_id)
    announce(ticket, ",".join(changed))
    if "assignee" in changed:
        alerts.assigned(ticket=ticket, agent=ticket.assignee, by=by)
    return ticket


def _status_changed_clocks(ticket: Ticket, *, before: str) -> None:
    now = timezone.now()
    if ticket.status == Ticket.Status.PENDING:
        sla.pause(ticket, now=now)  # waiting on the customer
    elif ticket.status == Ticket.Status.OPEN and before == Ticket.Status.PENDING:
        sla.resume(ticket, now=now)
    elif ticket.status == Ticket.Status.OPEN:
        sla.start_clocks(ticket, now=now)  # reopened after being solved
    else:
        sla.ticket_solved(ticket, now=now)


def ticket_assign(
    *, ticket: Ticket, agent: AbstractBaseUser | None, by: AbstractBaseUser | None
) -> Ticket:
    return ticket_update(ticket=ticket, by=by, assignee=agent)


@transaction.atomic
def note_add(*, ticket: Ticket, author: AbstractBaseUser, text: str) -> Note:
    """A private note: stored on the ticket and shown to agents only, by construction."""
    text = text.strip()
    if not text:
        raise TicketError("invalid", _("The note is empty."))
    note = Note.objects.create(ticket=ticket, author=author, text=text[:10_000])
    _record(ticket, "note", author, None, {"note_id": note.pk})
    event = {
        "type": "note",
        "ticket_id": ticket.pk,
        "conversation_id": str(ticket.conversation_id) if ticket.conversation_id else None,
        "note": {
            "id": note.pk,
            "author": public_name(author),
            "text": note.text,
            "created_at": note.created_at.isoformat(),
        },
    }
    events.publish_to_desks_on_commit(
        conversation_id=ticket.conversation_id, inbox_id=ticket.inbox_id, event=event
    )
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    return note


# ---------------------------------------------------------------------------------------------
# Conversation actions from the desk
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def takeover(*, conversation: Conversation, agent: AbstractBaseUser) -> Ticket:
    """The agent takes the conversation from the assistant or the queue (from a colleague only
    when the agent is a manager or an admin)."""
    chat.conversation_takeover(
        conversation_id=conversation.pk, agent=agent, from_colleague=access.is_manager(agent)
    )
    ticket, _created = ticket_for_conversation(
        conversation_id=conversation.pk, reason="agent_takeover", actor=agent
    )
    _record(ticket, "takeover", agent, None, {"agent": agent.pk})
    if ticket.assignee_id != agent.pk:
        ticket_update(ticket=ticket, by=agent, assignee=agent)
    return ticket


@transaction.atomic
def reply(
    *,
    conversation: Conversation,
    agent: AbstractBaseUser,
    text: str,
    files: Sequence[tuple[str, bytes]] = (),
) -> Message:
    """The agent's reply, with ``files`` (name, content) checked like the customer's
    (AttachmentRefused when one is not allowed; then nothing is sent)."""
    with attachments_kept_on_success(
        conversation=conversation, files=files, source=Attachment.Source.AGENT
    ) as stored:
        message = chat.agent_message_create(
            conversation_id=conversation.pk,
            agent=agent,
            text=text,
            from_colleague=access.is_manager(agent),
            attachment_ids=[attachment.pk for attachment in stored],
        )
    ticket, _created = ticket_for_conversation(
        conversation_id=conversation.pk, reason="agent_takeover", actor=agent
    )
    if ticket.assignee_id is None:
        ticket_update(ticket=ticket, by=agent, assignee=agent)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    sla.agent_replied(ticket, now=message.created_at)
    return message


@transaction.atomic
def handback(*, conversation: Conversation, agent: AbstractBaseUser) -> None:
    chat.conversation_handback(conversation_id=conversation.pk)
    ticket = Ticket.objects.filter(conversation=conversation).first()
    if ticket is not None:
        _record(ticket, "handback", agent, None, None)
        announce(ticket, "handback")


@transaction.atomic
def resolve(*, conversation: Conversation, agent: AbstractBaseUser) -> None:
    """Resolve the conversation and solve its ticket. A second resolve is refused
    (conversation_resolved): it would reopen and re-solve the ticket."""
    chat.conversation_resolve(conversation_id=conversation.pk, strict=True)
    ticket, _created = ticket_for_conversation(conversation_id=conversation.pk, actor=agent)
    ticket_update(ticket=ticket, by=agent, status=Ticket.Status.SOLVED)


def set_availability(*, user: AbstractBaseUser, availability: str) -> AgentProfile:
    profile = profile_for(user)
    profile.availability = availability
    profile.last_seen_at = timezone.now()
    profile.save(update_fields=["availability", "last_seen_at"])
    return profile


def render_canned(text: str, *, contact: Contact, agent: AbstractBaseUser) -> str:
    """Fill a canned reply's placeholders; unknown ones are left as written."""
    values = {
        "customer_name": contact.name or _("there"),
        "agent_name": public_name(agent),
        "agent_full_name": staff_name(agent),
    }
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text
