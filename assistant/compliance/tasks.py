"""Periodic data-protection work: each inbox's retention (assistant/privacy/retention.py)."""

from __future__ import annotations

from celery import shared_task

from . import retention


@shared_task(name="privacy.apply_retention", acks_late=True, reject_on_worker_lost=True)
def apply_retention() -> dict[str, int]:
    """Beat, hourly: delete or anonymise what each inbox keeps past its retention period.

    Late acknowledgement is safe: every batch commits on its own and is never done twice (see
    retention.py), so a run redone after a worker died continues where the first one stopped.
    """
    result = retention.apply_retention()
    return {**result.counts, "inboxes": result.inboxes, "complete": int(result.complete)}
