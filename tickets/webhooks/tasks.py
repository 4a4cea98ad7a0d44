"""Celery tasks of the webhooks: send a delivery (with retries), re-queue lost ones."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from tickets.webhooks import delivery


@shared_task(
    name="webhooks.deliver", acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def deliver(delivery_id: str) -> str:
    """Send one delivery. Idempotent per delivery id (delivery.attempt claims it first), which
    is what makes late acknowledgement safe: a killed worker's message is simply run again."""
    outcome = delivery.attempt(delivery_id)
    if outcome.retry_in is not None:
        # A fresh message rather than self.retry(): the delivery row, not the message, counts
        # the attempts, so a redelivered message cannot grant extra tries.
        deliver.apply_async((delivery_id,), countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="webhooks.requeue_overdue", ignore_result=True)
def requeue_overdue() -> int:
    """Run by beat: queue again the pending deliveries whose task was lost."""
    overdue = delivery.due_for_requeue(grace=timedelta(minutes=5))
    for delivery_id in overdue:
        deliver.delay(str(delivery_id))
    return len(overdue)


# Enough batches for a busy day's deliveries per run; the rest waits for the next run.
PRUNE_BATCHES_PER_RUN = 50


@shared_task(name="webhooks.prune_deliveries", ignore_result=True)
def prune_deliveries() -> int:
    """Run by beat: forget finished deliveries older than WEBHOOK_DELIVERY_RETENTION_DAYS."""
    older_than = timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    pruned = 0
    for _batch in range(PRUNE_BATCHES_PER_RUN):
        removed = delivery.prune(older_than=older_than)
        pruned += removed
        if not removed:
            break
    return pruned
