"""The secret header's value, encrypted at rest and never shown again (`assistant.encryption`).

Rotating SECRET_KEY makes stored values unreadable: the admin enters them again (the call then
fails with ``secret_unreadable``, never with a wrong header).
"""

from __future__ import annotations

from assistant import encryption
from assistant.encryption import UnreadableSecret

__all__ = ["UnreadableSecret", "decrypt", "encrypt"]

_CONTEXT = b"assistant.actions.secret-header.v1"


def encrypt(value: str) -> str:
    return encryption.encrypt(value, context=_CONTEXT)


def decrypt(token: str) -> str:
    return encryption.decrypt(token, context=_CONTEXT)
