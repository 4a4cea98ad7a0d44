"""The IMAP fetcher against a real IMAP server (pymap): what it stores, what it leaves alone in
the mailbox, and how it waits, fails and recovers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connections

from assistant.chat.models import Conversation
from assistant.mail import credentials, fetcher, processing
from assistant.mail.models import InboundMail, MailAccount
from tests.mail.imap_server import PASSWORD, USER, ImapServer, free_port
from tests.mail.mailin_support import make_account, mime


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    server = ImapServer(free_port(), django_settings.VAR_DIR / "test-pymap.log").start()
    yield server
    server.stop()


def _imap_account(server: ImapServer, **fields: Any) -> MailAccount:
    account = make_account(
        imap_host="127.0.0.1",
        imap_port=server.port,
        imap_security=MailAccount.Security.NONE,
        imap_username=USER,
        **fields,
    )
    credentials.imap_password_set(account=account, password=PASSWORD)
    return account


def _fetch(account: MailAccount) -> int:
    account.refresh_from_db()
    client = fetcher.connect(fetcher.Mailbox.of(account), account)
    try:
        return fetcher.fetch_new(client, account.pk, account.imap_folder)
    finally:
        client.logout()


def _wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.2)
    connections.close_all()


@pytest.mark.django_db
def test_new_mail_is_stored_once_and_left_unread_in_the_mailbox(imap_server: ImapServer) -> None:
    account = _imap_account(imap_server)
    imap_server.deliver(mime(subject="one"), mime(subject="two"))
    assert _fetch(account) == 2
    assert _fetch(account) == 0  # nothing new: nothing fetched twice
    imap_server.deliver(mime(subject="three"))
    assert _fetch(account) == 1
    stored = InboundMail.objects.filter(account=account).order_by("pk")
    assert [
        b"Subject: " + s.encode() in bytes(m.raw)
        for m, s in zip(stored, ["one", "two", "three"], strict=True)
    ] == [True] * 3
    assert {m.source for m in stored} == {"imap"}
    # BODY.PEEK and a read-only folder: nothing marked read or otherwise changed.
    assert all(b"\\Seen" not in flags for flags in imap_server.flags().values())
    account.refresh_from_db()
    assert account.imap_last_uid == max(imap_server.flags())


@pytest.mark.django_db
def test_the_first_fetch_takes_the_unread_mail_not_the_mailbox_history(
    imap_server: ImapServer,
) -> None:
    imap_server.deliver(mime(subject="read long ago"), seen=True)
    imap_server.deliver(mime(subject="still unread"))
    account = _imap_account(imap_server)
    assert _fetch(account) == 1
    assert b"still unread" in bytes(InboundMail.objects.get().raw)
    imap_server.deliver(mime(subject="new"), seen=True)  # read elsewhere: still new to us
    assert _fetch(account) == 1


@pytest.mark.django_db
def test_a_new_uidvalidity_starts_over_without_storing_anything_twice(
    imap_server: ImapServer,
) -> None:
    account = _imap_account(imap_server)
    first, second = mime(subject="a"), mime(subject="b")
    imap_server.deliver(first, second)
    assert _fetch(account) == 2
    account.refresh_from_db()
    old_validity = account.imap_uidvalidity
    # The mailbox is recreated (a new server process: a new UIDVALIDITY) with the same mail.
    imap_server.stop()
    imap_server.start()
    imap_server.deliver(first, second, mime(subject="c"))
    assert _fetch(account) == 1
    account.refresh_from_db()
    assert account.imap_uidvalidity != old_validity
    assert InboundMail.objects.filter(account=account).count() == 3


@pytest.mark.django_db
def test_a_message_too_large_is_refused_and_the_next_one_stored(
    imap_server: ImapServer, settings: Any
) -> None:
    settings.MAIL_MAX_MESSAGE_BYTES = 20_000
    account = _imap_account(imap_server)
    imap_server.deliver(mime(subject="huge", text="z" * 50_000), mime(subject="after"))
    assert _fetch(account) == 2
    huge, after = InboundMail.objects.order_by("pk")
    assert (huge.state, huge.problem) == ("refused", "too_large")
    assert huge.size > 50_000 and len(bytes(huge.raw)) < 2_000
    assert b"Subject: huge" in bytes(huge.raw)
    assert after.state == "stored"
    assert _fetch(account) == 0


@pytest.mark.django_db(transaction=True)
def test_the_mail_process_waits_in_idle_and_stores_mail_as_it_arrives(
    imap_server: ImapServer,
) -> None:
    account = _imap_account(imap_server)
    supervisor = fetcher.Supervisor()
    supervisor.reconcile()
    try:
        thread = supervisor.threads[account.pk]
        _wait_for(lambda: MailAccount.objects.get(pk=account.pk).last_fetch_at is not None)
        started = time.monotonic()
        imap_server.deliver(mime(subject="while idle"))
        _wait_for(lambda: InboundMail.objects.filter(account=account).exists())
        # IDLE, not the 60 s poll, brought it.
        assert time.monotonic() - started < django_settings.MAIL_POLL_SECONDS / 2
        assert thread.is_alive()
    finally:
        fetcher.Supervisor.stop_all(supervisor.threads.values())
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_errors_are_recorded_and_a_corrected_address_is_picked_up_without_restart(
    imap_server: ImapServer, settings: Any
) -> None:
    settings.MAIL_RECONNECT_SECONDS = 0.2
    account = _imap_account(imap_server)
    credentials.imap_password_set(account=account, password="wrong")
    supervisor = fetcher.Supervisor()
    supervisor.reconcile()
    try:
        _wait_for(lambda: MailAccount.objects.get(pk=account.pk).last_error != "")
        assert "LoginError" in MailAccount.objects.get(pk=account.pk).last_error
        imap_server.deliver(mime(subject="waiting"))
        credentials.imap_password_set(account=account, password=PASSWORD)
        supervisor.reconcile()  # what the process does every few seconds
        _wait_for(lambda: InboundMail.objects.filter(account=account).exists())
        _wait_for(lambda: MailAccount.objects.get(pk=account.pk).last_error == "")
        # A new address is picked up the same way, and a disabled one is let go.
        other = _imap_account(imap_server)
        supervisor.reconcile()
        assert set(supervisor.threads) == {account.pk, other.pk}
        MailAccount.objects.filter(pk=other.pk).update(enabled=False)
        supervisor.reconcile()
        assert set(supervisor.threads) == {account.pk}
    finally:
        fetcher.Supervisor.stop_all(supervisor.threads.values())
        connections.close_all()


@pytest.mark.django_db
def test_the_imap_password_is_encrypted_at_rest() -> None:
    account = make_account()
    credentials.imap_password_set(account=account, password="hunter2-imap")
    account.refresh_from_db()
    assert "hunter2" not in account.imap_password_encrypted
    assert credentials.imap_password(account) == "hunter2-imap"


@pytest.mark.django_db
def test_real_messages_fetched_by_imap_become_conversations_and_a_relayed_copy_is_a_duplicate(
    imap_server: ImapServer, client: Any
) -> None:
    fixtures = Path(__file__).parent / "fixtures"
    names = ["gmail_reply_en.eml", "out_of_office.eml", "outlook_reply_fr.eml", "bounce.eml"]
    account = _imap_account(imap_server)
    imap_server.deliver(*((fixtures / name).read_bytes() for name in names))
    assert _fetch(account) == 4
    for inbound in InboundMail.objects.order_by("pk"):
        processing.inbound_process(inbound.pk)
    outcomes = list(InboundMail.objects.order_by("pk").values_list("state", "problem"))
    assert outcomes == [
        ("processed", ""),
        ("ignored", "auto_reply"),
        ("processed", ""),
        ("ignored", "bounce"),
    ]
    conversations = Conversation.objects.filter(channel="email").order_by("created_at")
    assert [c.contact.email for c in conversations] == [
        "maria.lopez.home@gmail.com",
        "claire.martin@orange.example",
    ]
    assert conversations[1].language == "fr"
    # The same message posted by a relay as well: stored once.
    key = credentials.relay_key_rotate(account=account, by="test")
    response = client.post(
        f"/mail/inbound/{account.address}/",
        data=(fixtures / "gmail_reply_en.eml").read_bytes(),
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200 and response.json()["status"] == "duplicate"
    assert InboundMail.objects.count() == 4
