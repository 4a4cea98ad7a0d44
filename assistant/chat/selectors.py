"""Reads that several parts of the conversational side share."""

from __future__ import annotations

import functools
import uuid

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet
from django.db.models.functions import JSONObject

from assistant.actions.selectors import enabled_action_rows
from assistant.compiled_reads import CompiledRead

from .models import Conversation, Message


def known_names(conversation: Conversation) -> tuple[str, ...]:
    """The people a conversation is known to name: the contact (name and e-mail address, whose
    local part is often the name) and the agents who wrote in it. The detectors look for these
    anywhere in the text sent to a model, where no rule or word list would find them."""
    contact = conversation.contact
    agents = (
        conversation.messages.filter(author_kind=Message.Author.AGENT)
        .exclude(author_name="")
        .values_list("author_name", flat=True)
        .distinct()
    )
    return (contact.name, contact.email, *agents)


def turn_conversation(conversation_id: uuid.UUID, *, history: int) -> Conversation | None:
    """Everything a reply turn reads, in one query: the conversation with its inbox, the inbox's
    privacy settings (``inbox.privacy``, absent when it has none), the inbox's enabled actions
    (``enabled_actions``, rows for `actions.toolbox_of_rows`) and the contact, and its last
    ``history`` messages, newest first, as ``recent`` (a list of ``{"kind", "text", "name",
    "seq"}``).
    One statement instead of three, compiled once per process (`CompiledRead`): the turn runs
    for every customer message (issue 23)."""
    read = _turn_reads.get(history)
    if read is None:
        read = _turn_reads[history] = CompiledRead(
            functools.partial(_turn_conversations, history=history), standin=_STANDIN_ID
        )
    return read.first(conversation_id)


# The value the turn's read is compiled with, replaced by the real conversation's id.
_STANDIN_ID = uuid.UUID(int=0)
# One compiled read per length of history (the reply turn uses one).
_turn_reads: dict[int, CompiledRead[Conversation]] = {}


def _turn_conversations(conversation_id: uuid.UUID, *, history: int) -> QuerySet[Conversation]:
    recent = (
        Message.objects.filter(conversation=OuterRef("pk"))
        .order_by("-seq")
        .values(entry=JSONObject(kind="author_kind", text="text", name="author_name", seq="seq"))[
            :history
        ]
    )
    return (
        Conversation.objects.select_related("inbox", "inbox__privacy", "contact")
        .annotate(
            recent=ArraySubquery(recent),
            enabled_actions=ArraySubquery(enabled_action_rows(OuterRef("inbox_id"))),
        )
        .filter(pk=conversation_id)
        .order_by()
    )
