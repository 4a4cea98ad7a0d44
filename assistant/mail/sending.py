"""Replies by e-mail: scheduling one mail per message, and sending it exactly once if we can.

Guarantees (docs/email.md, "Replies and continuity"):

- A message is mailed at most once: ``OutboundMail.chat_message`` is one-to-one, so scheduling
  the same message twice creates one row.
- Two workers never send the same row at the same time: an attempt first claims the row with a
  conditional UPDATE that moves its ``send_after`` past a lease; a copy of the task that arrives
  meanwhile (a late acknowledgement redelivered, the sweeper) finds it not due and does nothing.
- A sent row is never sent again: it is marked sent in one UPDATE right after the SMTP server
  accepted it. A worker that dies between the two (a window of one statement) leaves the row
  claimed; after the lease the sweeper sends it again, with the same Message-ID, which mail
  clients use to show it once.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assistant.chat import services as chat_services
from assistant.chat.models import Conversation, Message
from assistant.mail import continuity
from assistant.mail.models import MailReference, OutboundMail
from assistant.mail.outgoing import compose, new_message_id

logger = logging.getLogger(__name__)

State = OutboundMail.State
SEND_TASK = "mail.send_outbound"
# A retry may run this much before its due time (clocks of worker hosts differ a little).
CLOCK_SLACK = timedelta(seconds=5)
# How long a claimed row stays with its worker; one that dies holding it frees it after this.
_LEASE_EXTRA = timedelta(seconds=30)


@dataclass(frozen=True)
class Outcome:
    # "sent", "cancelled" (the visitor came back), "failed", "retry" or "skipped" (not due,
    # claimed by another worker, or already finished).
    status: str
    retry_in: float | None = None


def backoff(attempt_number: int) -> float:
    """Seconds to wait after the n-th failed attempt: base * 2^(n-1), never more than the cap."""
    delay = settings.MAIL_RETRY_BASE_SECONDS * 2 ** (attempt_number - 1)
    return min(delay, settings.MAIL_RETRY_MAX_SECONDS)


def _lease() -> timedelta:
    return timedelta(seconds=settings.EMAIL_TIMEOUT * 3) + _LEASE_EXTRA


# ---------------------------------------------------------------------------------------------
# Scheduling
# ---------------------------------------------------------------------------------------------


def outbound_schedule(*, message: Message, send_after: datetime) -> OutboundMail | None:
    """Mail ``message`` to its conversation's contact at ``send_after``; the row, or None when
    the conversation has nowhere to mail it (see `continuity.destination`). Scheduling a message
    that already has its mail returns that mail unchanged. The sending task is queued after
    commit; the beat sweep (`due_ids`) sends it if that task is lost."""
    conversation = Conversation.objects.select_related("contact", "inbox").get(
        pk=message.conversation_id
    )
    target = continuity.destination(conversation)
    if target is None:
        return None
    existing = OutboundMail.objects.filter(chat_message=message).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            outbound = OutboundMail.objects.create(
                account=target.account,
                conversation=conversation,
                chat_message=message,
                to_address=target.to_address,
                message_id=new_message_id(target.account),
                send_after=send_after,
            )
    except IntegrityError:
        # Scheduled concurrently by another process: the one-to-one kept one row.
        return OutboundMail.objects.get(chat_message=message)
    delay = max(0.0, (send_after - timezone.now()).total_seconds())
    transaction.on_commit(lambda: _queue_send(outbound.pk, countdown=delay))
    return outbound


def _queue_send(outbound_id: int, *, countdown: float) -> None:
    # By name: the task's module (outbound_tasks) imports this one.
    current_app.send_task(SEND_TASK, args=(outbound_id,), countdown=countdown)


def agent_message_stored(
    sender: Any,
    *,
    conversation_id: Any,
    message_seq: int,
    author_kind: str,
    **kwargs: Any,
) -> None:
    """Receiver of ``message_stored``: an agent's reply goes out by mail at once on an e-mail
    conversation, and after the grace period on a chat whose visitor has left. Assistant
    answers are scheduled by the e-mail answering (which may hold them as drafts), never here;
    customers' messages cost no query at all."""
    if author_kind != Message.Author.AGENT:
        return
    try:
        _schedule_agent_reply(conversation_id, message_seq)
    except Exception:
        # The reply is stored and shown; a failure here must not turn the agent's send into an
        # error. Logged loudly: this reply will not be mailed.
        logger.exception("Could not schedule the e-mail for message %s of %s", message_seq,
                         conversation_id)  # fmt: skip


def _schedule_agent_reply(conversation_id: Any, message_seq: int) -> None:
    message = (
        Message.objects.select_related("conversation__contact")
        .filter(conversation_id=conversation_id, seq=message_seq)
        .first()
    )
    if message is None:
        return
    conversation = message.conversation
    now = timezone.now()
    if continuity.is_email(conversation):
        outbound_schedule(message=message, send_after=now)
    elif conversation.contact.email and not continuity.visitor_connected(conversation.contact_id):
        grace = timedelta(seconds=settings.MAIL_CONTINUITY_GRACE_SECONDS)
        outbound_schedule(message=message, send_after=now + grace)


# ---------------------------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------------------------


def _claim(outbound_id: int) -> OutboundMail | None:
    """The row, claimed for one attempt, if it is scheduled and due; else None."""
    now = timezone.now()
    claimed = OutboundMail.objects.filter(
        pk=outbound_id, state=State.SCHEDULED, send_after__lte=now + CLOCK_SLACK
    ).update(send_after=now + _lease(), attempts=F("attempts") + 1)
    if not claimed:
        return None
    return OutboundMail.objects.select_related(
        "account", "conversation__inbox", "conversation__contact", "chat_message"
    ).get(pk=outbound_id)


def _finish(outbound: OutboundMail, **changes: Any) -> bool:
    """Move a claimed row out of "scheduled"; False if something else finished it first."""
    return bool(
        OutboundMail.objects.filter(pk=outbound.pk, state=State.SCHEDULED).update(**changes)
    )


def _mark_sent(outbound: OutboundMail) -> None:
    """Right after the SMTP server accepted the mail: the one statement of the resend window
    (see the module's docstring), then the reference replies will name."""
    with transaction.atomic():
        _finish(outbound, state=State.SENT, sent_at=timezone.now(), last_error="")
        MailReference.objects.get_or_create(
            account=outbound.account,
            message_id=outbound.message_id,
            defaults={
                "direction": MailReference.Direction.OUT,
                "conversation": outbound.conversation,
                "chat_message": outbound.chat_message,
            },
        )


def outbound_attempt(outbound_id: int) -> Outcome:
    """One try at sending one scheduled mail. Safe to run any number of times, concurrently."""
    outbound = _claim(outbound_id)
    if outbound is None:
        return Outcome("skipped")
    conversation = outbound.conversation
    if not continuity.is_email(conversation) and continuity.visitor_connected(
        conversation.contact_id
    ):
        # The visitor came back within the grace period: the widget showed them the reply.
        _finish(outbound, state=State.CANCELLED)
        return Outcome("cancelled")
    try:
        compose(outbound).send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        return _failed_attempt(outbound, error)
    _mark_sent(outbound)
    return Outcome("sent")


def _failed_attempt(outbound: OutboundMail, error: Exception) -> Outcome:
    description = _describe(error)
    if outbound.attempts < settings.MAIL_SEND_MAX_ATTEMPTS:
        retry_in = backoff(outbound.attempts)
        OutboundMail.objects.filter(pk=outbound.pk, state=State.SCHEDULED).update(
            send_after=timezone.now() + timedelta(seconds=retry_in), last_error=description
        )
        logger.warning("Mail %s not sent (%s); retrying in %s s", outbound.pk, description,
                       retry_in)  # fmt: skip
        return Outcome("retry", retry_in=retry_in)
    if _finish(outbound, state=State.FAILED, last_error=description):
        _tell_the_agent(outbound)
    logger.error("Mail %s failed for good: %s", outbound.pk, description)
    return Outcome("failed")


def _describe(error: Exception) -> str:
    """What the agent and the logs are told: the server's own words, never the mail's content."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refusals = [
            f"{code} {reply.decode('utf-8', 'replace')}"
            for code, reply in error.recipients.values()
        ]
        return "; ".join(refusals)[:500]
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {error.smtp_error.decode('utf-8', 'replace')}"[:500]
    return f"{type(error).__name__}: {error}"[:500]


def _tell_the_agent(outbound: OutboundMail) -> None:
    """A line in the transcript, in the conversation's language, once per mail."""
    conversation = outbound.conversation
    with translation.override(conversation.language):
        text = _("E-mail could not be delivered to %(address)s.") % {"address": outbound.to_address}
    with transaction.atomic():
        chat_services.system_message_once(
            conversation_id=conversation.id, key=f"mail-failed:{outbound.pk}", text=text
        )


def due_ids(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Scheduled mails whose time has come (their countdown task may be lost, or the worker that
    claimed them died): the beat sweep queues them again; claiming keeps it to one send."""
    now = now or timezone.now()
    return list(
        OutboundMail.objects.filter(state=State.SCHEDULED, send_after__lte=now)
        .order_by("send_after")
        .values_list("pk", flat=True)[:limit]
    )
