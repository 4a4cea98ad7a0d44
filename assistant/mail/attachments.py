"""A mail's attachments, each through the chat side's one attachment store.

The store judges every file on its content (`assistant.chat.attachments`); a file it refuses
does not stop the mail, it is listed for the agents by name and reason. The stored bytes live
outside the database transaction, so files stored for a run that then fails are deleted again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import translation

from assistant.chat.attachments import AttachmentRefused, attachment_store
from assistant.chat.models import Attachment, Conversation, Message
from assistant.mail.parsed import ParsedAttachment


@dataclass(frozen=True)
class RefusedAttachment:
    name: str
    reason: str


def store_all(
    *, conversation: Conversation, message: Message, attachments: Sequence[ParsedAttachment]
) -> list[RefusedAttachment]:
    """Store each attachment on ``message``; the refused ones, with the reason in the
    conversation's language."""
    refused: list[RefusedAttachment] = []
    stored: list[Attachment] = []
    try:
        for item in attachments:
            try:
                with translation.override(conversation.language):
                    stored.append(
                        attachment_store(
                            conversation=conversation,
                            message=message,
                            name=item.filename,
                            data=item.data,
                            source=Attachment.Source.EMAIL,
                        )
                    )
            except AttachmentRefused as error:
                refused.append(RefusedAttachment(item.filename or "?", error.message))
    except BaseException:
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return refused
