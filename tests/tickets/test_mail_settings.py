"""An inbox's e-mail settings page: who may read and change it (the settings permission matrix),
the IMAP password written but never shown, the relay key shown once, every change audited, and
"Test connection" against a real IMAP server (pymap)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.mail import credentials
from assistant.mail.models import MailAccount
from tests.tickets.test_settings_access import PEOPLE, client_for, expected
from tickets.models import SettingsChange

pytestmark = pytest.mark.django_db

IMAP_USER, IMAP_PASSWORD = "support", "imap-s3cret-Pa55"


def page(inbox_id: int) -> str:
    return f"/desk/settings/inboxes/{inbox_id}/mail/"


def form(**overrides: str) -> dict[str, str]:
    data = {
        "address": "help@shop-a.example",
        "enabled": "on",
        "assistant_mode": "draft",
        "signature": "The Shop A team",
        "imap_host": "",
        "imap_port": "993",
        "imap_security": "ssl",
        "imap_username": "",
        "imap_password": "",
        "imap_folder": "INBOX",
    }
    data.update(overrides)
    return data


def account_of(world: Any) -> MailAccount:
    return MailAccount.objects.get(inbox=world.inbox_a)


def audit(account: MailAccount) -> Any:
    return SettingsChange.objects.filter(subject_kind="mailaccount", subject_id=str(account.pk))


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize("inbox", ["inbox_a", "inbox_b"])
def test_the_mail_page_is_for_managers_of_the_inbox_and_admins(
    world: Any, name: str, inbox: str
) -> None:
    response = client_for(world, name).get(page(getattr(world, inbox).pk))
    allowed = {"manager", "admin"} if inbox == "inbox_a" else {"admin"}
    assert response.status_code == expected(name, allowed=allowed, ok=200, manager_denied=404)
    if response.status_code == 200:
        html = response.content.decode()
        assert ('data-testid="mail-save"' in html) == (name == "admin")
        assert ('data-testid="read-only"' in html) == (name == "manager")


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize("action", ["save", "test", "relay-key"])
def test_mail_changes_are_for_admins(world: Any, name: str, action: str) -> None:
    MailAccount.objects.create(inbox=world.inbox_a, address="old@shop-a.example")
    url = f"{page(world.inbox_a.pk)}{action}"
    response = client_for(world, name).post(url, form() if action == "save" else {})
    assert response.status_code == expected(name, allowed={"admin"}, ok=302)
    account = account_of(world)
    changed = action != "test" and name == "admin"
    assert audit(account).exists() == changed
    assert (account.address == "help@shop-a.example") == (changed and action == "save")
    assert bool(account.relay_key_hash) == (changed and action == "relay-key")


@pytest.mark.parametrize("name", ["manager", "agent_a"])
def test_nobody_but_an_admin_reaches_another_inbox_mail_settings(world: Any, name: str) -> None:
    response = client_for(world, name).post(f"{page(world.inbox_b.pk)}save", form())
    assert response.status_code == 403
    assert not MailAccount.objects.exists()


def test_the_password_is_stored_encrypted_never_shown_and_audited_without_its_value(
    world: Any,
) -> None:
    admin = client_for(world, "admin")
    response = admin.post(
        f"{page(world.inbox_a.pk)}save",
        form(imap_host="imap.shop-a.example", imap_username=IMAP_USER, imap_password=IMAP_PASSWORD),
        follow=True,
    )
    assert "E-mail settings saved." in messages_of(response)
    account = account_of(world)
    assert IMAP_PASSWORD not in account.imap_password_encrypted
    assert credentials.imap_password(account) == IMAP_PASSWORD
    html = admin.get(page(world.inbox_a.pk)).content.decode()
    assert IMAP_PASSWORD not in html and account.imap_password_encrypted not in html
    assert 'data-testid="password-saved"' in html
    [created] = audit(account)
    assert created.action == "created" and created.after["imap_password"] == "changed"
    assert IMAP_PASSWORD not in str(created.before) + str(created.after)

    # Saving again without a password keeps it; only what changed is recorded.
    admin.post(
        f"{page(world.inbox_a.pk)}save",
        form(imap_host="imap.shop-a.example", imap_username=IMAP_USER, assistant_mode="answer"),
    )
    account.refresh_from_db()
    assert credentials.imap_password(account) == IMAP_PASSWORD
    latest = audit(account).first()
    assert latest.action == "updated"
    assert latest.before == {"assistant_mode": "draft"}
    assert latest.after == {"assistant_mode": "answer"}


def test_a_bad_or_taken_address_is_refused_with_a_reason(world: Any) -> None:
    MailAccount.objects.create(inbox=world.inbox_b, address="taken@shop.example")
    admin = client_for(world, "admin")
    bad = admin.post(f"{page(world.inbox_a.pk)}save", form(address="not an address"), follow=True)
    taken = admin.post(
        f"{page(world.inbox_a.pk)}save", form(address="Taken@Shop.example"), follow=True
    )
    bad_port = admin.post(f"{page(world.inbox_a.pk)}save", form(imap_port="70000"), follow=True)

    assert any(m.startswith("Address:") for m in messages_of(bad))
    assert "Another inbox already uses this address." in messages_of(taken)
    assert any(m.startswith("IMAP port:") for m in messages_of(bad_port))
    assert not MailAccount.objects.filter(inbox=world.inbox_a).exists()


def test_the_relay_key_is_shown_once_and_works(world: Any) -> None:
    MailAccount.objects.create(inbox=world.inbox_a, address="help@shop-a.example")
    admin = client_for(world, "admin")
    admin.post(f"{page(world.inbox_a.pk)}relay-key")
    first = admin.get(page(world.inbox_a.pk))
    key = first.context["new_relay_key"]
    account = account_of(world)

    assert key and credentials.relay_key_matches(account, key)
    html = first.content.decode()
    assert key in html
    assert f"/mail/inbound/{account.pk}/" in html
    second = admin.get(page(world.inbox_a.pk)).content.decode()
    assert key not in second and 'data-testid="relay-key-hidden"' in second
    assert audit(account).get().action == "relay_key_created"

    admin.post(f"{page(world.inbox_a.pk)}relay-key")
    account.refresh_from_db()
    assert not credentials.relay_key_matches(account, key)
    assert audit(account).first().action == "relay_key_rotated"


def test_the_inbox_settings_link_to_the_mail_settings(world: Any) -> None:
    html = client_for(world, "manager").get(f"/desk/settings/inboxes/{world.inbox_a.pk}/")
    assert page(world.inbox_a.pk) in html.content.decode()


# ---------------------------------------------------------------------------------------------
# "Test connection" against a real IMAP server
# ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def imap_server() -> Iterator[int]:
    """pymap's in-memory server on loopback, with one user and its demo folders."""
    port = _free_port()
    pymap = Path(sys.executable).with_name("pymap")
    process = subprocess.Popen(
        [
            str(pymap),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-tls",
            "dict",
            "--demo-data",
            "--demo-user",
            IMAP_USER,
            "--demo-password",
            IMAP_PASSWORD,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("pymap did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _test_connection(world: Any, **fields: str) -> list[str]:
    admin = client_for(world, "admin")
    saved = admin.post(
        f"{page(world.inbox_a.pk)}save", form(imap_security="none", **fields), follow=True
    )
    assert messages_of(saved) in (["E-mail settings saved."], [])
    response = admin.post(f"{page(world.inbox_a.pk)}test", follow=True)
    return messages_of(response)


def test_test_connection_signs_in_and_opens_the_folder(world: Any, imap_server: int) -> None:
    said = _test_connection(
        world,
        imap_host="127.0.0.1",
        imap_port=str(imap_server),
        imap_username=IMAP_USER,
        imap_password=IMAP_PASSWORD,
    )
    assert len(said) == 1 and said[0].startswith("Connected: signed in and opened INBOX (")


def test_test_connection_says_which_part_failed(world: Any, imap_server: int) -> None:
    common = {"imap_host": "127.0.0.1", "imap_port": str(imap_server), "imap_username": IMAP_USER}
    assert _test_connection(world, **common, imap_password="wrong") == [
        "The server refused the user name or password."
    ]
    assert _test_connection(world, **common, imap_password=IMAP_PASSWORD, imap_folder="Nope") == [
        "Signed in, but there is no folder Nope."
    ]
    closed = _free_port()
    [refused] = _test_connection(world, **{**common, "imap_port": str(closed)})
    assert refused.startswith(f"Could not connect to 127.0.0.1 on port {closed} (")
