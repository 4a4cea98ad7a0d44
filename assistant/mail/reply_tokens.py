"""The token that ties a reply to its conversation when the mail client drops the headers.

Outgoing mail carries it twice: in the Reply-To address (``support+<token>@example.com``) and at
the end of the subject (``[#<token>]``). It is the conversation's id and a MAC of it under the
project's SECRET_KEY, in lower-case base32: mail servers may lower-case an address's local part,
and a guessed or altered token names no conversation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid

from django.conf import settings

_CONTEXT = b"assistant.mail.reply-token.v1"
_MAC_BYTES = 6
# 16 bytes of id + 6 of MAC -> 22 bytes -> 36 base32 characters without padding.
TOKEN_LENGTH = 36
TOKEN_PATTERN = re.compile(rf"[a-z2-7]{{{TOKEN_LENGTH}}}")
_SUBJECT_TAG = re.compile(rf"\[#({TOKEN_PATTERN.pattern})\]", re.IGNORECASE)


def _mac(conversation_id: uuid.UUID) -> bytes:
    key = hashlib.sha256(_CONTEXT + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, conversation_id.bytes, hashlib.sha256).digest()[:_MAC_BYTES]


def token_for(conversation_id: uuid.UUID) -> str:
    raw = conversation_id.bytes + _mac(conversation_id)
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def conversation_id_from(token: str) -> uuid.UUID | None:
    """The conversation a token names, or None when it is malformed or its MAC is wrong."""
    token = token.strip().lower()
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    padded = token.upper() + "=" * (-len(token) % 8)
    try:
        raw = base64.b32decode(padded)
    except ValueError:
        return None
    conversation_id = uuid.UUID(bytes=raw[:16])
    # Compared as text, not as decoded bytes: the last character also carries four padding
    # bits, and a token differing only there must not count as the same one.
    if not hmac.compare_digest(token, token_for(conversation_id)):
        return None
    return conversation_id


def reply_address(address: str, conversation_id: uuid.UUID) -> str:
    """``support@example.com`` -> ``support+<token>@example.com`` (sub-addressing, RFC 5233)."""
    local, _, domain = address.rpartition("@")
    return f"{local}+{token_for(conversation_id)}@{domain}"


def subject_tag(conversation_id: uuid.UUID) -> str:
    return f"[#{token_for(conversation_id)}]"


def conversation_id_in(*, addresses: list[str] | tuple[str, ...], subject: str) -> uuid.UUID | None:
    """The conversation a reply names by its token: in a recipient's sub-address, then in the
    subject. Only a token with a valid MAC counts."""
    for address in addresses:
        local = address.rpartition("@")[0]
        if "+" in local:
            found = conversation_id_from(local.rpartition("+")[2])
            if found:
                return found
    for match in _SUBJECT_TAG.finditer(subject):
        found = conversation_id_from(match.group(1))
        if found:
            return found
    return None
