"""An address's two secrets: the relay's key (hashed) and the IMAP password (encrypted).

The relay key is checked, never read back, so only a lookup prefix and a SHA-256 digest are
kept (as API tokens are): it is shown once, when it is created or rotated. The IMAP password
must be sent at every login, so it is encrypted at rest (`assistant.encryption`) and never shown
again once saved.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from django.db import transaction

from assistant import encryption
from assistant.mail.models import MailAccount

logger = logging.getLogger(__name__)

RELAY_KEY_MARKER = "mrk_"  # lets secret scanners and people recognise a leaked key
RELAY_PREFIX_LENGTH = 12  # the marker and 8 characters: enough to tell keys apart on a page
_IMAP_CONTEXT = b"assistant.mail.imap-password.v1"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def relay_key_rotate(*, account: MailAccount, by: object) -> str:
    """A new relay key for the address, replacing any earlier one at once; returned once and
    never stored. ``by``: who asked (the settings page audits the change itself)."""
    key = RELAY_KEY_MARKER + secrets.token_urlsafe(32)
    relay_key_install(account=account, key=key)
    logger.info("relay key of %s rotated by %s", account.address, by)
    return key


def relay_key_install(*, account: MailAccount, key: str) -> None:
    """Make ``key`` the address's relay key (the demo's is derived from SECRET_KEY, so that
    `make run` can print it at every start; everything else uses `relay_key_rotate`)."""
    account.relay_key_prefix = key[:RELAY_PREFIX_LENGTH]
    account.relay_key_hash = _digest(key)
    account.save(update_fields=["relay_key_prefix", "relay_key_hash"])


def relay_key_matches(account: MailAccount, key: str) -> bool:
    """Constant-time: a wrong key takes as long to refuse whatever it shares with the right one."""
    if not account.relay_key_hash or not key:
        return False
    return hmac.compare_digest(_digest(key), account.relay_key_hash)


def imap_password_set(*, account: MailAccount, password: str) -> None:
    account.imap_password_encrypted = encryption.encrypt(password, context=_IMAP_CONTEXT)
    account.save(update_fields=["imap_password_encrypted"])


def imap_password(account: MailAccount) -> str:
    """The stored password; raises `encryption.UnreadableSecret` when SECRET_KEY changed since."""
    return encryption.decrypt(account.imap_password_encrypted, context=_IMAP_CONTEXT)
