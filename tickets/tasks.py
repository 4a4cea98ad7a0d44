"""Background work of the human side."""

from __future__ import annotations

from celery import shared_task

from tickets import services


@shared_task(name="tickets.escalate_handoff", acks_late=True, reject_on_worker_lost=True)
def escalate_handoff(conversation_id: str, reason: str) -> int:
    """Create or reopen the ticket of a handed-off conversation. Idempotent (one ticket per
    conversation), so late acknowledgement is safe: a killed worker's run is simply redone."""
    ticket, _changed = services.ticket_for_conversation(
        conversation_id=conversation_id, reason=reason
    )
    return ticket.pk
