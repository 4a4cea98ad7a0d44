"""One attempt at sending one delivery, and what to do next.

The task (tasks.deliver) is thin: it calls ``attempt`` and schedules the next try if asked to.
``attempt`` claims the delivery with a conditional UPDATE first, so two copies of the same task
(a late acknowledgement redelivered, or the sweeper's re-queue) never send at the same time and a
finished delivery is never sent again.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from assistant import netguard
from assistant.secrets_filter import configured_secrets, scrub
from tickets.webhooks import signing, transport
from tickets.webhooks.models import WebhookAttempt, WebhookDelivery

Status = WebhookDelivery.Status
# Statuses worth another try: the receiver is overloaded, rate limiting or broken right now.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# A retry may run this much before its due time (clocks of worker hosts differ a little).
CLOCK_SLACK = timedelta(seconds=5)


@dataclass(frozen=True)
class Outcome:
    status: str  # "delivered", "failed", "pending" (will retry) or "skipped" (not ours to send)
    retry_in: float | None = None


def backoff(attempt_number: int, retry_after: float | None = None) -> float:
    """Seconds to wait after the n-th failed attempt: base * 2^(n-1), at least what the
    receiver asked for in Retry-After, never more than the cap."""
    delay = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempt_number - 1)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, settings.WEBHOOK_RETRY_MAX_SECONDS)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


def _claim(delivery_id: uuid.UUID | str) -> WebhookDelivery | None:
    """The delivery, claimed for one attempt, if it is pending, due, and not held by another
    worker; else None. A copy of the task that arrives early (Celery can hand out a countdown
    task twice) or late (after the delivery finished) does nothing."""
    now = timezone.now()
    # Long enough for the slowest request; a worker that dies holding it frees it after this.
    lease = timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 2 + 30)
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + CLOCK_SLACK))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + lease, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)


@dataclass(frozen=True)
class _Result:
    """What one POST came to; ``error`` is empty exactly when it was delivered."""

    status_code: int | None = None
    error: str = ""
    retryable: bool = False
    retry_after: float | None = None
    response_excerpt: str = ""


def _send(delivery: WebhookDelivery) -> _Result:
    webhook = delivery.webhook
    if not webhook.active:
        return _Result(error="the webhook is disabled")
    try:
        target = netguard.vet(webhook.url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE_TARGETS)
    except netguard.UnsafeTarget as error:
        return _Result(error=f"refused: {error}")
    except netguard.UnresolvedTarget as error:
        return _Result(error=str(error), retryable=True)
    body = body_of(delivery)
    headers = {
        signing.SIGNATURE_HEADER: signing.sign(webhook.secret, body),
        signing.EVENT_HEADER: delivery.event,
        signing.DELIVERY_HEADER: str(delivery.pk),
        signing.ATTEMPT_HEADER: str(delivery.attempts),
    }
    try:
        response = transport.post(target, body, headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        return _Result(error=f"{type(error).__name__}: {error}"[:1000], retryable=True)
    if 200 <= response.status_code < 300:
        return _Result(status_code=response.status_code, response_excerpt=response.body_snippet)
    error = f"HTTP {response.status_code}"
    if 300 <= response.status_code < 400:
        error += " (redirects are not followed)"
    if response.body_snippet:
        error += f": {response.body_snippet}"
    return _Result(
        status_code=response.status_code,
        error=error,
        retryable=response.status_code in RETRYABLE_STATUSES,
        retry_after=response.retry_after,
        response_excerpt=response.body_snippet,
    )


def attempt(delivery_id: uuid.UUID | str) -> Outcome:
    """Try to send the delivery once, record the attempt, and say whether to try again."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return Outcome("skipped")
    started = time.monotonic()
    result = _send(delivery)
    duration_ms = (time.monotonic() - started) * 1000

    now = timezone.now()
    retry_in = None
    secrets = [delivery.webhook.secret, *configured_secrets()]
    if not result.error:
        delivery.status = Status.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif result.retryable and delivery.attempts < settings.WEBHOOK_MAX_ATTEMPTS:
        retry_in = backoff(delivery.attempts, result.retry_after)
        delivery.next_attempt_at = now + timedelta(seconds=retry_in)
    else:
        delivery.status = Status.FAILED
        delivery.next_attempt_at = None
    delivery.last_status_code = result.status_code
    delivery.last_error = scrub(result.error, secrets)
    delivery.claimed_until = None
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            status_code=result.status_code,
            # A receiver may echo what it was sent, or its own credentials: masked.
            error=scrub(result.error, secrets),
            response_excerpt=scrub(result.response_excerpt, secrets),
            duration_ms=duration_ms,
            retry_in_seconds=retry_in,
        )
        delivery.save(
            update_fields=[
                "status", "delivered_at", "next_attempt_at", "last_status_code", "last_error",
                "claimed_until",
            ]
        )  # fmt: skip
    return Outcome(delivery.status, retry_in)


def due_for_requeue(*, grace: timedelta) -> list[uuid.UUID]:
    """Pending deliveries whose next attempt is overdue by ``grace``: their task was lost (a
    broker restart without persistence, a failed enqueue after commit)."""
    cutoff = timezone.now() - grace
    return list(
        WebhookDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lt=cutoff)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=timezone.now()))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )


def reopen(delivery_id: uuid.UUID | str) -> bool:
    """Make a past delivery due again for one more attempt (a redelivery), unless a worker is
    sending it right now. Its attempts keep counting, so the redelivery is recorded as the next
    attempt; once the retry budget is spent, a failed redelivery is not retried."""
    now = timezone.now()
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(status=Status.PENDING, next_attempt_at=now, delivered_at=None)
    )


def prune(*, older_than: timedelta, batch: int = 1000) -> int:
    """Delete finished deliveries (and their attempts) created more than ``older_than`` ago,
    one bounded batch per call so that a large backlog never holds long locks."""
    cutoff = timezone.now() - older_than
    old = WebhookDelivery.objects.filter(created_at__lt=cutoff).exclude(status=Status.PENDING)
    ids = list(old.values_list("pk", flat=True)[:batch])
    if not ids:
        return 0
    WebhookDelivery.objects.filter(pk__in=ids).delete()
    return len(ids)
