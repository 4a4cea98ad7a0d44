"""Celery beat keeps the rollups fresh (CELERY_BEAT_SCHEDULE["analytics.refresh_rollups"])."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import shared_task

from analytics import rollups


# Idempotent (every step replaces rows; an advisory lock keeps runs from overlapping), so a run
# redone after a worker died changes nothing twice: late acknowledgement is safe.
@shared_task(name="analytics.tasks.refresh_rollups", acks_late=True, reject_on_worker_lost=True)
def refresh_rollups() -> dict[str, Any]:
    return asdict(rollups.refresh())
