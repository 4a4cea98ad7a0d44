"""Values the server must read back (a header to send, a mailbox password) encrypted at rest.

Such a value cannot be hashed: it is sent with every call or login. It is encrypted with a key
derived from the project's SECRET_KEY and a context naming what it protects (Fernet: AES-128-CBC
with an HMAC), so a database dump alone does not reveal it and a value stored for one purpose
cannot be decrypted as another. Rotating SECRET_KEY makes stored values unreadable: the admin
enters them again, and the caller reports that instead of using a wrong value.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class UnreadableSecret(Exception):
    """The stored value was encrypted under another SECRET_KEY (or another context)."""


def _fernet(context: bytes) -> Fernet:
    key = hashlib.sha256(context + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str, *, context: bytes) -> str:
    return _fernet(context).encrypt(value.encode()).decode("ascii") if value else ""


def decrypt(token: str, *, context: bytes) -> str:
    if not token:
        return ""
    try:
        return _fernet(context).decrypt(token.encode("ascii")).decode()
    except InvalidToken as error:
        raise UnreadableSecret("the value was encrypted with another key") from error
