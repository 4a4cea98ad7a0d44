"""Sending a reply by mail: retries when the SMTP server refuses, and never twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assistant.chat.models import Message
from assistant.mail import sending
from assistant.mail.models import OutboundMail
from tests.mail.outbound_helpers import CUSTOMER, agent_reply, mail_conversation, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(smtp_server) -> OutboundMail:
    conversation = mail_conversation(make_account())
    message = agent_reply(conversation, "Your refund is on its way.")
    outbound = sending.outbound_schedule(message=message, send_after=timezone.now())
    assert outbound is not None
    return outbound


@pytest.fixture
def later(monkeypatch):
    """Move the clock forward, as if a worker ran this much later."""

    def move(seconds: float) -> None:
        moved = timezone.now() + timedelta(seconds=seconds)
        monkeypatch.setattr(timezone, "now", lambda: moved)

    return move


@pytest.mark.parametrize(
    "refusal", [("rcpt", "550 5.2.2 Mailbox full"), ("data", "451 4.7.1 Try again later")]
)
def test_a_refused_mail_is_retried_with_back_off_and_then_sent_once(
    smtp_server, scheduled, later, refusal
):
    stage, reply = refusal
    getattr(smtp_server.capture, f"refuse_{stage}").append(reply)

    first = sending.outbound_attempt(scheduled.pk)

    assert first.status == "retry"
    assert first.retry_in == sending.backoff(1) == 60.0
    scheduled.refresh_from_db()
    assert scheduled.state == OutboundMail.State.SCHEDULED
    assert scheduled.attempts == 1
    assert scheduled.last_error == reply
    assert smtp_server.received == []
    # Not before its time: a copy of the task that runs early sends nothing.
    assert sending.outbound_attempt(scheduled.pk).status == "skipped"

    later(61)
    assert sending.outbound_attempt(scheduled.pk).status == "sent"
    [mail] = smtp_server.received
    assert mail.header("Message-ID") == scheduled.message_id
    scheduled.refresh_from_db()
    assert (scheduled.state, scheduled.attempts, scheduled.last_error) == ("sent", 2, "")


def test_the_back_off_doubles_up_to_its_cap(settings):
    settings.MAIL_RETRY_BASE_SECONDS, settings.MAIL_RETRY_MAX_SECONDS = 60.0, 1800.0
    assert [sending.backoff(n) for n in range(1, 7)] == [60, 120, 240, 480, 960, 1800]


def test_running_the_task_twice_sends_once(smtp_server, scheduled):
    assert sending.outbound_attempt(scheduled.pk).status == "sent"
    assert sending.outbound_attempt(scheduled.pk).status == "skipped"
    assert sending.due_ids(now=timezone.now() + timedelta(days=1)) == []
    assert len(smtp_server.received) == 1


def test_a_second_schedule_of_the_same_message_is_the_same_mail(scheduled):
    again = sending.outbound_schedule(
        message=scheduled.chat_message, send_after=timezone.now() + timedelta(hours=1)
    )
    assert again is not None and again.pk == scheduled.pk
    assert OutboundMail.objects.count() == 1


def test_a_worker_that_dies_holding_the_mail_leaves_it_to_the_sweep_which_sends_it_once(
    smtp_server, scheduled, later
):
    # The worker claimed the mail and died before talking to the SMTP server.
    assert sending._claim(scheduled.pk) is not None
    # Meanwhile the same task redelivered, or the sweep, finds it held: nothing is sent.
    assert sending.outbound_attempt(scheduled.pk).status == "skipped"
    assert sending.due_ids() == []

    later(sending._lease().total_seconds() + 1)
    assert sending.due_ids() == [scheduled.pk]
    assert sending.outbound_attempt(scheduled.pk).status == "sent"
    assert sending.outbound_attempt(scheduled.pk).status == "skipped"
    assert len(smtp_server.received) == 1


def test_a_crash_after_the_server_accepted_resends_with_the_same_message_id(
    smtp_server, scheduled, later, monkeypatch
):
    """The documented window: between the SMTP server's 250 and the one UPDATE that marks the
    mail sent. A worker killed there leaves it claimed, the sweep sends it again after the
    lease, and the customer's client shows the two copies as one (same Message-ID)."""

    def killed(outbound: OutboundMail) -> None:
        raise SystemExit("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(sending, "_mark_sent", killed)
        with pytest.raises(SystemExit):
            sending.outbound_attempt(scheduled.pk)
    assert sending.outbound_attempt(scheduled.pk).status == "skipped"

    later(sending._lease().total_seconds() + 1)
    assert sending.outbound_attempt(scheduled.pk).status == "sent"
    first, second = smtp_server.received
    assert first.header("Message-ID") == second.header("Message-ID") == scheduled.message_id


def test_after_the_last_try_the_mail_failed_and_the_transcript_says_so(
    smtp_server, scheduled, later, settings
):
    settings.MAIL_SEND_MAX_ATTEMPTS = 2
    smtp_server.capture.refuse_rcpt.extend(["550 5.1.1 No such user"] * 3)

    assert sending.outbound_attempt(scheduled.pk).status == "retry"
    later(3600)
    assert sending.outbound_attempt(scheduled.pk).status == "failed"

    scheduled.refresh_from_db()
    assert scheduled.state == OutboundMail.State.FAILED
    assert scheduled.last_error == "550 5.1.1 No such user"
    notices = Message.objects.filter(
        conversation_id=scheduled.conversation_id,
        author_kind=Message.Author.SYSTEM,
        text__startswith="E-mail",
    )
    assert [notice.text for notice in notices] == [f"E-mail could not be delivered to {CUSTOMER}."]
    # A failed mail is not tried again, and the notice is not repeated.
    assert sending.outbound_attempt(scheduled.pk).status == "skipped"
    assert smtp_server.received == []


def test_an_smtp_server_that_is_down_is_retried(smtp_server, scheduled, settings):
    settings.EMAIL_PORT = 1  # nothing listens there: connection refused
    outcome = sending.outbound_attempt(scheduled.pk)
    assert outcome.status == "retry"
    scheduled.refresh_from_db()
    assert "ConnectionRefusedError" in scheduled.last_error
