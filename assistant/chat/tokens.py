"""Credentials of the widget: session tokens, visitor secrets, identity verification.

* A **session token** is signed by the server (Django's signing, salted), names the inbox and the
  contact, and expires after an hour. The WebSocket accepts nothing else.
* A **visitor secret** lives in the visitor's browser and lets it get a new token for the same
  contact later (a page reload, a new tab, tomorrow). Only its SHA-256 is stored.
* An **identity hash** is the company's server vouching for a logged-in customer: the hex
  HMAC-SHA256 of the customer id under the inbox's identity secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from django.core import signing

SESSION_TOKEN_MAX_AGE = 3600
_SALT = "assistant.chat.widget-session"
_VISITOR_PREFIX = "v1."


@dataclass(frozen=True)
class SessionClaims:
    inbox_id: int
    contact_id: uuid.UUID


class InvalidToken(Exception):
    """The token is forged, malformed or expired."""


def mint_session_token(*, inbox_id: int, contact_id: uuid.UUID) -> str:
    return signing.dumps({"i": inbox_id, "c": str(contact_id)}, salt=_SALT, compress=False)


def read_session_token(token: object) -> SessionClaims:
    if not isinstance(token, str) or not token or len(token) > 512:
        raise InvalidToken("missing or malformed token")
    try:
        payload = signing.loads(token, salt=_SALT, max_age=SESSION_TOKEN_MAX_AGE)
        return SessionClaims(inbox_id=int(payload["i"]), contact_id=uuid.UUID(payload["c"]))
    except signing.SignatureExpired as error:
        raise InvalidToken("expired token") from error
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise InvalidToken("invalid token") from error


def new_visitor_secret() -> str:
    return _VISITOR_PREFIX + secrets.token_urlsafe(32)


def hash_visitor_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def identity_hash(*, secret: str, customer_id: str) -> str:
    """What the company's server computes for a logged-in customer (see docs/widget.md)."""
    return hmac.new(secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()


def identity_is_valid(*, secret: str, customer_id: str, claimed_hash: str) -> bool:
    return hmac.compare_digest(
        identity_hash(secret=secret, customer_id=customer_id), claimed_hash.lower()
    )


def identity_email_hash(*, secret: str, customer_id: str, email: str) -> str:
    """What the company's server computes to vouch for a customer's e-mail address: the id and
    the address signed together, so a customer's valid hash for their own id cannot vouch for
    someone else's address. The line break cannot occur in an id (control characters are
    refused), so no id and address pair signs the same text as another."""
    message = f"{customer_id}\n{email}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def identity_email_is_valid(
    *, secret: str, customer_id: str, email: str, claimed_hash: str
) -> bool:
    expected = identity_email_hash(secret=secret, customer_id=customer_id, email=email)
    return hmac.compare_digest(expected, claimed_hash.lower())
