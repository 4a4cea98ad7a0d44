"""The actions' settings pages: who may define them, the write-only secret, the audit log, and
the test button."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from assistant.actions import secrets
from assistant.actions.models import Action
from tests.actions.conftest import API_KEY, make_actions
from tests.tickets.conftest import World
from tickets.models import SettingsChange

pytestmark = pytest.mark.django_db

PEOPLE = ["agent_a", "manager", "admin", "outsider", "anonymous"]


def client_for(world: World, name: str) -> Client:
    client = Client()
    person = world.person(name)
    if person is not None:
        client.force_login(person)
    return client


def definition(inbox_id: int, **overrides: Any) -> dict[str, Any]:
    data = {
        "inbox": inbox_id,
        "name": "order_status",
        "description": "Look up one of the customer's orders.",
        "parameters": json.dumps(
            {"type": "object", "properties": {"order_id": {"type": "string"}}}
        ),
        "method": "GET",
        "url": "https://orders.shop.example/api/orders",
        "secret_header_name": "X-Api-Key",
        "secret_value": API_KEY,
        "identity_fields": ["customer_id"],
        "confirmation_text": "",
        "timeout_seconds": "8",
        "enabled": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("name", PEOPLE)
def test_who_may_open_the_actions_page(world: World, name: str) -> None:
    response = client_for(world, name).get("/desk/settings/actions/")
    expected = {"anonymous": 302, "manager": 200, "admin": 200}.get(name, 403)
    assert response.status_code == expected


@pytest.mark.parametrize("name", PEOPLE)
def test_who_may_define_an_action_for_which_inbox(world: World, name: str) -> None:
    for inbox in (world.inbox_a, world.inbox_b):
        client_for(world, name).post("/desk/settings/actions/", definition(inbox.pk))
    made = set(Action.objects.values_list("inbox_id", flat=True))
    # A manager defines actions for the inboxes of their team only; an admin for every inbox.
    expected = {
        "manager": {world.inbox_a.pk},
        "admin": {world.inbox_a.pk, world.inbox_b.pk},
    }.get(name, set())
    assert made == expected


def test_the_secret_is_write_only_and_the_change_audited(world: World) -> None:
    client = client_for(world, "manager")
    response = client.post("/desk/settings/actions/", definition(world.inbox_a.pk))
    action = Action.objects.get()
    assert response.status_code == 302
    assert secrets.decrypt(action.secret_header_value) == API_KEY
    page = client.get(f"/desk/settings/actions/{action.pk}/").content.decode()
    assert "A secret is stored." in page and API_KEY not in page
    # Saving without typing the secret keeps it.
    client.post(
        f"/desk/settings/actions/{action.pk}/",
        definition(world.inbox_a.pk, secret_value="", description="Orders, by number."),
    )
    action.refresh_from_db()
    assert action.description == "Orders, by number."
    assert secrets.decrypt(action.secret_header_value) == API_KEY
    changes = list(SettingsChange.objects.filter(subject_kind="action").order_by("created_at"))
    assert [c.action for c in changes] == ["action_created", "action_updated"]
    assert changes[0].after["secret_header"] == "set"
    assert API_KEY not in json.dumps([c.before for c in changes] + [c.after for c in changes])
    audit = client_for(world, "admin").get("/desk/settings/audit/").content.decode()
    assert "action created" in audit and API_KEY not in audit


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "handoff", "the assistant&#x27;s own"),
        ("name", "Order Status", "Lower-case letters"),
        ("url", "http://orders.shop.example/api", "HTTPS only"),
        ("parameters", '{"type": "string"}', "type"),
        ("parameters", "{not json", "not valid JSON"),
    ],
)
def test_a_wrong_definition_is_refused_with_its_reason(
    world: World, settings, field: str, value: str, message: str
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    client = client_for(world, "manager")
    response = client.post(
        "/desk/settings/actions/", definition(world.inbox_a.pk, **{field: value}), follow=True
    )
    assert message in response.content.decode()
    assert not Action.objects.exists()


def test_the_test_button_sends_a_sample_request_and_shows_the_answer(
    world: World, orders, order_url
) -> None:
    status, _ = make_actions(world.inbox_a, order_url)
    client = client_for(world, "manager")
    response = client.post(
        f"/desk/settings/actions/{status.pk}/test",
        {"arguments": '{"order_id": "1042"}', "customer_id": "cust-anna"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "It worked." in page and "PostNL" in page and API_KEY not in page
    assert orders.requests[0]["headers"]["x-customer-id"] == "cust-anna"
    # Another inbox's action is not there for this manager.
    _, foreign = make_actions(world.inbox_b, order_url)
    assert client.post(f"/desk/settings/actions/{foreign.pk}/test", {}).status_code == 404
