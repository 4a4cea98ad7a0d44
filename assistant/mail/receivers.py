"""How outgoing mail hears about the chat side (chat never imports mail)."""

from __future__ import annotations

import uuid
from typing import Any

from assistant.chat.signals import contact_email_left, message_stored
from assistant.mail import sending


def _send_verification(sender: Any, *, contact_id: uuid.UUID, email: str, **kwargs: Any) -> None:
    from assistant.mail.outbound_tasks import send_verification

    # Sent after commit, so the worker reads the address as the visitor left it.
    send_verification.delay(str(contact_id), email)


def connect() -> None:
    message_stored.connect(sending.agent_message_stored, dispatch_uid="mail.agent_reply_out")
    contact_email_left.connect(_send_verification, dispatch_uid="mail.verify_address")
