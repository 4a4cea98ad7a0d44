"""GET /api/v1/contacts/{id}/export and POST /api/v1/contacts/{id}/erase: managers and admins
only, recorded, and another team's contact is the same 404 as one that exists nowhere."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from assistant.chat.models import Contact
from assistant.compliance import rights
from assistant.privacy.models import RightsRecord
from tests.tickets.conftest import World

pytestmark = pytest.mark.django_db

# For contact A: team A's manager and the admin may; agent A sees the contact but may not (403);
# agent B does not see it (404); no role 403; no token 401.
EXPECTED_FOR_A = {
    "anonymous": 401,
    "outsider": 403,
    "agent_a": 403,
    "agent_b": 404,
    "manager": 200,
    "admin": 200,
}


def export_url(contact_id: Any) -> str:
    return f"/api/v1/contacts/{contact_id}/export"


def erase_url(contact_id: Any) -> str:
    return f"/api/v1/contacts/{contact_id}/erase"


@pytest.mark.parametrize("name", list(EXPECTED_FOR_A))
def test_who_may_export(world: World, name: str) -> None:
    response = world.client(name).get(export_url(world.contact_a.pk))

    assert response.status_code == EXPECTED_FOR_A[name]
    assert RightsRecord.objects.exists() == (response.status_code == 200)


@pytest.mark.parametrize("name", list(EXPECTED_FOR_A))
def test_who_may_erase(world: World, name: str) -> None:
    response = world.client(name).post(
        erase_url(world.contact_a.pk), {"reason": "Request 12"}, format="json"
    )

    assert response.status_code == EXPECTED_FOR_A[name]
    assert Contact.objects.filter(pk=world.contact_a.pk).exists() == (response.status_code != 200)


def test_another_teams_contact_is_the_same_404_as_none_at_all(world: World) -> None:
    client = world.client("manager")

    foreign = client.get(export_url(world.contact_b.pk))
    nowhere = client.get(export_url(uuid.uuid4()))
    erase_foreign = client.post(erase_url(world.contact_b.pk), {"reason": "x"}, format="json")

    assert foreign.status_code == nowhere.status_code == erase_foreign.status_code == 404
    assert foreign.json() == nowhere.json() == erase_foreign.json()
    assert Contact.objects.filter(pk=world.contact_b.pk).exists()


def test_the_export_is_the_documented_format(world: World) -> None:
    response = world.client("manager").get(export_url(world.contact_a.pk))

    data = response.json()
    assert (data["format"], data["version"]) == (rights.EXPORT_FORMAT, rights.EXPORT_VERSION)
    assert data["contact"]["id"] == str(world.contact_a.pk)
    assert [c["id"] for c in data["conversations"]] == [str(world.conversation_a.pk)]
    assert [t["id"] for t in data["tickets"]] == [world.ticket_a.pk]
    assert "Where is my refund?" not in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    record = RightsRecord.objects.get()
    assert (record.kind, record.channel, record.actor) == ("export", "api", world.manager)


def test_erase_answers_with_the_record_and_a_second_erase_is_404(world: World) -> None:
    client = world.client("admin")

    response = client.post(erase_url(world.contact_a.pk), {"reason": "Request 12"}, format="json")

    body = response.json()
    assert body["kind"] == "erasure" and body["channel"] == "api" and body["actor"] == "ada"
    assert body["contact_reference"] == rights.contact_reference(world.contact_a.pk)
    assert body["counts"]["conversations_deleted"] == 1 and body["counts"]["notes_deleted"] == 1
    again = client.post(erase_url(world.contact_a.pk), {"reason": "Request 12"}, format="json")
    assert again.status_code == 404


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x" * 1001}, {"reason": None}])
def test_erase_needs_a_reason(world: World, body: dict[str, Any]) -> None:
    response = world.client("admin").post(erase_url(world.contact_a.pk), body, format="json")

    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert Contact.objects.filter(pk=world.contact_a.pk).exists()


def test_both_are_in_the_schema(world: World) -> None:
    schema = world.client("anonymous").get("/api/schema/?format=json").json()

    assert "get" in schema["paths"]["/api/v1/contacts/{id}/export"]
    assert "post" in schema["paths"]["/api/v1/contacts/{id}/erase"]
