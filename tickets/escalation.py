"""What happens after a handoff, in the worker: ticket, summary, assignment, SLA, the customer
told what comes next. Every step is idempotent, so a task redone after a crash (late
acknowledgement) changes nothing that was already done:

* one ticket per conversation (unique constraint);
* the summary is written only where there is none (a conditional UPDATE);
* the assignee is set only where there is none (a conditional UPDATE);
* the customer's notice is keyed by the handoff time (unique client id per conversation).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from assistant.chat import services as chat
from assistant.chat.availability import wait_text
from assistant.chat.models import Conversation
from assistant.mail import sending as mail_sending
from assistant.people import public_name
from tickets import assignment, availability, services, summaries
from tickets.alerts import emit as alerts
from tickets.models import Ticket, TicketEvent


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
        alerts.assigned(ticket=ticket, agent=agent, by=None)
    return True


def notice_text(ticket: Ticket, conversation: Conversation) -> str:
    """What the customer is told once the handoff is taken in: a named person "shortly" only
    when they are at the desk within business hours, else when the team is back."""
    status = availability.status_of(ticket.team, inbox_id=ticket.inbox_id)
    contact = conversation.contact
    assignee = public_name(ticket.assignee) if ticket.assignee_id is not None else None
    return wait_text(
        status,
        language=conversation.language,
        time_zone=contact.time_zone,
        email=contact.email,
        assignee=assignee,
        by_email=conversation.channel == Conversation.Channel.EMAIL,
    )


def tell_customer(ticket: Ticket, conversation: Conversation) -> None:
    if conversation.handoff_at is None:
        return
    key = f"handoff-notice:{int(conversation.handoff_at.timestamp())}"
    text = notice_text(ticket, conversation)
    # One transaction: a notice stored is a notice mailed, also when the task is redone.
    with transaction.atomic():
        notice = chat.system_message_once(conversation_id=conversation.pk, key=key, text=text)
        if notice is not None and conversation.channel == Conversation.Channel.EMAIL:
            # The customer reads only their mailbox: without this mail, a customer who asked
            # for a person ("yes, please") would hear nothing until that person replies.
            mail_sending.outbound_schedule(message=notice, send_after=timezone.now())


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
