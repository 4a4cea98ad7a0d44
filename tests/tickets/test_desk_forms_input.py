"""The desk's forms and filters refuse NUL, other control characters and malformed numbers with
a form error or a 400, and store nothing; the regression cases of issue 22 on the desk side."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from assistant.chat.models import Contact, Message
from assistant.knowledge.models import Article
from tests.tickets.conftest import World
from tickets.models import Note, Ticket

pytestmark = pytest.mark.django_db

# What a form can carry: NUL and other C0 controls (a lone surrogate cannot be sent in a form:
# the request body is decoded with replacement characters before any form sees it).
BAD = {"NUL": "\x00", "escape": "\x1b", "backspace": "\x08", "unit separator": "\x1f"}
# (A trailing U+001F is the case to watch: Python's str.strip() counts it as whitespace.)


def signed_in(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "params",
    [{"inbox": "²"}, {"priority": "²"}, {"inbox": "9" * 30}, {"q": "refund\x00"}, {"q": "a\x1b"}],
    ids=["inbox superscript", "priority superscript", "huge inbox", "NUL in q", "escape in q"],
)
def test_malformed_queue_filters_are_a_400_with_the_reason(world: World, params: dict) -> None:
    client = signed_in(world.agent_a)
    response = client.get("/desk/q/teams/", params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="filter-error"' in html and 'data-testid="row"' not in html
    # The live filter bar (htmx) gets the reason as the body of its error banner.
    partial = client.get("/desk/q/teams/", params, HTTP_HX_REQUEST="true")
    assert partial.status_code == 400 and partial.content


def test_valid_queue_filters_still_filter(world: World) -> None:
    client = signed_in(world.agent_a)
    response = client.get("/desk/q/teams/", {"inbox": world.inbox_a.pk, "q": "broken"})
    assert response.status_code == 200


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
def test_a_reply_or_note_with_control_characters_is_refused(world: World, bad: str) -> None:
    client = signed_in(world.agent_a)
    url = f"/desk/c/{world.conversation_a.pk}/"
    messages, notes = Message.objects.count(), Note.objects.count()
    for action in ("reply", "note"):
        response = client.post(url + action, {"text": f"We will fix it{bad} today."})
        assert response.status_code == 400, action
        assert "control character" in response.content.decode() or "Null" in (
            response.content.decode()
        )
    response = client.post(f"/desk/t/{world.ticket_a.pk}/note", {"text": f"x{bad}"})
    assert response.status_code == 400
    assert (Message.objects.count(), Note.objects.count()) == (messages, notes)


def test_line_breaks_stay_in_a_note_but_not_in_a_tag(world: World) -> None:
    client = signed_in(world.agent_a)
    response = client.post(f"/desk/t/{world.ticket_a.pk}/note", {"text": "one\r\n\ttwo"})
    assert response.status_code == 200
    assert Note.objects.filter(text="one\r\n\ttwo").exists()
    url = f"/desk/c/{world.conversation_a.pk}/ticket"
    assert client.post(url, {"tags": "refund\x1b[2J"}).status_code == 400
    assert client.post(url, {"tags": "refund\nvip"}).status_code == 400
    assert Ticket.objects.get(pk=world.ticket_a.pk).tags == []


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
def test_a_new_ticket_with_control_characters_is_a_form_error(world: World, bad: str) -> None:
    client = signed_in(world.agent_a)
    before = (Ticket.objects.count(), Contact.objects.count())
    valid = {
        "inbox": world.inbox_a.pk,
        "contact_name": "Ada",
        "contact_email": "ada@example.com",
        "subject": "Invoice",
        "description": "Called in.",
        "priority": "2",
    }
    for field in ("contact_name", "subject", "description"):
        response = client.post("/desk/t/new/", {**valid, field: f"a{bad}b"})
        assert response.status_code == 200  # the form again, with its errors
        assert "errorlist" in response.content.decode(), field
    assert (Ticket.objects.count(), Contact.objects.count()) == before


def test_an_article_with_control_characters_is_a_form_error(world: World) -> None:
    client = signed_in(world.manager)
    draft = {"title": "Returns", "locale": "en", "status": "draft", "body": "Text."}
    for field, value in (("title", "Ret\x00urns"), ("title", "Two\nlines"), ("body", "a\x1bb")):
        response = client.post("/desk/articles/new/", {**draft, field: value})
        assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not Article.objects.exists()
    search = client.get("/desk/articles/", {"q": "returns\x00"})
    assert search.status_code == 400 and 'data-testid="search-error"' in search.content.decode()


def test_an_erasure_reason_with_control_characters_is_a_form_error(world: World) -> None:
    client = signed_in(world.manager)
    url = f"/desk/contacts/{world.contact_a.pk}/erase"
    response = client.post(url, {"reason": "asked \x1b by phone", "confirm": "on"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert Contact.objects.filter(pk=world.contact_a.pk).exists()


def test_availability_goes_back_only_to_this_sites_pages(world: World) -> None:
    client = signed_in(world.agent_a)
    for target in ("https://evil.example/", "//evil.example/x", "/desk/\r\nSet-Cookie: x=1"):
        response = client.post("/desk/availability", {"availability": "away", "next": target})
        assert response.status_code == 302
        assert "evil" not in response["Location"] and "\n" not in response["Location"]
    response = client.post(
        "/desk/availability", {"availability": "online", "next": "/desk/q/mine/"}
    )
    assert response["Location"] == "/desk/q/mine/"
