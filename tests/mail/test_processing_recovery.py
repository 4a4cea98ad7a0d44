"""Crash between fetch and processing, then restart, with a real Celery worker: every stored
message is processed exactly once, whatever was lost and however often it is queued again."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from assistant.chat.models import Message
from assistant.mail import intake, tasks
from assistant.mail.models import InboundMail
from tests.mail.mailin_support import make_account, mime

FIXTURES = Path(__file__).parent / "fixtures"


def _wait_until_none_stored(timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while InboundMail.objects.filter(state="stored").exists():
        if time.monotonic() > deadline:
            pytest.fail("stored mail was not processed")
        time.sleep(0.3)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_mail_stored_before_a_crash_is_processed_exactly_once_after_restart(
    request: pytest.FixtureRequest,
) -> None:
    account = make_account()
    raws = [
        mime(subject="one", text="First message after the crash."),
        (FIXTURES / "gmail_reply_en.eml").read_bytes(),
        (FIXTURES / "out_of_office.eml").read_bytes(),
        (FIXTURES / "malformed_mime.eml").read_bytes(),
        mime(subject="last", text="Last message after the crash."),
    ]
    for raw in raws:
        intake.store_raw(account=account, raw=raw, source="imap")
    # The crash: no worker was running, and starting one drops every task queued so far (the
    # fixture purges the broker), as a broker restart or a lost task would.
    worker: Any = request.getfixturevalue("celery_worker_process")
    assert worker.poll() is None
    assert InboundMail.objects.filter(state="stored").count() == len(raws)
    InboundMail.objects.update(received_at=timezone.now() - timedelta(minutes=10))

    # The restart: beat's sweep queues them again; run it (and a duplicate task) several times.
    assert tasks.sweep_stored() == len(raws)
    tasks.sweep_stored()
    for inbound_id in InboundMail.objects.values_list("pk", flat=True):
        tasks.process_inbound.delay(inbound_id)
    _wait_until_none_stored()
    time.sleep(1)  # let the duplicate tasks run too

    states = dict(InboundMail.objects.values_list("sha256", "state"))
    assert sorted(states.values()) == [
        "ignored",
        "processed",
        "processed",
        "processed",
        "processed",
    ]
    # One customer message per processed mail, none for the auto-reply.
    processed = InboundMail.objects.filter(state="processed")
    assert Message.objects.filter(author_kind="customer").count() == processed.count() == 4
    for inbound in processed:
        assert inbound.chat_message.conversation_id == inbound.conversation_id
    assert tasks.sweep_stored() == 0
    connections.close_all()


@pytest.mark.django_db
def test_the_sweep_leaves_fresh_mail_to_its_own_task(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = make_account()
    with django_capture_on_commit_callbacks(execute=False):
        intake.store_raw(account=account, raw=mime(subject="fresh"), source="imap")
        old, _ = intake.store_raw(account=account, raw=mime(subject="old"), source="imap")
    InboundMail.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - tasks.SWEEP_AFTER - timedelta(seconds=1)
    )
    queued: list[int] = []
    monkeypatch.setattr(tasks.process_inbound, "delay", queued.append)
    assert tasks.sweep_stored() == 1
    assert queued == [old.pk]
