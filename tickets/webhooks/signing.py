"""Webhook signatures, Stripe-style: ``X-Assistant-Signature: t=<unix seconds>,v1=<hex>``.

``v1`` is HMAC-SHA256 under the webhook's secret of ``f"{t}.{body}"``, the exact bytes of the
request body. Signing the timestamp with the body lets a receiver refuse old requests (replays)
by checking ``t`` against its own clock; ``verify`` is the reference receiver, used by the tests
and shown in docs/api.md.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Assistant-Signature"
EVENT_HEADER = "X-Assistant-Event"
DELIVERY_HEADER = "X-Assistant-Delivery"
ATTEMPT_HEADER = "X-Assistant-Attempt"
# How old a signed request a receiver should still accept, in seconds.
DEFAULT_TOLERANCE = 300


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The header value for this body, signed now (or at ``timestamp``)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return f"t={stamp},v1={_digest(secret, stamp, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> bool:
    """True if ``header`` signs ``body`` under ``secret`` within ``tolerance`` seconds of now.

    Any ``v1`` entry may match, so a sender can sign with an old and a new secret during a
    rotation. Comparison is constant-time.
    """
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = _digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
