"""Signed, expiring links to attachments, and how a message describes its files.

A link names one attachment and when it was made, signed with the server's key
(django.core.signing.TimestampSigner): it cannot be forged or pointed at another file. It is
not a credential on its own: the view that serves it also checks who asks (the conversation's
customer by their widget session, or desk staff who may see the conversation), and judges the
link's age by that audience's expiry (settings.ATTACHMENT_URL_MAX_AGE_*).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core import signing

from assistant.chat.models import Attachment

_SALT = "assistant.chat.attachment-link"


class InvalidLink(Exception):
    """The link is forged, altered, malformed or expired."""


def attachment_token(attachment_id: uuid.UUID) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(str(attachment_id))


def attachment_id_from(token: str, *, max_age: int) -> uuid.UUID:
    if not token or len(token) > 200:
        raise InvalidLink("malformed link")
    try:
        return uuid.UUID(signing.TimestampSigner(salt=_SALT).unsign(token, max_age=max_age))
    except signing.SignatureExpired as error:
        raise InvalidLink("expired link") from error
    except (signing.BadSignature, ValueError) as error:
        raise InvalidLink("invalid link") from error


def attachment_payload(attachment: Attachment) -> dict[str, Any]:
    """What the widget and the desk are told about a file (docs/widget-protocol.md)."""
    return {
        "id": str(attachment.pk),
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
        # Each side builds its own URL from it: /api/widget/attachments/<token> for the
        # customer, /desk/attachments/<token> for agents.
        "token": attachment_token(attachment.pk),
    }
