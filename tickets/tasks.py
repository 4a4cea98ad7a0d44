"""Background work of the human side. Tasks take ids and are idempotent where they ack late."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from tickets import escalation, sla


@shared_task(name="tickets.escalate_handoff", acks_late=True, reject_on_worker_lost=True)
def escalate_handoff(conversation_id: str, reason: str) -> int:
    """Ticket, summary, assignment, customer notice for one handoff. Every step is idempotent
    (see tickets/escalation.py), so a run redone after a worker died changes nothing twice."""
    return escalation.escalate(conversation_id=conversation_id, reason=reason).pk


@shared_task(name="tickets.check_sla", acks_late=True, reject_on_worker_lost=True)
def check_sla() -> dict[str, int]:
    """Beat, every minute: warn before SLA breaches and mark breaches (each at most once)."""
    return sla.check(now=timezone.now())


@shared_task(name="tickets.summarise_resolution", acks_late=True, reject_on_worker_lost=True)
def summarise_resolution(conversation_id: str) -> bool:
    """A resolved conversation gets a summary and a topic, for the customer's history and for
    analytics; written only where there is none, so a redone run changes nothing."""
    return escalation.summarise_resolved(conversation_id=conversation_id)
