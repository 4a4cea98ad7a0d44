"""The secret header's value, encrypted at rest and never shown again.

The value must be sent with every call, so it cannot be hashed; it is encrypted with a key derived
from the project's SECRET_KEY (Fernet: AES-128-CBC with an HMAC), so a database dump alone does not
reveal it. Rotating SECRET_KEY makes stored values unreadable: the admin enters them again (the
call then fails with ``secret_unreadable``, never with a wrong header).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

_CONTEXT = b"assistant.actions.secret-header.v1"


def _fernet() -> Fernet:
    key = hashlib.sha256(_CONTEXT + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode("ascii") if value else ""


class UnreadableSecret(Exception):
    """The stored value was encrypted under another SECRET_KEY."""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken as error:
        raise UnreadableSecret("the secret header was encrypted with another key") from error
