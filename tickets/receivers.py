"""How the human side hears about the chat side without chat importing tickets."""

from __future__ import annotations

import uuid
from typing import Any

from assistant.chat.signals import conversation_resolved, handoff_requested, message_stored


def _queue_escalation(
    sender: Any, *, conversation_id: uuid.UUID, reason: str, **kwargs: Any
) -> None:
    from tickets.tasks import escalate_handoff

    # The signal is sent after commit, so the worker sees the handed-off conversation.
    escalate_handoff.delay(str(conversation_id), reason)


def _customer_wrote(
    sender: Any,
    *,
    conversation_id: uuid.UUID,
    author_kind: str,
    new_conversation: bool = False,
    **kwargs: Any,
) -> None:
    """A customer message on a ticket: an open ticket an agent already answered starts the
    next-response clock, and the agent who holds it is alerted. One query for both, and none
    for a conversation this message started, which has no ticket yet (per message saved:
    issue 23)."""
    if author_kind != "customer" or new_conversation:
        return
    from django.utils import timezone

    from tickets import sla
    from tickets.alerts import emit
    from tickets.models import Ticket

    ticket = Ticket.objects.filter(
        conversation_id=conversation_id, status__in=Ticket.OPEN_STATUSES
    ).first()
    if ticket is None:
        return
    if ticket.status == Ticket.Status.OPEN:
        sla.customer_wrote(ticket, now=timezone.now())
    if ticket.assignee_id is not None:
        emit.customer_wrote(ticket=ticket)


def _queue_resolution_summary(sender: Any, *, conversation_id: uuid.UUID, **kwargs: Any) -> None:
    from tickets.tasks import summarise_resolution

    summarise_resolution.delay(str(conversation_id))


def connect() -> None:
    conversation_resolved.connect(
        _queue_resolution_summary, dispatch_uid="tickets.resolution_summary"
    )
    handoff_requested.connect(_queue_escalation, dispatch_uid="tickets.escalate_handoff")
    message_stored.connect(_customer_wrote, dispatch_uid="tickets.sla_customer_wrote")
