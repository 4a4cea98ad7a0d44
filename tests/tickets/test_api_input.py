"""Malformed input on the REST API: deep nesting, NUL and other control characters, lone
surrogates. Each is a 400 with the API's error body (docs/api.md, "Errors"), and nothing is
stored."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework import serializers

from tests.tickets.conftest import World
from tickets.api import serializers as api_serializers
from tickets.api import views as api_views
from tickets.api.fields import Text
from tickets.models import Note, Ticket

pytestmark = pytest.mark.django_db

DEEP = 100_000  # far past json.loads' recursion limit (about 1,000 levels)


def _post(world: World, path: str, body: bytes | str) -> Any:
    return world.client("agent_a").generic("POST", path, body, content_type="application/json")


def _nested(depth: int) -> str:
    return '{"subject": "Hi", "tags": ' + "[" * depth + "]" * depth + "}"


def test_a_deeply_nested_body_on_post_tickets_is_a_400_not_a_500(world: World) -> None:
    before = Ticket.objects.count()
    response = _post(world, "/api/v1/tickets", _nested(DEEP))
    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"
    assert "deep" in response.json()["message"]
    assert Ticket.objects.count() == before


def test_a_deeply_nested_body_on_a_tickets_notes_is_a_400_not_a_500(world: World) -> None:
    before = Note.objects.count()
    body = '{"text": ' + "[" * DEEP + "]" * DEEP + "}"
    response = _post(world, f"/api/v1/tickets/{world.ticket_a.pk}/notes", body)
    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"
    assert Note.objects.count() == before


def test_nesting_beyond_the_documented_depth_is_refused_and_within_it_is_read(
    world: World,
) -> None:
    path = f"/api/v1/tickets/{world.ticket_a.pk}/notes"
    # 32 levels: the note object plus 31 lists. Read, then refused as a note text.
    within = '{"text": ' + "[" * 31 + "]" * 31 + "}"
    assert _post(world, path, within).json()["error"] == "invalid"
    over = '{"text": ' + "[" * 32 + "]" * 32 + "}"
    response = _post(world, path, over)
    assert (response.status_code, response.json()["error"]) == (400, "parse_error")


# Escaped in the JSON ("\u0000", "\ud800"), as any JSON encoder writes them.
BAD_TEXT = {
    "NUL": "a\x00b",
    "escape": "a\x1b[31mb",
    "backspace": "a\x08b",
    "lone high surrogate": "a\ud800b",
    "lone low surrogate": "\udfff",
    # Python counts U+001C-U+001F as whitespace: at the end they must be refused, not trimmed.
    "trailing unit separator": "abc\x1f",
}


def _create(world: World, **changes: Any) -> dict[str, Any]:
    payload = {"inbox": world.inbox_a.pk, "contact": str(world.contact_a.pk), "subject": "Hi"}
    payload.update(changes)
    if "contact_email" in changes:
        del payload["contact"]
    return payload


@pytest.mark.parametrize("bad", BAD_TEXT.values(), ids=BAD_TEXT.keys())
@pytest.mark.parametrize(
    "field", ["subject", "description", "contact_name", "contact_email", "tags"]
)
def test_control_characters_and_surrogates_in_a_new_tickets_text_are_a_400(
    world: World, field: str, bad: str
) -> None:
    value: Any = [bad] if field == "tags" else bad
    if field == "contact_email":
        value = f'"{bad}"@example.com'  # a quoted local part admits control characters
    before = (Ticket.objects.count(), world.inbox_a.contacts.count())
    response = _post(world, "/api/v1/tickets", json.dumps(_create(world, **{field: value})))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid" and field in body["errors"], body
    assert (Ticket.objects.count(), world.inbox_a.contacts.count()) == before


@pytest.mark.parametrize("bad", BAD_TEXT.values(), ids=BAD_TEXT.keys())
def test_control_characters_and_surrogates_in_notes_replies_and_changes_are_a_400(
    world: World, bad: str
) -> None:
    client = world.client("agent_a")
    ticket = f"/api/v1/tickets/{world.ticket_a.pk}"
    conversation = f"/api/v1/conversations/{world.conversation_a.pk}"
    notes, messages = Note.objects.count(), world.conversation_a.messages.count()
    for method, path, body, field in (
        ("POST", f"{ticket}/notes", {"text": f"refund {bad}"}, "text"),
        ("POST", f"{conversation}/messages", {"text": f"hello {bad}"}, "text"),
        ("PATCH", ticket, {"subject": bad}, "subject"),
        ("PATCH", ticket, {"tags": ["ok", bad]}, "tags"),
    ):
        response = client.generic(method, path, json.dumps(body), content_type="application/json")
        assert response.status_code == 400, (path, body, response.content)
        assert field in response.json()["errors"]
    assert Note.objects.count() == notes
    assert world.conversation_a.messages.count() == messages
    world.ticket_a.refresh_from_db()
    assert (world.ticket_a.subject, world.ticket_a.tags) != (bad, ["ok", bad])


def test_multi_line_text_keeps_its_tabs_and_line_breaks_but_a_subject_is_one_line(
    world: World,
) -> None:
    client = world.client("agent_a")
    text = "Line one\n\tindented\r\nline three"
    response = client.post(
        f"/api/v1/tickets/{world.ticket_a.pk}/notes", {"text": text}, format="json"
    )
    assert response.status_code == 201
    assert Note.objects.get(pk=response.json()["id"]).text == text
    response = client.patch(
        f"/api/v1/tickets/{world.ticket_a.pk}", {"subject": "two\nlines"}, format="json"
    )
    assert response.status_code == 400 and "subject" in response.json()["errors"]


def test_control_characters_in_filters_are_a_400_naming_the_parameter(world: World) -> None:
    client = world.client("agent_a")
    for params in ({"q": "a\x01b"}, {"tag": "a\x1bb"}, {"assignee": "me\x00"}):
        response = client.get("/api/v1/tickets", params)
        assert response.status_code == 400, params
        assert next(iter(params)) in response.json()["errors"]


def _request_serializers() -> Iterator[type[serializers.BaseSerializer]]:
    """Every serializer the API's views validate input with (bodies and query parameters all
    go through views._validated), so that a new one is checked without being listed here."""
    names = set(re.findall(r"_validated\(\s*s\.(\w+)", inspect.getsource(api_views)))
    assert len(names) >= 7, names
    for name in sorted(names):
        yield getattr(api_serializers, name)


def _writable_fields(serializer: serializers.BaseSerializer) -> Iterator[tuple[str, Any]]:
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        yield name, field
        if isinstance(field, serializers.ListField):
            yield f"{name}[]", field.child


def test_every_writable_string_field_of_the_api_applies_the_text_rules() -> None:
    """A new serializer field that takes text must be a Text: a plain CharField would let NUL
    through to PostgreSQL or control characters into the data (issue 22)."""
    checked = []
    for serializer_class in _request_serializers():
        for name, field in _writable_fields(serializer_class()):
            if isinstance(field, serializers.CharField):
                where = f"{serializer_class.__name__}.{name}"
                assert isinstance(field, Text), f"{where} is a {type(field).__name__}, not a Text"
                for bad in BAD_TEXT.values():
                    with pytest.raises(serializers.ValidationError):
                        field.run_validation(f"a{bad}b")
                checked.append(where)
    # The fields named in docs/api.md are among them (the walk found the serializers).
    assert {"NoteCreateSerializer.text", "TicketCreateSerializer.subject"} <= set(checked)


def test_a_refusal_that_quotes_a_lone_surrogate_is_still_a_400(world: World) -> None:
    """DRF's choice error quotes the input; a lone surrogate in it used to make the error
    response itself unencodable (a 500, found by the schemathesis test)."""
    client = world.client("agent_a")
    body = json.dumps({"status": "open\udfff"})
    response = client.generic(
        "PATCH", f"/api/v1/tickets/{world.ticket_a.pk}", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["status"] == ['"open\ufffd" is not a valid choice.']
    response = client.get("/api/v1/conversations", {"state": "bot\x00"})
    assert response.status_code == 400
