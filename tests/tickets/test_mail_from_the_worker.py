"""The e-mails that leave from Celery, sent by a real worker process through the configured
e-mail backend (files here): an agent's alert e-mail and a password-reset link."""

from __future__ import annotations

import re
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests import factories
from tests.conftest import (
    child_process_environment,
    purge_queued_tasks,
    start_celery_worker,
    stop_process,
)
from tickets import services

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _mails(folder: Path, count: int, timeout: float = 60) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        # The file backend writes one file per connection, and each send_mail opens one.
        texts = [path.read_text() for path in sorted(folder.glob("*.log"))]
        if len(texts) >= count:
            return texts
        assert time.monotonic() < deadline, f"the worker sent {texts}"
        time.sleep(0.2)


@pytest.fixture
def mail_folder(settings: Any) -> Iterator[tuple[str, Path]]:
    """A fresh folder for the file e-mail backend: EMAIL_URL's path is read relative to the
    checkout, so it is one under var/test."""
    relative = f"var/test/mail-{uuid.uuid4().hex[:8]}"
    folder = settings.BASE_DIR / relative
    yield relative, folder
    shutil.rmtree(folder, ignore_errors=True)


def test_the_worker_sends_the_alert_and_the_reset_e_mails(
    mail_folder: tuple[str, Path], settings: Any
) -> None:
    relative, folder = mail_folder
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    inbox = factories.make_inbox()
    team = factories.make_team("Support", inboxes=(inbox,))
    agent = factories.make_agent("alice", teams=(team,))
    agent.email = "alice@example.com"
    agent.save(update_fields=["email"])
    manager = factories.make_agent("maria", role="manager", teams=(team,))
    ticket = factories.make_ticket(factories.make_conversation(inbox, text="Flat tyre"))

    environment = {
        **child_process_environment(connection.settings_dict["NAME"]),
        # Two slashes and a relative path: a directory under the checkout.
        "EMAIL_URL": f"filemail://{relative}",
        "SITE_URL": "https://support.example.com",
    }
    purge_queued_tasks()
    worker = start_celery_worker(environment, "mail")
    try:
        services.ticket_assign(ticket=ticket, agent=agent, by=manager)
        [alert] = _mails(folder, 1)
        assert "To: alice@example.com" in alert
        assert f"https://support.example.com/desk/c/{ticket.conversation_id}/" in alert

        answer = Client(REMOTE_ADDR="198.51.100.77").post(
            "/accounts/password-reset/", {"email": "alice@example.com"}
        )
        assert answer.status_code == 302
        texts = _mails(folder, 2)
        reset = next(text for text in texts if "/accounts/reset/" in text)
        assert re.search(r"http://testserver/accounts/reset/\S+/\S+/", reset)
    finally:
        stop_process(worker)
