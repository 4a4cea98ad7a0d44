"""Alerts the human side hears about through the chat side's signals."""

from __future__ import annotations

import uuid
from typing import Any

from assistant.chat.signals import message_stored


def _customer_wrote(
    sender: Any, *, conversation_id: uuid.UUID, author_kind: str, **kwargs: Any
) -> None:
    """A customer message in a conversation whose ticket an agent holds: alert that agent."""
    if author_kind != "customer":
        return
    from tickets.alerts import emit
    from tickets.models import Ticket

    ticket = (
        Ticket.objects.filter(
            conversation_id=conversation_id,
            status__in=Ticket.OPEN_STATUSES,
            assignee__isnull=False,
        )
        .only("pk", "conversation_id", "assignee_id", "subject")
        .first()
    )
    if ticket is not None:
        emit.customer_wrote(ticket=ticket)


def connect() -> None:
    message_stored.connect(_customer_wrote, dispatch_uid="alerts.customer_wrote")
