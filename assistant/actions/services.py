"""Writes of actions and their calls: each call's record, and the customer's decision on a call
that changes data (claimed once, by a conditional UPDATE)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from assistant.actions import secrets
from assistant.actions.execution import Executed
from assistant.actions.models import Action, ActionCall
from assistant.actions.selectors import CONFIRMATION_WINDOW, WITH_THE_ASSISTANT
from assistant.actions.spec import ActionSpec
from assistant.llm.types import Message
from assistant.privacy.outbound import CallScope
from assistant.privacy.services import record_action_call

Status = ActionCall.Status
# What the desk and the model keep of an endpoint's answer.
MAX_RESULT_CHARS = 4000


def call_record(
    *,
    spec: ActionSpec,
    scope: CallScope,
    contact_id: uuid.UUID,
    tool_call_id: str,
    arguments: Mapping[str, Any],
    status: str,
    outcome: str = "",
    summary: str = "",
) -> ActionCall:
    """A call the model asked for, refused or waiting for the customer's confirmation."""
    return ActionCall.objects.create(
        action_id=spec.id,
        action_name=spec.name,
        inbox_id=scope.inbox_id,
        conversation_id=scope.conversation_id,
        contact_id=contact_id,
        tool_call_id=tool_call_id[:128],
        arguments=dict(arguments),
        status=status,
        outcome=outcome,
        summary=summary[:500],
    )


@transaction.atomic
def call_finish(
    *,
    spec: ActionSpec,
    scope: CallScope,
    executed: Executed,
    call_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    tool_call_id: str = "",
    arguments: Mapping[str, Any] | None = None,
) -> ActionCall:
    """Record a call that was sent (a confirmed one by its id, a read anew), with its audit
    row in the same transaction."""
    fields = {
        "status": Status.SUCCEEDED if executed.ok else Status.FAILED,
        "outcome": executed.outcome,
        "status_code": executed.status_code,
        "result": executed.body[:MAX_RESULT_CHARS],
        "duration_ms": executed.duration_ms,
        "finished_at": timezone.now(),
    }
    if call_id is not None:
        ActionCall.objects.filter(pk=call_id).update(**fields)
        call = ActionCall.objects.get(pk=call_id)
    else:
        assert contact_id is not None and arguments is not None
        call = call_record(
            spec=spec,
            scope=scope,
            contact_id=contact_id,
            tool_call_id=tool_call_id,
            arguments=arguments,
            status=fields.pop("status"),
        )
        for name, value in fields.items():
            setattr(call, name, value)
        call.save()
    call_audit(
        scope=scope,
        action_name=spec.name,
        executed=executed,
        tool_call_id=call.tool_call_id or str(call.pk),
    )
    return call


def call_audit(
    *, scope: CallScope, action_name: str, executed: Executed, tool_call_id: str
) -> None:
    """The audit row of one sent call: the request (method, path, arguments; never a header)
    and the endpoint's answer, pseudonymised (privacy.services.record_action_call)."""
    sent = [Message.user(_compact(executed.request or {}))]
    if executed.body:
        sent.append(Message.tool(tool_call_id, executed.body))
    record_action_call(scope=scope, action_name=action_name, sent=sent, outcome=executed.outcome)


def decision_claim(
    *, call_id: uuid.UUID, contact_id: uuid.UUID, confirm: bool
) -> ActionCall | None:
    """The customer's click on a confirmation card: the call waiting for it, moved on once.
    None for a call that is not this contact's, was decided already (a double click, a replayed
    frame) or waited too long, or whose conversation a person took over meanwhile (the agent
    decides now); nothing happens then."""
    now = timezone.now()
    claimed = ActionCall.objects.filter(
        pk=call_id,
        contact_id=contact_id,
        status=Status.AWAITING_CONFIRMATION,
        created_at__gte=now - CONFIRMATION_WINDOW,
        conversation__state__in=WITH_THE_ASSISTANT,
    ).update(
        status=Status.CONFIRMED if confirm else Status.CANCELLED,
        confirmed_at=now if confirm else None,
        finished_at=None if confirm else now,
    )
    if not claimed:
        return None
    return ActionCall.objects.select_related("action").get(pk=call_id)


def card_shown(*, call_id: uuid.UUID, message_seq: int) -> None:
    """The message that asks for the confirmation: the widget puts the card's buttons under it."""
    ActionCall.objects.filter(pk=call_id).update(message_seq=message_seq)


def confirmed_call_fail(*, call_id: uuid.UUID, outcome: str) -> None:
    """A confirmed call that could not be sent at all (its action was deleted meanwhile)."""
    ActionCall.objects.filter(pk=call_id, status=Status.CONFIRMED).update(
        status=Status.FAILED, outcome=outcome, finished_at=timezone.now()
    )


def secret_set(*, action: Action, value: str) -> None:
    """Store a new secret header value, encrypted; an empty value keeps the stored one."""
    if value:
        action.secret_header_value = secrets.encrypt(value)


def _compact(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
