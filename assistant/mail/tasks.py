"""Inbound mail's Celery tasks: process one stored message, and sweep up what a crash left."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from assistant.mail import processing
from assistant.mail.models import InboundMail

logger = logging.getLogger(__name__)

# A message still "stored" this long after it arrived lost its task (a crash, a broker restart)
# or is between retries; the sweep queues it again (a second run of a message being processed
# does nothing: processing claims the row).
SWEEP_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 500


@shared_task(
    name="mail.process_inbound",
    # Idempotent (processing claims the row, the message is unique per client id), so a worker
    # killed mid-task may hand it to another.
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=settings.MAIL_PROCESS_MAX_ATTEMPTS,
)
def process_inbound(inbound_id: int) -> str | None:
    outcome = processing.inbound_process(inbound_id)
    return outcome.state if outcome else None


@shared_task(name="mail.sweep_stored")
def sweep_stored() -> int:
    """Queue every message left unprocessed; returns how many."""
    cutoff = timezone.now() - SWEEP_AFTER
    ids = list(
        InboundMail.objects.filter(state=InboundMail.State.STORED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for inbound_id in ids:
        process_inbound.delay(inbound_id)
    if ids:
        logger.info("queued %d stored mail(s) again", len(ids))
    return len(ids)
