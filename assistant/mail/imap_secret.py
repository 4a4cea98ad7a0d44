"""The IMAP password, encrypted at rest (Fernet, a key derived from SECRET_KEY, as actions'
secret headers are: assistant/actions/secrets.py) and never shown again once saved.

The one place that encrypts and decrypts it: the settings page stores it, the fetcher and the
connection test read it."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

# A context of its own: a value encrypted for one purpose never decrypts as another's.
_CONTEXT = b"assistant.mail.imap-password.v1"


def _fernet() -> Fernet:
    key = hashlib.sha256(_CONTEXT + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


class UnreadablePassword(Exception):
    """The stored password was encrypted under another SECRET_KEY: the admin enters it again."""


def encrypt_password(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode("ascii") if value else ""


def decrypt_password(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken as error:
        raise UnreadablePassword("the IMAP password was encrypted with another key") from error
