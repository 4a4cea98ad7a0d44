"""Storing raw mail first: once per message whichever path brought it, processing queued after
commit, a message too large kept as a refused record that stops nothing."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.mail import intake
from assistant.mail.headers import canonical_message_id, message_ids_in
from assistant.mail.models import InboundMail
from tests.mail.mailin_support import make_account, mime

pytestmark = pytest.mark.django_db


def test_a_message_is_stored_raw_and_its_processing_queued_after_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    account = make_account()
    raw = mime(message_id="<first@customer.example>")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        inbound, created = intake.store_raw(account=account, raw=raw, source="imap")
    assert created
    assert bytes(inbound.raw) == raw
    assert inbound.message_id == "<first@customer.example>"
    assert inbound.state == InboundMail.State.STORED
    assert inbound.size == len(raw)
    assert len(callbacks) == 1


def test_the_same_message_fetched_twice_is_stored_once(
    django_capture_on_commit_callbacks: Any,
) -> None:
    account = make_account()
    raw = mime()
    first, created = intake.store_raw(account=account, raw=raw, source="imap")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again, created_again = intake.store_raw(account=account, raw=raw, source="relay")
    assert created and not created_again
    assert again.pk == first.pk
    assert callbacks == []  # nothing more to process
    assert InboundMail.objects.count() == 1


def test_the_same_message_id_with_other_bytes_is_the_same_message() -> None:
    """A relay adds its own Received header: the content differs, the message does not."""
    account = make_account()
    raw = mime(message_id="<same@customer.example>")
    intake.store_raw(account=account, raw=raw, source="imap")
    received = b"Received: from mx.example by relay.example; Sun, 6 Dec 2026 10:00:00 +0000\r\n"
    relayed = received + raw
    inbound, created = intake.store_raw(account=account, raw=relayed, source="relay")
    assert not created
    assert InboundMail.objects.count() == 1
    assert inbound.source == "imap"


def test_a_message_without_message_id_is_deduplicated_on_its_content() -> None:
    account = make_account()
    raw = b"From: a@customer.example\r\nSubject: hi\r\n\r\nno id here\r\n"
    assert intake.store_raw(account=account, raw=raw, source="relay")[1]
    assert not intake.store_raw(account=account, raw=raw, source="relay")[1]
    assert intake.store_raw(account=account, raw=raw + b"more\r\n", source="relay")[1]
    assert InboundMail.objects.filter(message_id="").count() == 2


def test_the_same_message_to_two_addresses_is_stored_for_each() -> None:
    raw = mime()
    assert intake.store_raw(account=make_account(), raw=raw, source="imap")[1]
    assert intake.store_raw(account=make_account(), raw=raw, source="imap")[1]


def test_a_message_too_large_is_kept_as_a_refused_record_of_its_headers(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MAIL_MAX_MESSAGE_BYTES = 10_000
    account = make_account()
    raw = mime(text="x" * 20_000, message_id="<big@customer.example>")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        inbound, created = intake.store_raw(account=account, raw=raw, source="imap")
    assert created
    assert inbound.state == InboundMail.State.REFUSED
    assert inbound.problem == "too_large"
    assert inbound.size == len(raw)
    assert bytes(inbound.raw).startswith(b"From: ") and b"x" * 100 not in bytes(inbound.raw)
    assert inbound.message_id == "<big@customer.example>"
    assert callbacks == []  # never processed
    # Fetched again: still one record.
    assert not intake.store_raw(account=account, raw=raw, source="imap")[1]
    # And the next message is stored as usual.
    assert intake.store_raw(account=account, raw=mime(), source="imap")[0].state == "stored"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("<abc@host>", "<abc@host>"),
        ("  <abc@host>  ", "<abc@host>"),
        ("abc@host", "<abc@host>"),
        ("", ""),
        ("not an id", ""),
    ],
)
def test_message_ids_are_stored_in_one_spelling(header: str, expected: str) -> None:
    assert canonical_message_id(header) == expected


def test_a_references_header_lists_its_ids_in_order() -> None:
    assert message_ids_in("<a@x>\r\n <b@y> <c@z>") == ["<a@x>", "<b@y>", "<c@z>"]
    assert message_ids_in("bare@host") == ["<bare@host>"]
    assert message_ids_in("") == []


def test_garbage_bytes_are_stored_without_an_id() -> None:
    account = make_account()
    inbound, created = intake.store_raw(account=account, raw=b"\xff\xfe\x00garbage", source="relay")
    assert created and inbound.message_id == ""
