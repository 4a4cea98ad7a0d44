"""The whole way of a customer's question by e-mail, with real processes: the relay stores the
raw mail, a real Celery worker processes it into a conversation, answers it from the knowledge
base (offline responder) and mails the answer to a real SMTP server, threaded as a reply."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from assistant.chat.models import Conversation, Message
from assistant.knowledge.demo import load_demo_articles
from assistant.mail import credentials
from assistant.mail.models import MailAnswer
from tests.conftest import (
    child_process_environment,
    purge_queued_tasks,
    start_celery_worker,
    stop_process,
)
from tests.mail.mailin_support import make_account, mime
from tests.mail.smtp import SMTPServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

QUESTION_ID = "<battery-question@customer.example>"


@pytest.fixture
def smtp_and_worker(django_db_blocker: Any) -> Any:
    """An SMTP server, and a worker process whose outgoing mail goes to it."""
    with SMTPServer() as smtp:
        with django_db_blocker.unblock():
            environment = child_process_environment(connection.settings_dict["NAME"])
        environment["EMAIL_URL"] = smtp.url
        purge_queued_tasks()
        worker = start_celery_worker(environment, "mail-answering")
        try:
            yield smtp
        finally:
            stop_process(worker)


def test_a_customers_mail_is_answered_by_mail_once(smtp_and_worker: SMTPServer) -> None:
    load_demo_articles()
    account = make_account(address="help@shop.example.com", signature="The Northwind team")
    key = credentials.relay_key_rotate(account=account, by="test")
    raw = mime(
        to=account.address,
        subject="Battery price",
        text="Hello, how much does a new e-bike battery cost? Thanks, Ada",
        message_id=QUESTION_ID,
    )
    posted = Client().post(
        f"/mail/inbound/{account.pk}/",
        data=raw,
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert posted.status_code == 202

    deadline = time.monotonic() + 60
    while not smtp_and_worker.received and time.monotonic() < deadline:
        time.sleep(0.2)
    [sent] = smtp_and_worker.received
    assert sent.envelope_to == ["ada@customer.example"]
    assert sent.header("In-Reply-To") == QUESTION_ID
    assert sent.header("Subject").startswith("Re: Battery price")
    text = sent.part("text/plain")
    assert "Bosch PowerTube 500 Wh" in text and "€649" in text
    assert "The Northwind team" in text

    conversation = Conversation.objects.get(inbox=account.inbox)
    assert conversation.channel == Conversation.Channel.EMAIL
    answers = Message.objects.filter(conversation=conversation, author_kind="assistant")
    assert answers.count() == 1
    assert MailAnswer.objects.get(conversation=conversation).state == "answered"
    # Nothing more goes out for the same mail (the worker has had time to do it twice).
    time.sleep(1.0)
    assert len(smtp_and_worker.received) == 1
