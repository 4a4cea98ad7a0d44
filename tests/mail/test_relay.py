"""The relay endpoint: raw MIME posted with the address's key is stored once; everything else
gets a clear JSON refusal and stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from assistant.mail import credentials
from assistant.mail.models import InboundMail, MailAccount
from tests.mail.mailin_support import make_account, mime

pytestmark = pytest.mark.django_db


@pytest.fixture
def account_and_key() -> tuple[MailAccount, str]:
    account = make_account()
    return account, credentials.relay_key_rotate(account=account, by="test")


def _post(client: Client, target: str, raw: bytes, key: str | None, **extra: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key is not None else {}
    content_type = extra.pop("content_type", "message/rfc822")
    return client.post(
        f"/mail/inbound/{target}/", data=raw, content_type=content_type, **headers, **extra
    )


def test_a_relayed_message_is_stored_and_a_retry_is_a_duplicate(
    client: Client, account_and_key: tuple[MailAccount, str]
) -> None:
    account, key = account_and_key
    raw = mime(message_id="<relayed@customer.example>")
    first = _post(client, account.address, raw, key)
    assert first.status_code == 202
    assert first.json()["status"] == "stored"
    inbound = InboundMail.objects.get()
    assert bytes(inbound.raw) == raw and inbound.source == "relay"
    again = _post(client, str(account.pk), raw, key, content_type="application/octet-stream")
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "id": inbound.pk}
    assert InboundMail.objects.count() == 1


def test_the_address_in_the_url_is_matched_without_regard_to_case(
    client: Client, account_and_key: tuple[MailAccount, str]
) -> None:
    account, key = account_and_key
    assert _post(client, account.address.upper(), mime(), key).status_code == 202


@pytest.mark.parametrize("key", [None, "", "mrk_wrong", "Basic abc"])
def test_a_missing_or_wrong_key_is_refused(
    client: Client, account_and_key: tuple[MailAccount, str], key: str | None
) -> None:
    account, _key = account_and_key
    response = _post(client, account.address, mime(), key)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert not InboundMail.objects.exists()


def test_another_addresses_key_is_refused(
    client: Client, account_and_key: tuple[MailAccount, str]
) -> None:
    account, _key = account_and_key
    other = make_account()
    other_key = credentials.relay_key_rotate(account=other, by="test")
    assert _post(client, account.address, mime(), other_key).status_code == 401


def test_a_rotated_key_replaces_the_old_one_at_once(
    client: Client, account_and_key: tuple[MailAccount, str]
) -> None:
    account, old_key = account_and_key
    new_key = credentials.relay_key_rotate(account=account, by="test")
    account.refresh_from_db()
    assert account.relay_key_prefix == new_key[:12] and new_key.startswith("mrk_")
    assert new_key not in (account.relay_key_hash, account.relay_key_prefix)
    assert _post(client, account.address, mime(), old_key).status_code == 401
    assert _post(client, account.address, mime(), new_key).status_code == 202


def test_an_address_with_no_key_yet_accepts_nothing(client: Client) -> None:
    account = make_account()
    assert _post(client, account.address, mime(), "").status_code == 401


def test_an_unknown_or_disabled_address_is_not_found(
    client: Client, account_and_key: tuple[MailAccount, str]
) -> None:
    account, key = account_and_key
    assert _post(client, "nobody@shop.example.com", mime(), key).status_code == 404
    MailAccount.objects.filter(pk=account.pk).update(enabled=False)
    response = _post(client, account.address, mime(), key)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_another_content_type_is_refused(
    client: Client, account_and_key: tuple[MailAccount, str]
) -> None:
    account, key = account_and_key
    response = _post(client, account.address, b'{"a": 1}', key, content_type="application/json")
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"


def test_an_empty_body_is_refused(client: Client, account_and_key: tuple[MailAccount, str]) -> None:
    account, key = account_and_key
    response = _post(client, account.address, b"  \r\n", key)
    assert response.status_code == 400
    assert response.json()["error"] == "empty"


def test_a_message_too_large_is_refused_and_the_next_one_stored(
    client: Client, account_and_key: tuple[MailAccount, str], settings: Any
) -> None:
    settings.MAIL_MAX_MESSAGE_BYTES = 50_000
    account, key = account_and_key
    response = _post(client, account.address, mime(text="y" * 60_000), key)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert not InboundMail.objects.exists()
    assert _post(client, account.address, mime(), key).status_code == 202


def test_only_post_is_allowed(client: Client, account_and_key: tuple[MailAccount, str]) -> None:
    account, _key = account_and_key
    assert client.get(f"/mail/inbound/{account.address}/").status_code == 405


def test_a_flood_is_rate_limited(
    client: Client, account_and_key: tuple[MailAccount, str], settings: Any
) -> None:
    settings.MAIL_RELAY_PER_MINUTE = 3
    account, key = account_and_key
    statuses = [_post(client, account.address, mime(), key).status_code for _ in range(4)]
    assert statuses[:3] == [202, 202, 202]
    assert statuses[3] == 429
