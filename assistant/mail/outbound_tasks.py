"""Celery tasks of outgoing mail: send one (with retries), sweep up due ones, verify an address.

Thin: each calls one function of assistant/mail/sending.py or verification.py.
"""

from __future__ import annotations

from celery import shared_task

from assistant.mail import sending, verification


@shared_task(name=sending.SEND_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_outbound(outbound_id: int) -> str:
    """Send one scheduled mail. Idempotent (sending.outbound_attempt claims the row first),
    which is what makes late acknowledgement safe: a killed worker's message is run again."""
    outcome = sending.outbound_attempt(outbound_id)
    if outcome.retry_in is not None:
        # A fresh message rather than self.retry(): the row, not the message, counts the
        # attempts, so a redelivered message cannot grant extra tries.
        send_outbound.apply_async((outbound_id,), countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="mail.send_due", ignore_result=True)
def send_due() -> int:
    """Run by beat: queue the scheduled mails that are due (their task lost, or their worker
    gone); claiming in `send_outbound` keeps each to one send."""
    due = sending.due_ids()
    for outbound_id in due:
        send_outbound.delay(outbound_id)
    return len(due)


@shared_task(name="mail.send_verification", ignore_result=True)
def send_verification(contact_id: str, email: str) -> bool:
    """Mail the link that proves the visitor owns the address they left in the widget."""
    return verification.verification_mail_send(contact_id=contact_id, email=email)
