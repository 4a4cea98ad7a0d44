"""Firing an event: one delivery per subscribed webhook, recorded in the caller's transaction.

Recording inside the transaction of the change (an outbox) means a change that rolls back is never
announced and a committed change is never lost: the task is queued only after commit, and if the
broker is unreachable then, the sweeper (tasks.requeue_overdue) queues it later.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from functools import partial
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from tickets.webhooks import delivery as deliveries
from tickets.webhooks.models import Event, Webhook, WebhookDelivery
from tickets.webhooks.tasks import deliver


def subscribers(event: str) -> list[Webhook]:
    return list(Webhook.objects.filter(active=True, events__contains=[event]))


def has_subscribers(event: str) -> bool:
    return Webhook.objects.filter(active=True, events__contains=[event]).exists()


def fire(event: str, payload: Mapping[str, Any]) -> list[WebhookDelivery]:
    """Record ``event`` with ``payload`` (its ``data``) for every active webhook that wants it,
    and queue each delivery once the current transaction commits."""
    if event not in Event.values:
        raise ValueError(f"Unknown webhook event {event!r}")
    webhooks = subscribers(event)
    if not webhooks:
        return []
    # Plain JSON now, so every attempt sends the same data whatever happens to the objects.
    data = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    now = timezone.now()
    deliveries = []
    for webhook in webhooks:
        delivery_id = uuid.uuid4()
        envelope = {
            "id": str(delivery_id),
            "event": event,
            "created_at": now.isoformat().replace("+00:00", "Z"),
            "data": data,
        }
        deliveries.append(
            WebhookDelivery(
                id=delivery_id, webhook=webhook, event=event, payload=envelope, next_attempt_at=now
            )
        )
    WebhookDelivery.objects.bulk_create(deliveries)

    for created in deliveries:
        # robust: a broker outage must not fail the request whose change already committed;
        # the delivery stays pending and the sweeper queues it.
        transaction.on_commit(partial(deliver.delay, str(created.pk)), robust=True)
    return deliveries


def redeliver(delivery: WebhookDelivery) -> bool:
    """Send a past delivery again, the same body under the same id (receivers deduplicate on
    it), through the same task as every delivery; False if a worker is sending it right now."""
    if not deliveries.reopen(delivery.pk):
        return False
    transaction.on_commit(partial(deliver.delay, str(delivery.pk)), robust=True)
    return True
