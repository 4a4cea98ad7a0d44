"""The delivery log as an admin reads it: each delivery with the body that was sent and every
attempt with the start of the receiver's answer, secrets masked (the webhook's signing secret,
the server's own secrets, credential-shaped strings)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch

from assistant.secrets_filter import configured_secrets, scrub
from tickets.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

PAGE_SIZE = 20


@dataclass(frozen=True)
class LoggedAttempt:
    attempt: WebhookAttempt
    error: str
    response_excerpt: str


@dataclass(frozen=True)
class LoggedDelivery:
    delivery: WebhookDelivery
    body: str
    attempts: list[LoggedAttempt]

    @property
    def last_attempt(self) -> LoggedAttempt | None:
        return self.attempts[-1] if self.attempts else None


def delivery_log(webhook: Webhook, page_number: object) -> tuple[Page, list[LoggedDelivery]]:
    """One page of the webhook's deliveries, newest first."""
    deliveries = WebhookDelivery.objects.filter(webhook=webhook).prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number"))
    )
    page = Paginator(deliveries, PAGE_SIZE).get_page(page_number)
    secrets = [webhook.secret, *configured_secrets()]
    logged = [
        LoggedDelivery(
            delivery=delivery,
            body=scrub(json.dumps(delivery.payload, indent=2, ensure_ascii=False), secrets),
            attempts=[
                LoggedAttempt(
                    attempt=attempt,
                    error=scrub(attempt.error, secrets),
                    response_excerpt=scrub(attempt.response_excerpt, secrets),
                )
                for attempt in delivery.attempt_log.all()
            ],
        )
        for delivery in page.object_list
    ]
    return page, logged
