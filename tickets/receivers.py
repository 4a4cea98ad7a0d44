"""How the human side hears about the chat side without chat importing tickets."""

from __future__ import annotations

import uuid
from typing import Any

from assistant.chat.signals import handoff_requested


def _queue_escalation(
    sender: Any, *, conversation_id: uuid.UUID, reason: str, **kwargs: Any
) -> None:
    from tickets.tasks import escalate_handoff

    # The signal is sent after commit, so the worker sees the handed-off conversation.
    escalate_handoff.delay(str(conversation_id), reason)


def connect() -> None:
    handoff_requested.connect(_queue_escalation, dispatch_uid="tickets.escalate_handoff")
