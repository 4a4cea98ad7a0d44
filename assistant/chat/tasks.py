"""Housekeeping of the chat side, run by Celery beat."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from assistant import calls
from assistant.chat import attachments, services
from assistant.chat.models import Conversation, Message
from assistant.chat.reply import answer_conversation

logger = logging.getLogger(__name__)

# A customer message the assistant has not answered after this long was most likely being
# answered by a web process that died (a deploy, a crash); the worker finishes the job.
STALLED_AFTER = timedelta(seconds=90)


def stalled_conversations() -> list[str]:
    cutoff = timezone.now() - STALLED_AFTER
    last_author = (
        Message.objects.filter(conversation=OuterRef("pk"))
        .order_by("-seq")
        .values("author_kind")[:1]
    )
    return [
        str(pk)
        # E-mail is answered by its own task (assistant/mail/answering.py), once per message,
        # and in "draft" mode a customer's mail stays last until an agent approves the draft.
        for pk in Conversation.objects.filter(
            state=Conversation.State.BOT,
            updated_at__lt=cutoff,
            channel=Conversation.Channel.CHAT,
        )
        .annotate(last_author=Subquery(last_author))
        .filter(last_author=Message.Author.CUSTOMER)
        .values_list("pk", flat=True)[:100]
    ]


@shared_task(name="chat.recover_stalled_replies")
def recover_stalled_replies() -> int:
    """Answer (or hand off) customer messages left unanswered by a web process that died.

    The reply turn takes the conversation's Redis lock, so a turn still running elsewhere is
    never doubled; the answer streams to the customer through the channel layer as usual.
    """
    stalled = stalled_conversations()

    async def run() -> None:
        try:
            for conversation_id in stalled:
                await answer_conversation(conversation_id)
        finally:
            await calls.aclose()

    if stalled:
        logger.warning("Recovering %d unanswered conversations", len(stalled))
        asyncio.run(run())
    return len(stalled)


@shared_task(name="chat.delete_orphaned_attachments")
def delete_orphaned_attachments() -> int:
    """Files uploaded in the widget that no message came to carry (docs/attachments.md)."""
    cutoff = timezone.now() - timedelta(hours=settings.ATTACHMENT_ORPHAN_HOURS)
    return attachments.orphaned_attachments_delete(older_than=cutoff)


@shared_task(name="chat.resolve_idle_conversations")
def resolve_idle_conversations() -> int:
    """Resolve conversations idle past their inbox's limit (the rule is the service's)."""
    return services.idle_conversations_resolve(now=timezone.now())
