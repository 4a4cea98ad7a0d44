"""The Celery task that answers a customer's e-mail (assistant.mail.answering), and the signal
receiver that queues it for every customer message of an e-mail conversation."""

from __future__ import annotations

import uuid
from typing import Any

from celery import shared_task

from assistant.chat.models import Conversation, Message
from assistant.mail.answering import ANSWERING_MODES, answer_mail


@shared_task(name="mail.answer_customer_mail", acks_late=True)
def answer_customer_mail(message_id: int) -> str:
    """Idempotent (a MailAnswer row per customer message guards it), so it may run again
    after a worker died mid-task."""
    return answer_mail(message_id)


def queue_answer(
    sender: Any,
    *,
    conversation_id: uuid.UUID,
    message_seq: int,
    author_kind: str,
    **kwargs: Any,
) -> None:
    """`message_stored` receiver: a customer message of an e-mail conversation the assistant
    has, in an inbox whose mail assistant answers or drafts, gets the task. One indexed query,
    and only for customers' messages of e-mail conversations (this runs after every message
    stored, chat's hot path included)."""
    if author_kind != Message.Author.CUSTOMER or kwargs.get("channel") == Conversation.Channel.CHAT:
        return
    message_id = (
        Message.objects.filter(
            conversation_id=conversation_id,
            seq=message_seq,
            conversation__channel=Conversation.Channel.EMAIL,
            conversation__state=Conversation.State.BOT,
            conversation__inbox__mail_account__enabled=True,
            conversation__inbox__mail_account__assistant_mode__in=ANSWERING_MODES,
        )
        .values_list("pk", flat=True)
        .first()
    )
    if message_id is not None:
        # The signal is sent after commit, so the worker sees the message.
        answer_customer_mail.delay(message_id)
