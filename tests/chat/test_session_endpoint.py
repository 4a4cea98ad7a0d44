"""POST /api/widget/session: the only way to a widget token."""

import json

import pytest
from django.test import Client, override_settings

from assistant.chat import tokens
from assistant.chat.models import Contact
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/widget/session"


def post(client: Client, body: object, origin: str | None = factories.SITE, **extra: str):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return client.post(
        URL, data=json.dumps(body), content_type="application/json", **headers, **extra
    )


def test_it_mints_a_token_bound_to_inbox_and_contact(client: Client, inbox) -> None:
    response = post(client, {"inbox": inbox.public_key, "language": "de"})
    assert response.status_code == 200
    body = response.json()
    claims = tokens.read_session_token(body["token"])
    contact = Contact.objects.get(pk=claims.contact_id)
    assert claims.inbox_id == inbox.id and contact.inbox_id == inbox.id
    assert body["visitor"].startswith("v1.")
    assert body["language"] == "de"
    # The inbox's own greeting is written in English: a German visitor gets the German default.
    assert body["inbox"]["greeting"].startswith("Hallo!")
    assert response["Access-Control-Allow-Origin"] == factories.SITE
    # The secret is stored only as a hash.
    assert contact.visitor_secret_hash == tokens.hash_visitor_secret(body["visitor"])
    assert body["visitor"] not in str(Contact.objects.values().get(pk=contact.pk))


def test_the_visitor_secret_brings_back_the_same_contact(client: Client, inbox) -> None:
    first = post(client, {"inbox": inbox.public_key}).json()
    again = post(client, {"inbox": inbox.public_key, "visitor": first["visitor"]}).json()
    assert (
        tokens.read_session_token(again["token"]).contact_id
        == tokens.read_session_token(first["token"]).contact_id
    )
    assert again["visitor"] == first["visitor"]
    assert Contact.objects.count() == 1


def test_a_visitor_secret_of_another_inbox_gives_a_new_contact(client: Client, inbox) -> None:
    other = factories.make_inbox()
    first = post(client, {"inbox": other.public_key}).json()
    again = post(client, {"inbox": inbox.public_key, "visitor": first["visitor"]}).json()
    assert tokens.read_session_token(again["token"]).inbox_id == inbox.id
    assert (
        tokens.read_session_token(again["token"]).contact_id
        != tokens.read_session_token(first["token"]).contact_id
    )


def test_a_verified_identity_is_the_same_customer_on_every_browser(client: Client, inbox) -> None:
    digest = tokens.identity_hash(secret=inbox.identity_secret, customer_id="cust-42")
    identity = {"id": "cust-42", "hash": digest, "name": "Ada Lovelace", "email": "ada@example.com"}
    laptop = post(client, {"inbox": inbox.public_key, "identity": identity}).json()
    phone = post(client, {"inbox": inbox.public_key, "identity": identity}).json()
    contact = Contact.objects.get(external_id="cust-42")
    assert tokens.read_session_token(laptop["token"]).contact_id == contact.id
    assert tokens.read_session_token(phone["token"]).contact_id == contact.id
    assert contact.name == "Ada Lovelace"
    assert laptop["contact"]["name"] == "Ada Lovelace"


def test_an_identity_without_a_valid_hmac_is_refused(client: Client, inbox) -> None:
    forged = tokens.identity_hash(secret="not-the-inbox-secret", customer_id="cust-42")
    response = post(
        client, {"inbox": inbox.public_key, "identity": {"id": "cust-42", "hash": forged}}
    )
    assert response.status_code == 403
    assert response.json()["error"] == "invalid_identity"
    assert not Contact.objects.filter(external_id="cust-42").exists()


def test_an_origin_not_on_the_allowlist_is_refused(client: Client, inbox) -> None:
    for origin in (factories.OTHER_SITE, None, "null"):
        response = post(client, {"inbox": inbox.public_key}, origin=origin)
        assert response.status_code == 403
        assert response.json()["error"] == "origin_not_allowed"
        # The refused page may read why (so its widget stops), but never gets a token.
        assert "token" not in response.json()
        assert response.get("Access-Control-Allow-Credentials") is None
    assert Contact.objects.count() == 0


def test_an_unknown_inbox_is_404(client: Client, inbox) -> None:
    response = post(client, {"inbox": "pk_nope"})
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_inbox"


@pytest.mark.parametrize("body", ["not json", "[]", '{"inbox": 5}', '{"no": "inbox"}', "{" * 10000])
def test_malformed_bodies_get_a_clear_400(client: Client, inbox, body: str) -> None:
    response = client.post(
        URL, data=body, content_type="application/json", HTTP_ORIGIN=factories.SITE
    )
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


def test_preflight_echoes_the_origin_without_credentials(client: Client, inbox) -> None:
    allowed = client.options(
        URL, HTTP_ORIGIN=factories.SITE, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert allowed.status_code == 204
    assert allowed["Access-Control-Allow-Origin"] == factories.SITE
    assert allowed["Access-Control-Expose-Headers"] == "Retry-After"
    assert allowed.get("Access-Control-Allow-Credentials") is None
    assert "Origin" in allowed["Vary"]


@override_settings(WIDGET_RATE_LIMITS={"visitor": 20, "ip": 60, "inbox": 1200, "session_ip": 3})
def test_session_floods_from_one_ip_are_limited(client: Client, inbox) -> None:
    statuses = [
        post(client, {"inbox": inbox.public_key}, REMOTE_ADDR="198.51.100.9").status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = post(client, {"inbox": inbox.public_key}, REMOTE_ADDR="198.51.100.9")
    assert int(limited["Retry-After"]) > 0
    assert post(client, {"inbox": inbox.public_key}, REMOTE_ADDR="198.51.100.10").status_code == 200
