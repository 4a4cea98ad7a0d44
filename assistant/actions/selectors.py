"""Reads of actions and their calls that several callers share."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db.models import OuterRef, QuerySet
from django.db.models.functions import JSONObject
from django.utils import timezone

from assistant.actions.models import Action, ActionCall
from assistant.actions.spec import ActionSpec

RATE_WINDOW = timedelta(minutes=10)
# A confirmation card older than this does nothing when clicked: the customer asks again.
CONFIRMATION_WINDOW = timedelta(minutes=15)
# The conversation states in which the assistant may still act (chat's Conversation.State
# values: with the assistant, or waiting for a person while it keeps answering).
WITH_THE_ASSISTANT = ("bot", "waiting")


# What an ActionSpec is built from: the columns the reply turn reads.
_SPEC_FIELDS = (
    "id", "name", "description", "parameters", "method", "url", "secret_header_name",
    "secret_header_value", "identity_fields", "changes_data", "confirmation_text",
    "timeout_seconds",
)  # fmt: skip


def enabled_action_rows(inbox: OuterRef) -> QuerySet[Action]:
    """The enabled actions of ``inbox`` (an outer query's inbox column) as JSON rows, for a
    query that reads them in the same statement as the rest of a turn's context (the reply
    turn's hot path, issue 23); `specs_of_rows` makes them ActionSpecs again."""
    return (
        Action.objects.filter(inbox_id=inbox, enabled=True)
        .order_by("pk")
        .values(row=JSONObject(**{name: name for name in _SPEC_FIELDS}))
    )


def specs_of_rows(rows: Sequence[dict[str, Any]]) -> tuple[ActionSpec, ...]:
    return tuple(ActionSpec.of(Action(**row)) for row in rows)


def calls_of_conversation(conversation_id: uuid.UUID) -> QuerySet[ActionCall]:
    return ActionCall.objects.filter(conversation_id=conversation_id).order_by("created_at")


def calls_by_message(conversation_id: uuid.UUID, messages: Sequence[Any]) -> dict[int, list]:
    """The conversation's action calls, by the seq of the message the desk shows each under:
    the message that asked for its confirmation, else the first one written after it was made
    (the answer phrased from its result, or the notice that it failed)."""
    shown: dict[int, list[ActionCall]] = {}
    ordered = sorted(messages, key=lambda m: m.seq)
    for call in calls_of_conversation(conversation_id):
        seq = call.message_seq
        if seq is None:
            seq = next((m.seq for m in ordered if m.created_at >= call.created_at), None)
        if seq is not None:
            shown.setdefault(seq, []).append(call)
    return shown


def awaiting_confirmation(*, contact_id: uuid.UUID, conversation_id: uuid.UUID) -> list[dict]:
    """The cards still waiting for this contact's click, as the widget draws them (on reconnect
    too)."""
    since = timezone.now() - CONFIRMATION_WINDOW
    calls = ActionCall.objects.filter(
        contact_id=contact_id,
        conversation_id=conversation_id,
        status=ActionCall.Status.AWAITING_CONFIRMATION,
        created_at__gte=since,
        conversation__state__in=WITH_THE_ASSISTANT,
    ).order_by("created_at")
    return [card(call) for call in calls]


def card(call: ActionCall) -> dict:
    """The widget's ``action_confirm`` frame for a call (docs/widget-protocol.md)."""
    return {
        "type": "action_confirm",
        "call_id": str(call.pk),
        "seq": call.message_seq,
        "summary": call.summary,
    }


def recent_calls(conversation_id: uuid.UUID) -> int:
    """Calls the conversation made in the rate-limit window (refused ones included: a model
    that keeps trying is what the limit is for)."""
    since = timezone.now() - RATE_WINDOW
    return ActionCall.objects.filter(conversation_id=conversation_id, created_at__gte=since).count()
