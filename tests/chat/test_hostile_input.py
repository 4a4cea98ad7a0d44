"""Malformed and hostile input at the widget's edges: a documented refusal, nothing stored, the
socket open (issue 22). Each case that once gave a 500 or a dropped socket has its own test."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from assistant.chat import consumers, tokens
from assistant.chat.models import Contact, Message
from assistant.db_async import db_async
from tests import factories
from tests.chat.conftest import Widget

URL = "/api/widget/session"
DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 3000 + "1" + "}" * 3000


def post_raw(client: Client, body: str) -> Any:
    return client.post(URL, data=body, content_type="application/json", HTTP_ORIGIN=factories.SITE)


def post(client: Client, body: dict[str, Any]) -> Any:
    # json.dumps writes a lone surrogate as the escape "\ud800", as a browser's JSON.stringify does.
    return post_raw(client, json.dumps(body))


def assert_refused(response: Any) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "bad_request" and body["message"]
    assert response["Access-Control-Allow-Origin"] == factories.SITE
    assert not Contact.objects.exists()


# -- the session endpoint --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["visitor", "inbox", "language"])
@pytest.mark.parametrize("bad", ["\x00", "v1.abc\x00", "\ud800", "abc\udfff"])
def test_nul_or_a_lone_surrogate_in_a_session_field_is_a_400(
    client: Client, inbox: Any, field: str, bad: str
) -> None:
    body = {"inbox": inbox.public_key, field: bad}
    assert_refused(post(client, body))


@pytest.mark.django_db
def test_a_non_ascii_identity_hash_is_a_400(client: Client, inbox: Any) -> None:
    assert_refused(
        post(client, {"inbox": inbox.public_key, "identity": {"id": "c", "hash": "é" * 64}})
    )


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["id", "name", "email"])
@pytest.mark.parametrize("bad", ["ada\x00", "ada\ud800"])
def test_nul_or_a_lone_surrogate_in_the_identity_is_a_400(
    client: Client, inbox: Any, field: str, bad: str
) -> None:
    identity = {"id": "cust-1", "name": "Ada", "email": "ada@example.com", field: bad}
    # No HMAC can be computed over a lone surrogate; a well-formed hash is enough here.
    identity["hash"] = _hash(inbox, "cust-1") if field != "id" else "0" * 64
    assert_refused(post(client, {"inbox": inbox.public_key, "identity": identity}))


@pytest.mark.django_db
def test_a_300_character_identity_id_with_a_valid_hash_is_a_400(client: Client, inbox: Any) -> None:
    customer_id = "c" * 300
    identity = {"id": customer_id, "hash": _hash(inbox, customer_id)}
    response = post(client, {"inbox": inbox.public_key, "identity": identity})
    assert_refused(response)
    assert "at most 200" in response.json()["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, '{"inbox": ' + DEEP + "}"])
def test_deeply_nested_json_is_a_400(client: Client, inbox: Any, body: str) -> None:
    assert_refused(post_raw(client, body))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"inbox": 7},
        {"inbox": ["pk"]},
        {"inbox": "pk_x", "visitor": 1},
        {"inbox": "pk_x", "identity": "cust-1"},
        {"inbox": "pk_x", "language": {"de": True}},
        {"inbox": "pk_x", "visitor": "v" * 129},
    ],
)
def test_wrong_types_and_sizes_are_a_400_that_names_the_field(
    client: Client, inbox: Any, body: dict[str, Any]
) -> None:
    response = post(client, body)
    assert_refused(response)
    named = next(key for key, value in body.items() if key != "inbox" or value != "pk_x")
    assert response.json()["message"].startswith(named)


@pytest.mark.django_db
def test_valid_text_is_stored_exactly_as_sent(client: Client, inbox: Any) -> None:
    name = "Zoë 李 \U0001f600 O'Brien-Łukasz"
    identity = {"id": "kunde-ß-42", "name": name, "email": "zoë@example.com"}
    identity["hash"] = _hash(inbox, identity["id"])
    response = post(client, {"inbox": inbox.public_key, "identity": identity, "language": "de-CH"})
    assert response.status_code == 200, response.content
    contact = Contact.objects.get()
    assert (contact.external_id, contact.name, contact.email) == (
        "kunde-ß-42",
        name,
        "zoë@example.com",
    )
    assert (contact.language, response.json()["language"]) == ("de-CH", "de-CH")


@pytest.mark.django_db
def test_a_long_language_tag_keeps_its_leading_subtags(client: Client, inbox: Any) -> None:
    response = post(client, {"inbox": inbox.public_key, "language": "de-DE-u-co-phonebk"})
    assert response.json()["language"] == "de-DE-u-co"


def _hash(inbox: Any, customer_id: str) -> str:
    return tokens.identity_hash(secret=inbox.identity_secret, customer_id=customer_id)


# -- the widget socket ----------------------------------------------------------------------


@db_async
def stored_messages(contact_id: Any) -> int:
    return Message.objects.filter(conversation__contact_id=contact_id).count()


async def still_open(tab: Widget) -> None:
    await tab.send({"type": "ping"})
    assert (await tab.receive_until("pong"))[0] == {"type": "pong"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("text", ["hello\x00world", "hello \ud83d", "\udfff", "bell\x07"])
async def test_nul_or_a_lone_surrogate_in_a_message_text_is_an_error_frame(
    inbox: Any, new_session: Any, text: str
) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.send({"type": "message", "client_id": "m-1", "text": text})
    error = await tab.receive()
    assert (error["type"], error["code"], error["client_id"]) == ("error", "invalid", "m-1")
    assert error["message"].startswith("text:")
    await still_open(tab)
    assert await stored_messages(session.contact.id) == 0
    await tab.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("client_id", ["m\x00", "m\ud800", "m\n"])
async def test_nul_or_a_lone_surrogate_in_a_client_id_is_an_error_frame(
    inbox: Any, new_session: Any, client_id: str
) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.send({"type": "message", "client_id": client_id, "text": "hi"})
    error = await tab.receive()
    assert (error["code"], "client_id" in error) == ("invalid", False)
    await still_open(tab)
    assert await stored_messages(session.contact.id) == 0
    await tab.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("raw", [DEEP, DEEP_OBJECT, '{"type": "message", "text": ' + DEEP + "}"])
async def test_a_deeply_nested_frame_is_bad_json_and_the_socket_stays_open(
    inbox: Any, new_session: Any, raw: str
) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.socket.send_to(text_data=raw)
    assert (await tab.receive())["code"] == "bad_json"
    await still_open(tab)
    await tab.close()


@pytest.mark.django_db(transaction=True)
async def test_a_deeply_nested_first_frame_closes_with_4400(inbox: Any) -> None:
    tab = Widget()
    await tab.open()
    await tab.socket.send_to(text_data=DEEP)
    assert await tab.closed_with() == consumers.CLOSE_BAD_HELLO


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "frame",
    [
        {"type": "typing", "active": "yes"},
        {"type": "rate", "score": 5, "comment": "great\x00"},
        {"type": "rate", "score": 5, "comment": "x" * 1001},
        {"type": "rate", "score": 2**70},
        {"type": "resume", "last_seq": 2**64},
        {"type": "resume", "last_seq": -1},
        {"type": "resume", "conversation_id": ["a"]},
        {"type": "resume", "conversation_id": "c\ud800"},
        {"type": "hello", "token": 1},
    ],
)
async def test_every_frame_type_refuses_wrong_fields_with_an_error_frame(
    inbox: Any, new_session: Any, frame: dict[str, Any]
) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.send(frame)
    assert (await tab.receive())["code"] == "invalid"
    await still_open(tab)
    await tab.close()


@pytest.mark.django_db(transaction=True)
async def test_a_hello_with_fields_of_the_wrong_type_closes_with_4400(
    inbox: Any, new_session: Any
) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.open()
    await tab.send({"type": "hello", "token": session.token, "last_seq": "7"})
    assert await tab.closed_with() == consumers.CLOSE_BAD_HELLO


@pytest.mark.django_db(transaction=True)
async def test_a_handler_that_fails_answers_internal_and_keeps_the_socket(
    inbox: Any, new_session: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr("assistant.chat.services.customer_handoff_request", broken)
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.send({"type": "handoff"})
    assert (await tab.receive())["code"] == "internal"
    await still_open(tab)
    assert "Widget frame 'handoff' failed" in caplog.text
    await tab.close()
