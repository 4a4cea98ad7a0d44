"""The shape of an API key and what is kept of it: a lookup prefix and a SHA-256 digest.

Plain Python. A key is 192 random bits, so a fast hash is enough (nothing to brute-force, unlike
a password); the digest is compared in constant time. The ``ast_`` marker lets secret scanners
and people recognise a leaked key. Keys issued before hashing (Django REST framework's 40 hex
digits) are still accepted, their digest made the same way by the data migration.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

MARKER = "ast_"
PREFIX_LENGTH = 12  # the marker and 8 hex digits; for older keys their first 12 hex digits
_SHAPE = re.compile(r"ast_[0-9a-f]{48}|[0-9a-f]{40}")


def new_key() -> str:
    return MARKER + secrets.token_hex(24)


def is_well_formed(key: str) -> bool:
    return bool(_SHAPE.fullmatch(key))


def prefix_of(key: str) -> str:
    return key[:PREFIX_LENGTH]


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def matches(key: str, digest: str) -> bool:
    return hmac.compare_digest(digest_of(key), digest)
