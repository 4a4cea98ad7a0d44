"""What becomes of an answer the assistant stored for an e-mail (at once, or when an agent
approved its draft): it is shown live on the desks that have the conversation open, as any new
message is, and mailed through the outgoing mail's one scheduling service at once (the customer
is waiting for a mail, not in a widget that could still show it)."""

from __future__ import annotations

import uuid

from django.utils import timezone

from assistant.chat import events
from assistant.chat.models import Conversation, Message
from assistant.mail.sending import outbound_schedule


def deliver_answer(message: Message) -> None:
    """Announce and schedule the e-mail of this stored assistant message (at most once: the
    outgoing mail is unique per message). Runs inside the transaction that stored the message;
    both happen after it commits."""
    contact_id, inbox_id = Conversation.objects.values_list("contact_id", "inbox_id").get(
        pk=message.conversation_id
    )
    events.publish_on_commit(
        contact_id=contact_id,
        conversation_id=message.conversation_id,
        event={
            "type": "message",
            "conversation_id": str(message.conversation_id),
            "message": events.message_payload(message),
        },
        inbox_id=inbox_id,
    )
    outbound_schedule(message=message, send_after=timezone.now())


def announce_draft(conversation_id: uuid.UUID) -> None:
    """Tell the desks that have the conversation open that a draft waits there (only desks:
    the customer never hears of a draft). Runs inside the transaction that stored it."""
    inbox_id = Conversation.objects.values_list("inbox_id", flat=True).get(pk=conversation_id)
    events.publish_to_desks_on_commit(
        conversation_id=conversation_id,
        inbox_id=inbox_id,
        event={"type": "mail_draft", "conversation_id": str(conversation_id)},
    )
