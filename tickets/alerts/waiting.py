"""The count in the desk tab's title: conversations waiting for this agent's answer."""

from __future__ import annotations

from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from assistant.chat.models import Message
from tickets.models import Ticket


def _last_seq_by(author_kind: str) -> Subquery:
    return Subquery(
        Message.objects.filter(conversation=OuterRef("conversation_id"), author_kind=author_kind)
        .order_by("-seq")
        .values("seq")[:1]
    )


def waiting_for(user_id: int) -> QuerySet[Ticket]:
    """Open tickets assigned to the agent whose customer wrote after the last agent reply (or
    has had no agent reply yet). The assistant's and the system's messages do not count as an
    answer: after a handoff the customer is still waiting for a person."""
    return (
        Ticket.objects.filter(
            assignee_id=user_id, status=Ticket.Status.OPEN, conversation__isnull=False
        )
        .annotate(
            last_customer_seq=_last_seq_by(Message.Author.CUSTOMER),
            last_agent_seq=Coalesce(_last_seq_by(Message.Author.AGENT), Value(0)),
        )
        .filter(last_customer_seq__gt=F("last_agent_seq"))
    )


def waiting_count(user_id: int) -> int:
    return waiting_for(user_id).count()
