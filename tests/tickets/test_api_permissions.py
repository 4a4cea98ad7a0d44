"""Who may call what: every endpoint of /api/v1 against every kind of caller.

Team A's agent and manager and the admin may work team A's objects; team B's agent gets 404 for
them (the same 404 as for an id that exists nowhere); a signed-in user with no desk role gets
403; an anonymous caller 401.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from tests import factories
from tests.tickets.conftest import World

pytestmark = pytest.mark.django_db

PEOPLE = ["anonymous", "outsider", "agent_a", "manager", "admin", "agent_b"]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: Callable[[World], str]
    success: int
    body: Callable[[World], dict[str, Any]] | None = None
    # What team B's agent gets for team A's objects: 404 for objects named in the path, 200 for
    # lists (without A's objects), 400 where A's inbox is named in the body.
    foreign: int = 404
    # What team A's agent gets where only managers and admins may act.
    agent: int | None = None

    def call(self, client: APIClient, world: World) -> Any:
        body = self.body(world) if self.body else None
        return getattr(client, self.method.lower())(self.path(world), body, format="json")


ENDPOINTS = {
    "tickets list": Endpoint("GET", lambda w: "/api/v1/tickets", 200, foreign=200),
    "tickets create": Endpoint(
        "POST",
        lambda w: "/api/v1/tickets",
        201,
        lambda w: {"inbox": w.inbox_a.pk, "contact": str(w.contact_a.pk), "subject": "Refund"},
        foreign=400,
    ),
    "ticket": Endpoint("GET", lambda w: f"/api/v1/tickets/{w.ticket_a.pk}", 200),
    "ticket update": Endpoint(
        "PATCH", lambda w: f"/api/v1/tickets/{w.ticket_a.pk}", 200, lambda w: {"priority": 3}
    ),
    "ticket notes": Endpoint("GET", lambda w: f"/api/v1/tickets/{w.ticket_a.pk}/notes", 200),
    "ticket note create": Endpoint(
        "POST", lambda w: f"/api/v1/tickets/{w.ticket_a.pk}/notes", 201, lambda w: {"text": "Hm"}
    ),
    "ticket events": Endpoint("GET", lambda w: f"/api/v1/tickets/{w.ticket_a.pk}/events", 200),
    "conversations list": Endpoint("GET", lambda w: "/api/v1/conversations", 200, foreign=200),
    "conversation": Endpoint("GET", lambda w: f"/api/v1/conversations/{w.conversation_a.pk}", 200),
    "conversation messages": Endpoint(
        "GET", lambda w: f"/api/v1/conversations/{w.conversation_a.pk}/messages", 200
    ),
    "conversation reply": Endpoint(
        "POST",
        lambda w: f"/api/v1/conversations/{w.conversation_a.pk}/messages",
        201,
        lambda w: {"text": "On its way!"},
    ),
    "conversation takeover": Endpoint(
        "POST", lambda w: f"/api/v1/conversations/{w.conversation_a.pk}/takeover", 200
    ),
    "conversation handback": Endpoint(
        "POST", lambda w: f"/api/v1/conversations/{w.conversation_a.pk}/handback", 200
    ),
    "conversation resolve": Endpoint(
        "POST", lambda w: f"/api/v1/conversations/{w.conversation_a.pk}/resolve", 200
    ),
    "contact": Endpoint("GET", lambda w: f"/api/v1/contacts/{w.contact_a.pk}", 200),
    "contact conversations": Endpoint(
        "GET", lambda w: f"/api/v1/contacts/{w.contact_a.pk}/conversations", 200
    ),
    "contact export": Endpoint(
        "GET", lambda w: f"/api/v1/contacts/{w.contact_a.pk}/export", 200, agent=403
    ),
    "contact erase": Endpoint(
        "POST",
        lambda w: f"/api/v1/contacts/{w.contact_a.pk}/erase",
        200,
        lambda w: {"reason": "Request 12"},
        agent=403,
    ),
}


def action_a(world: World) -> Any:
    """An action of team A's inbox (docs/actions.md): managers and admins only."""
    from assistant.actions.models import Action

    action, _ = Action.objects.get_or_create(
        inbox=world.inbox_a,
        name="order_status",
        defaults={"description": "Orders.", "url": "https://orders.shop.example/api"},
    )
    return action


def attachment_a_url(world: World) -> str:
    """The signed URL of a file on team A's conversation (docs/attachments.md)."""
    from assistant.chat.attachment_links import attachment_token
    from assistant.chat.attachments import attachment_store
    from tests import attachment_files

    attachment = world.conversation_a.attachments.first() or attachment_store(
        conversation=world.conversation_a,
        message=world.conversation_a.messages.first(),
        name="receipt.png",
        data=attachment_files.png(),
        source="customer",
    )
    return f"/api/v1/attachments/{attachment_token(attachment.pk)}"


ENDPOINTS["attachment"] = Endpoint("GET", attachment_a_url, 200)

ACTION_BODY = {"name": "start_return", "description": "Returns.", "url": "https://r.example/api"}
ENDPOINTS.update(
    {
        "actions list": Endpoint("GET", lambda w: "/api/v1/actions", 200, foreign=403, agent=403),
        "actions create": Endpoint(
            "POST",
            lambda w: "/api/v1/actions",
            201,
            lambda w: {**ACTION_BODY, "inbox": w.inbox_a.pk},
            foreign=403,
            agent=403,
        ),
        "action": Endpoint(
            "GET", lambda w: f"/api/v1/actions/{action_a(w).pk}", 200, foreign=403, agent=403
        ),
        "action update": Endpoint(
            "PATCH",
            lambda w: f"/api/v1/actions/{action_a(w).pk}",
            200,
            lambda w: {"enabled": False},
            foreign=403,
            agent=403,
        ),
        "action delete": Endpoint(
            "DELETE", lambda w: f"/api/v1/actions/{action_a(w).pk}", 204, foreign=403, agent=403
        ),
    }
)


def expected_status(endpoint: Endpoint, person: str) -> int:
    return {
        "anonymous": 401,
        "outsider": 403,
        "agent_b": endpoint.foreign,
        "agent_a": endpoint.agent or endpoint.success,
    }.get(person, endpoint.success)


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_the_permissions_matrix(world: World, name: str, person: str) -> None:
    endpoint = ENDPOINTS[name]
    response = endpoint.call(world.client(person), world)
    assert response.status_code == expected_status(endpoint, person)
    if response.status_code >= 400:
        assert set(response.json()) >= {"error", "message"}
    if response.status_code == 401:
        assert response["WWW-Authenticate"] == "Token"


def test_the_matrix_covers_every_operation_of_the_schema(world: World) -> None:
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operations = {
        (method.upper(), path)
        for path, item in schema.json()["paths"].items()
        for method in item
        if method in ("get", "post", "patch", "put", "delete")
    }
    covered = set()
    for endpoint in ENDPOINTS.values():
        # Whole path segments only: a ticket number such as 535 may also occur inside a
        # contact's UUID ("ddb6a535-...").
        objects = (world.ticket_a, world.conversation_a, world.contact_a, action_a(world))
        ids = {str(obj.pk) for obj in objects}
        segments = endpoint.path(world).split("/")
        path = "/".join("{id}" if segment in ids else segment for segment in segments)
        if segments[-2] == "attachments":
            path = "/".join([*segments[:-1], "{token}"])
        covered.add((endpoint.method, path))
    assert covered == operations


@pytest.mark.parametrize("path", ["/api/v1/tickets", "/api/v1/conversations"])
def test_lists_hold_only_the_callers_inboxes(world: World, path: str) -> None:
    def ids(person: str) -> set[str]:
        response = world.client(person).get(path)
        assert response.status_code == 200
        return {str(item["id"]) for item in response.json()["results"]}

    a_id = str(world.ticket_a.pk if "tickets" in path else world.conversation_a.pk)
    b_id = str(world.ticket_b.pk if "tickets" in path else world.conversation_b.pk)
    assert ids("agent_a") == {a_id}
    assert ids("manager") == {a_id}
    assert ids("agent_b") == {b_id}
    assert ids("admin") == {a_id, b_id}


def test_filtering_by_a_foreign_inbox_finds_nothing(world: World) -> None:
    response = world.client("agent_b").get("/api/v1/tickets", {"inbox": world.inbox_a.pk})
    assert response.status_code == 200
    assert response.json()["results"] == []


# ---------------------------------------------------------------------------------------------
# 404, never 403, and the same 404 whether the object exists elsewhere or nowhere
# ---------------------------------------------------------------------------------------------

FOREIGN_AND_MISSING = [
    ("/api/v1/tickets/{ticket}", ["999999", "9" * 30, "abc", "-1", "1.5"]),
    ("/api/v1/tickets/{ticket}/notes", ["999999", "abc"]),
    ("/api/v1/tickets/{ticket}/events", ["999999", "x"]),
    ("/api/v1/conversations/{conversation}", [str(uuid.uuid4()), "not-a-uuid", "1"]),
    ("/api/v1/conversations/{conversation}/messages", [str(uuid.uuid4()), "zz"]),
    ("/api/v1/contacts/{contact}", [str(uuid.uuid4()), "%00"]),
    ("/api/v1/contacts/{contact}/conversations", [str(uuid.uuid4())]),
]


@pytest.mark.parametrize(("template", "missing_ids"), FOREIGN_AND_MISSING)
def test_a_foreign_object_reads_exactly_like_a_missing_one(
    world: World, template: str, missing_ids: list[str]
) -> None:
    client = world.client("agent_b")
    ids = {
        "ticket": world.ticket_a.pk,
        "conversation": world.conversation_a.pk,
        "contact": world.contact_a.pk,
    }
    foreign = client.get(template.format(**ids))
    assert foreign.status_code == 404
    assert foreign.json() == {"error": "not_found", "message": "Not found."}
    for missing in missing_ids:
        path = template.format(ticket=missing, conversation=missing, contact=missing)
        response = client.get(path)
        assert (response.status_code, response.content) == (404, foreign.content), path
        assert response["Content-Type"] == foreign["Content-Type"]


@pytest.mark.parametrize("action", ["messages", "takeover", "handback", "resolve"])
def test_foreign_conversation_actions_are_404_and_change_nothing(world: World, action: str) -> None:
    before = world.conversation_a.last_seq, world.conversation_a.state
    url = f"/api/v1/conversations/{world.conversation_a.pk}/{action}"
    response = world.client("agent_b").post(url, {"text": "Hello from B"}, format="json")
    missing = world.client("agent_b").post(
        f"/api/v1/conversations/{uuid.uuid4()}/{action}", {"text": "Hello"}, format="json"
    )
    assert response.status_code == missing.status_code == 404
    assert response.content == missing.content
    world.conversation_a.refresh_from_db()
    assert (world.conversation_a.last_seq, world.conversation_a.state) == before


def test_foreign_ticket_updates_and_notes_are_404_and_change_nothing(world: World) -> None:
    client = world.client("agent_b")
    assert (
        client.patch(
            f"/api/v1/tickets/{world.ticket_a.pk}", {"status": "closed"}, format="json"
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/tickets/{world.ticket_a.pk}/notes", {"text": "x"}, format="json"
        ).status_code
        == 404
    )
    world.ticket_a.refresh_from_db()
    assert world.ticket_a.status == "open"
    assert world.ticket_a.notes.count() == 1


def test_creating_in_a_foreign_inbox_reads_like_a_missing_inbox(world: World) -> None:
    client = world.client("agent_b")
    foreign = client.post(
        "/api/v1/tickets",
        {"inbox": world.inbox_a.pk, "contact_email": "x@example.com", "subject": "Hi"},
        format="json",
    )
    missing = client.post(
        "/api/v1/tickets",
        {"inbox": 987654, "contact_email": "x@example.com", "subject": "Hi"},
        format="json",
    )
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["errors"]["inbox"] == [
        message.replace("987654", str(world.inbox_a.pk))
        for message in missing.json()["errors"]["inbox"]
    ]


def test_a_foreign_contact_reads_like_a_missing_contact(world: World) -> None:
    client = world.client("agent_b")
    missing_id = uuid.uuid4()
    foreign = client.post(
        "/api/v1/tickets",
        {"inbox": world.inbox_b.pk, "contact": str(world.contact_a.pk), "subject": "Hi"},
        format="json",
    )
    missing = client.post(
        "/api/v1/tickets",
        {"inbox": world.inbox_b.pk, "contact": str(missing_id), "subject": "Hi"},
        format="json",
    )
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["errors"]["contact"] == [
        message.replace(str(missing_id), str(world.contact_a.pk))
        for message in missing.json()["errors"]["contact"]
    ]


# ---------------------------------------------------------------------------------------------
# Credentials
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Token " + "0" * 40,
        "Token not-a-token",
        "Token " + "a" * 41,
        "Token",
        "Token a b",
        "Bearer " + "0" * 40,
        "Basic YWxpY2U6cHc=",
    ],
)
def test_a_bad_or_foreign_scheme_token_is_401(world: World, header: str) -> None:
    response = APIClient().get("/api/v1/tickets", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"] in ("authentication_failed", "not_authenticated")


def test_a_deactivated_users_token_stops_working(world: World) -> None:
    client = world.client("agent_a")
    assert client.get("/api/v1/tickets").status_code == 200
    get_user_model().objects.filter(pk=world.agent_a.pk).update(is_active=False)
    assert client.get("/api/v1/tickets").status_code == 401


def test_a_superuser_without_a_profile_is_an_admin(world: World) -> None:
    root = get_user_model().objects.create_superuser("root", password="pw-root-12345")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {factories.make_api_key(root)}")
    response = client.get(f"/api/v1/tickets/{world.ticket_b.pk}")
    assert response.status_code == 200


def test_the_desk_session_works_and_needs_its_csrf_token_to_write(world: World) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.agent_a)
    assert client.get(f"/api/v1/tickets/{world.ticket_a.pk}").status_code == 200
    url = f"/api/v1/tickets/{world.ticket_a.pk}/notes"
    refused = client.post(url, {"text": "no csrf"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["message"]
    client.get("/admin/login/")  # any page that sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(url, {"text": "with csrf"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201
