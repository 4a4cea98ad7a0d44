"""How an answer the assistant (or an agent approving its draft) stored gets mailed: through the
outgoing mail's one scheduling service, at once (the customer is waiting for a mail, not in a
widget that could still show it)."""

from __future__ import annotations

from django.utils import timezone

from assistant.chat.models import Message
from assistant.mail.sending import outbound_schedule


def mail_answer(message: Message) -> None:
    """Schedule the e-mail of this stored assistant message (at most once: the outgoing mail is
    unique per message). Runs inside the transaction that stored the message."""
    outbound_schedule(message=message, send_after=timezone.now())
