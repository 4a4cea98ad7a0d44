"""Tickets through the API: create, filter, change (with its audit trail), notes."""

from __future__ import annotations

import pytest

from assistant.chat import services as chat
from assistant.chat.models import Contact, Conversation
from tests.tickets.conftest import World
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_it_creates_an_api_ticket_for_an_existing_contact(world: World) -> None:
    response = world.client("agent_a").post(
        "/api/v1/tickets",
        {
            "inbox": world.inbox_a.pk,
            "contact": str(world.contact_a.pk),
            "subject": "  Broken bell  ",
            "description": "Reported by phone.",
            "priority": 3,
            "tags": ["Phone", "phone", "  bell   repair "],
            "assignee": world.agent_a.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.channel == Ticket.Channel.API
    assert ticket.created_by == world.agent_a
    assert ticket.team == world.team_a  # the inbox's team by default
    assert body["subject"] == "Broken bell"
    assert body["summary"] == "Reported by phone."
    assert body["tags"] == ["phone", "bell repair"]
    assert body["assignee"]["id"] == world.agent_a.pk
    assert body["contact"]["id"] == str(world.contact_a.pk)
    created = ticket.events.get(kind="created")
    assert created.actor == world.agent_a and created.after["channel"] == "api"


def test_a_contact_named_by_email_is_found_or_created_once(world: World) -> None:
    client = world.client("agent_a")
    payload = {
        "inbox": world.inbox_a.pk,
        "contact_email": "Ada@Example.com",
        "contact_name": "Ada",
        "subject": "Invoice",
    }
    first = client.post("/api/v1/tickets", payload, format="json").json()
    second = client.post(
        "/api/v1/tickets", {**payload, "contact_email": "ada@example.com"}, format="json"
    ).json()
    assert first["contact"]["id"] == second["contact"]["id"]
    contact = Contact.objects.get(pk=first["contact"]["id"])
    assert (contact.inbox, contact.email, contact.name) == (world.inbox_a, "ada@example.com", "Ada")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 251}, "subject"),
        ({"subject": "nul \x00 byte"}, "subject"),
        ({"subject": 12}, None),  # DRF accepts numbers as strings; not an error
        ({"priority": 9}, "priority"),
        ({"priority": "high"}, "priority"),
        ({"tags": "not-a-list"}, "tags"),
        ({"tags": ["x" * 51]}, "tags"),
        ({"tags": [str(n) for n in range(21)]}, "tags"),
        ({"inbox": "one"}, "inbox"),
        ({"inbox": 1.5}, "inbox"),
        ({"inbox": 10**30}, "inbox"),
        ({"inbox": None}, "inbox"),
        ({"contact": "not-a-uuid"}, "contact"),
        ({"contact": 7}, "contact"),
        ({"contact_email": "someone@example.com"}, "contact"),  # both given
        ({"contact": None, "contact_email": "no-at-sign"}, "contact_email"),
        ({"assignee": 10**25}, "assignee"),
        ({"assignee": True}, "assignee"),
        ({"team": "1; drop table"}, "team"),
    ],
)
def test_bad_create_input_is_a_400_naming_the_field(
    world: World, changes: dict, field: str | None
) -> None:
    payload = {"inbox": world.inbox_a.pk, "contact": str(world.contact_a.pk), "subject": "Hi"}
    payload.update(changes)
    payload = {
        key: value for key, value in payload.items() if value is not None or key != "contact"
    }
    response = world.client("agent_a").post("/api/v1/tickets", payload, format="json")
    if field is None:
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid"
    assert field in body["errors"], body


def test_a_contact_of_another_visible_inbox_is_refused(world: World) -> None:
    response = world.client("admin").post(
        "/api/v1/tickets",
        {"inbox": world.inbox_b.pk, "contact": str(world.contact_a.pk), "subject": "Hi"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["contact"] == ["The contact belongs to another inbox."]


def test_an_assignee_or_team_from_elsewhere_is_refused(world: World) -> None:
    client = world.client("admin")
    url = f"/api/v1/tickets/{world.ticket_a.pk}"
    assert (
        "assignee"
        in client.patch(url, {"assignee": world.agent_b.pk}, format="json").json()["errors"]
    )
    assert "team" in client.patch(url, {"team": world.team_b.pk}, format="json").json()["errors"]
    assert (
        "assignee"
        in client.patch(url, {"assignee": world.outsider.pk}, format="json").json()["errors"]
    )
    ok = client.patch(url, {"assignee": world.admin.pk}, format="json")
    assert ok.status_code == 200 and ok.json()["assignee"]["id"] == world.admin.pk


def test_every_change_is_recorded_in_the_audit_trail(world: World) -> None:
    client = world.client("agent_a")
    url = f"/api/v1/tickets/{world.ticket_a.pk}"
    response = client.patch(
        url,
        {"status": "pending", "priority": 4, "tags": ["Refund"], "assignee": world.manager.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"
    # Changing nothing records nothing.
    assert client.patch(url, {"priority": 4}, format="json").status_code == 200

    events = client.get(f"{url}/events").json()["results"]
    by_kind = {event["kind"]: event for event in events}
    assert [event["kind"] for event in events].count("priority") == 1
    assert by_kind["status"]["before"] == "open" and by_kind["status"]["after"] == "pending"
    assert by_kind["priority"]["before"] == 2 and by_kind["priority"]["after"] == 4
    assert by_kind["tags"]["after"] == ["refund"]
    assert by_kind["assignee"]["after"] == world.manager.pk
    assert by_kind["status"]["actor"]["id"] == world.agent_a.pk
    assert "created" in by_kind and "note" in by_kind
    assert events == sorted(events, key=lambda event: (event["created_at"], event["id"]))


def test_solving_the_ticket_resolves_its_conversation(world: World) -> None:
    response = world.client("agent_a").patch(
        f"/api/v1/tickets/{world.ticket_a.pk}", {"status": "solved"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["solved_at"] is not None
    world.conversation_a.refresh_from_db()
    assert world.conversation_a.state == Conversation.State.RESOLVED


def test_an_empty_patch_changes_nothing(world: World) -> None:
    response = world.client("agent_a").patch(
        f"/api/v1/tickets/{world.ticket_a.pk}", {}, format="json"
    )
    assert response.status_code == 200
    assert world.ticket_a.events.count() == 2  # created, note


def test_put_and_delete_are_not_offered(world: World) -> None:
    client = world.client("agent_a")
    url = f"/api/v1/tickets/{world.ticket_a.pk}"
    assert client.put(url, {"subject": "x"}, format="json").status_code == 405
    response = client.delete(url)
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


def test_notes_stay_out_of_the_transcript(world: World) -> None:
    client = world.client("agent_a")
    secret = "Customer is a known fraudster, do not refund"
    created = client.post(
        f"/api/v1/tickets/{world.ticket_a.pk}/notes", {"text": secret}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["author"]["id"] == world.agent_a.pk
    notes = client.get(f"/api/v1/tickets/{world.ticket_a.pk}/notes").json()["results"]
    assert [note["text"] for note in notes] == ["VIP, be kind", secret]

    transcript = client.get(f"/api/v1/conversations/{world.conversation_a.pk}/messages").json()
    assert all(secret not in message["text"] for message in transcript["results"])
    assert all("VIP, be kind" not in message["text"] for message in transcript["results"])
    # Nor does the customer's side of the conversation ever see it.
    widget_side = chat.messages_after(conversation=world.conversation_a, last_seq=0)
    assert all(secret not in message.text for message in widget_side)
    conversation = client.get(f"/api/v1/conversations/{world.conversation_a.pk}").content
    assert secret.encode() not in conversation


def test_an_empty_note_is_refused(world: World) -> None:
    response = world.client("agent_a").post(
        f"/api/v1/tickets/{world.ticket_a.pk}/notes", {"text": "  "}, format="json"
    )
    assert response.status_code == 400
    assert "text" in response.json()["errors"]


# ---------------------------------------------------------------------------------------------
# Filters and pagination
# ---------------------------------------------------------------------------------------------


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_ticket_filters(world: World) -> None:
    from tests import factories
    from tickets import services

    client = world.client("admin")
    other = factories.make_ticket(inbox=world.inbox_a, subject="Chain keeps slipping")
    services.ticket_update(ticket=other, by=None, tags=["chain"], status="pending")
    services.ticket_assign(ticket=world.ticket_a, agent=world.admin, by=None)

    assert _ids(client.get("/api/v1/tickets", {"status": "pending"})) == [other.pk]
    assert _ids(client.get("/api/v1/tickets", {"assignee": "me"})) == [world.ticket_a.pk]
    assert set(_ids(client.get("/api/v1/tickets", {"assignee": "none"}))) == {
        other.pk,
        world.ticket_b.pk,
    }
    assert _ids(client.get("/api/v1/tickets", {"assignee": world.admin.pk})) == [world.ticket_a.pk]
    assert _ids(client.get("/api/v1/tickets", {"tag": " CHAIN "})) == [other.pk]
    assert _ids(client.get("/api/v1/tickets", {"q": "slipping"})) == [other.pk]
    assert set(_ids(client.get("/api/v1/tickets", {"inbox": world.inbox_a.pk}))) == {
        other.pk,
        world.ticket_a.pk,
    }
    assert _ids(client.get("/api/v1/tickets", {"team": world.team_b.pk})) == [world.ticket_b.pk]
    assert _ids(client.get("/api/v1/tickets", {"team": "none"})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"assignee": "someone"}, "assignee"),
        ({"assignee": "9" * 40}, "assignee"),
        ({"team": "-3"}, "team"),
        ({"inbox": "x"}, "inbox"),
        ({"inbox": "0"}, "inbox"),
        ({"q": "a" * 201}, "q"),
        ({"q": "nul\x00"}, "q"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(world: World, params: dict, field: str) -> None:
    response = world.client("agent_a").get("/api/v1/tickets", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_pages_are_bounded(world: World) -> None:
    from tests import factories

    for n in range(4):
        factories.make_ticket(inbox=world.inbox_a, subject=f"T{n}")
    client = world.client("agent_a")
    first = client.get("/api/v1/tickets", {"page_size": 2}).json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["next"]
    assert len(client.get("/api/v1/tickets", {"page_size": 10**9}).json()["results"]) == 5
    assert len(client.get("/api/v1/tickets", {"page_size": 0}).json()["results"]) == 5
    past_the_end = client.get("/api/v1/tickets", {"page": 10**20})
    assert past_the_end.status_code == 404
    assert past_the_end.json()["error"] == "not_found"
    assert client.get("/api/v1/tickets", {"page": "abc"}).status_code == 404


# ---------------------------------------------------------------------------------------------
# Request formats
# ---------------------------------------------------------------------------------------------


def test_malformed_json_is_a_400(world: World) -> None:
    response = world.client("agent_a").generic(
        "POST", "/api/v1/tickets", b'{"subject": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"null", b"42"])
def test_a_json_body_that_is_not_an_object_is_a_400(world: World, body: bytes) -> None:
    response = world.client("agent_a").generic(
        "POST", "/api/v1/tickets", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid", "parse_error")


def test_only_json_is_accepted(world: World) -> None:
    response = world.client("agent_a").post(
        f"/api/v1/tickets/{world.ticket_a.pk}/notes", {"text": "x"}, format="multipart"
    )
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"


def test_a_client_that_refuses_json_gets_a_406(world: World) -> None:
    response = world.client("agent_a").get("/api/v1/tickets", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert response.json()["error"] == "not_acceptable"


def test_an_oversized_body_is_refused_before_it_is_parsed(world: World) -> None:
    body = b'{"text": "' + b"x" * (300 * 1024) + b'"}'
    response = world.client("agent_a").generic(
        "POST",
        f"/api/v1/tickets/{world.ticket_a.pk}/notes",
        body,
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
