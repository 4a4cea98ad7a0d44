"""/api/v1/actions: the same rules as the desk's settings, and the secret never returned."""

from __future__ import annotations

import json

import pytest

from assistant.actions import secrets
from assistant.actions.models import Action
from tests.actions.conftest import API_KEY, make_actions
from tests.tickets.conftest import World
from tickets.models import SettingsChange

pytestmark = pytest.mark.django_db

DEFINITION = {
    "name": "order_status",
    "description": "Look up one of the customer's orders.",
    "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}},
    "method": "GET",
    "url": "https://orders.shop.example/api/orders",
    "secret_header_name": "X-Api-Key",
    "secret_header_value": API_KEY,
    "identity_fields": ["customer_id"],
}


@pytest.mark.parametrize(
    ("name", "status"), [("agent_a", 403), ("outsider", 403), ("anonymous", 401)]
)
def test_only_managers_and_admins_reach_the_actions(world: World, name: str, status: int) -> None:
    assert world.client(name).get("/api/v1/actions").status_code == status
    response = world.client(name).post(
        "/api/v1/actions", {**DEFINITION, "inbox": world.inbox_a.pk}, format="json"
    )
    assert response.status_code == status
    assert not Action.objects.exists()


def test_a_manager_defines_changes_and_deletes_an_action(world: World) -> None:
    client = world.client("manager")
    created = client.post(
        "/api/v1/actions", {**DEFINITION, "inbox": world.inbox_a.pk}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["has_secret"] is True and "secret_header_value" not in body
    action = Action.objects.get()
    assert secrets.decrypt(action.secret_header_value) == API_KEY
    changed = client.patch(
        f"/api/v1/actions/{action.pk}", {"enabled": False, "changes_data": True}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    assert secrets.decrypt(Action.objects.get().secret_header_value) == API_KEY
    listed = client.get("/api/v1/actions").json()
    assert API_KEY not in json.dumps(listed) and API_KEY not in json.dumps(changed.json())
    assert client.delete(f"/api/v1/actions/{action.pk}").status_code == 204
    assert [c.action for c in SettingsChange.objects.order_by("created_at")] == [
        "action_created",
        "action_updated",
        "action_deleted",
    ]


def test_another_teams_inbox_and_its_actions_do_not_exist_for_a_manager(
    world: World, order_url
) -> None:
    client = world.client("manager")
    refused = client.post(
        "/api/v1/actions", {**DEFINITION, "inbox": world.inbox_b.pk}, format="json"
    )
    assert refused.status_code == 400 and "does not exist" in json.dumps(
        refused.json()["errors"]["inbox"]
    )
    _, foreign = make_actions(world.inbox_b, order_url)
    assert client.get(f"/api/v1/actions/{foreign.pk}").status_code == 404
    assert client.patch(f"/api/v1/actions/{foreign.pk}", {}, format="json").status_code == 404
    assert world.client("admin").get(f"/api/v1/actions/{foreign.pk}").status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "handoff"),
        ("name", "Order Status"),
        ("url", "http://orders.shop.example/api"),
        ("parameters", {"type": "string"}),
        ("parameters", "not an object"),
        ("identity_fields", ["password"]),
        ("timeout_seconds", 600),
    ],
)
def test_a_wrong_definition_is_a_400(world: World, settings, field: str, value: object) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = world.client("manager").post(
        "/api/v1/actions", {**DEFINITION, "inbox": world.inbox_a.pk, field: value}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Action.objects.exists()
