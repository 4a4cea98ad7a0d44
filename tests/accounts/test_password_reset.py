"""Password reset by e-mail: the link works end to end, the answer (and the work done in the
request) is the same for an unknown address, and the requests are rate-limited per address and
per client."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from tests import factories
from tickets.accounts import tasks
from tickets.accounts.models import StaffEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The reset task runs at once in this process (Celery's own ``apply``), so that the test
    e-mail backend's outbox shows what it sent; the tasks queued are recorded too."""
    calls: list[tuple[Any, ...]] = []

    def delay(*args: Any) -> None:
        calls.append(args)
        tasks.send_password_reset.apply(args)

    monkeypatch.setattr(tasks.send_password_reset, "delay", delay)
    return calls


def _reset_link(message: mail.EmailMessage) -> str:
    match = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_reset_link_by_e_mail_sets_a_new_password_that_signs_in() -> None:
    agent = factories.make_agent("forgetful")
    agent.email = "forgetful@example.com"
    agent.save()
    client = Client(REMOTE_ADDR="198.51.100.10")

    sent = client.post("/accounts/password-reset/", {"email": "Forgetful@Example.com"})
    assert sent.status_code == 302 and sent["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["forgetful@example.com"]

    form = client.get(_reset_link(mail.outbox[0]), follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "violet-harbour-lantern", "new_password2": "violet-harbour-lantern"},
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"

    signed_in = Client().post(
        "/accounts/login/", {"username": "forgetful", "password": "violet-harbour-lantern"}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/desk/"
    kinds = set(StaffEvent.objects.filter(user=agent).values_list("kind", flat=True))
    assert {StaffEvent.Kind.PASSWORD_RESET, StaffEvent.Kind.SIGNED_IN} <= kinds
    # The link works once.
    again = client.get(_reset_link(mail.outbox[0]), follow=True)
    assert b"expired or was already used" in again.content


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail() -> None:
    agent = factories.make_agent("known")
    agent.email = "known@example.com"
    agent.save()

    known = Client(REMOTE_ADDR="198.51.100.11").post(
        "/accounts/password-reset/", {"email": "known@example.com"}, follow=True
    )
    unknown = Client(REMOTE_ADDR="198.51.100.12").post(
        "/accounts/password-reset/", {"email": "nobody@example.com"}, follow=True
    )
    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert [message.to for message in mail.outbox] == [["known@example.com"]]


def test_reset_requests_are_limited_per_address_and_per_client() -> None:
    same_address = [
        Client(REMOTE_ADDR=f"198.51.100.{20 + n}")
        .post("/accounts/password-reset/", {"email": "target@example.com"})
        .status_code
        for n in range(4)
    ]
    assert same_address == [302, 302, 302, 429]

    one_client = Client(REMOTE_ADDR="203.0.113.5")
    statuses = [
        one_client.post("/accounts/password-reset/", {"email": f"a{n}@example.com"}).status_code
        for n in range(11)
    ]
    assert statuses == [302] * 10 + [429]
    refused = one_client.post("/accounts/password-reset/", {"email": "fresh@example.com"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert b"Too many reset requests" in refused.content


def test_the_request_does_the_same_work_for_a_known_and_an_unknown_address(
    monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    """The e-mail is not sent in the request (it used to be: a known address answered an SMTP
    round trip later). Both requests run the same queries and queue one task with the address
    typed; the task sends the e-mail, for the known address only."""
    agent = factories.make_agent("known")
    agent.email = "known@example.com"
    agent.save()
    held: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks.send_password_reset, "delay", lambda *args: held.append(args))

    for n, address in enumerate(("known@example.com", "nobody@example.com")):
        with django_assert_num_queries(1):  # the sign-in log's row, nothing about accounts
            answer = Client(REMOTE_ADDR=f"198.51.100.{30 + n}").post(
                "/accounts/password-reset/", {"email": address}
            )
        assert answer.status_code == 302
    assert mail.outbox == []
    assert held == [
        ("known@example.com", "testserver", False, "en"),
        ("nobody@example.com", "testserver", False, "en"),
    ]

    for args in held:
        tasks.send_password_reset.apply(args)
    assert [message.to for message in mail.outbox] == [["known@example.com"]]
    assert "http://testserver/accounts/reset/" in mail.outbox[0].body
