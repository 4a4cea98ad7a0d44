"""The permission matrix of the integrations pages (API tokens, webhooks): admins only. Agents,
managers and people without a desk role get 403, anonymous visitors the sign-in page, and
nothing changes for any of them. An unknown token, webhook or delivery is 404 to an admin."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.tickets.test_settings_access import PEOPLE, client_for, expected
from tickets.apitokens import tokens
from tickets.apitokens.models import ApiToken
from tickets.models import SettingsChange
from tickets.webhooks.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(world: Any, settings: Any) -> Webhook:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    return Webhook.objects.create(url="http://127.0.0.1:9/in", events=["ticket.created"])


@pytest.fixture
def sent(hook: Webhook) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        webhook=hook, event="ticket.created", payload={"id": "x"}, status="failed", attempts=1
    )


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize("page", ["api-tokens/", "webhooks/", "webhooks/{hook}/"])
def test_the_pages(world: Any, hook: Webhook, name: str, page: str) -> None:
    path = "/desk/settings/" + page.replace("{hook}", str(hook.pk))
    response = client_for(world, name).get(path)
    assert response.status_code == expected(name, allowed={"admin"}, ok=200)


@pytest.mark.parametrize("name", PEOPLE)
def test_creating_a_token(world: Any, name: str) -> None:
    data = {"name": "CRM", "owner": world.agent_a.pk, "scope": "read"}
    response = client_for(world, name).post("/desk/settings/api-tokens/new", data)
    assert response.status_code == expected(name, allowed={"admin"}, ok=302)
    assert ApiToken.objects.exists() == (name == "admin")
    assert SettingsChange.objects.exists() == (name == "admin")


@pytest.mark.parametrize("name", PEOPLE)
def test_revoking_a_token(world: Any, name: str) -> None:
    token, _key = tokens.issue(name="CRM", user=world.agent_a)
    response = client_for(world, name).post(f"/desk/settings/api-tokens/{token.pk}/revoke")
    assert response.status_code == expected(name, allowed={"admin"}, ok=302)
    token.refresh_from_db()
    assert token.is_active == (name != "admin")


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("new", {"url": "http://127.0.0.1:9/other", "events": ["ticket.created"]}),
        ("{hook}/update", {"url": "http://127.0.0.1:9/moved", "events": ["ticket.created"]}),
        ("{hook}/rotate-secret", {}),
        ("{hook}/delete", {}),
        ("{hook}/deliveries/{delivery}/redeliver", {}),
    ],
)
def test_webhook_changes(
    world: Any,
    hook: Webhook,
    sent: WebhookDelivery,
    name: str,
    action: str,
    data: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tickets.webhooks import tasks

    monkeypatch.setattr(tasks.deliver, "delay", lambda delivery_id: None)
    before = (hook.url, hook.secret, sent.status)
    path = "/desk/settings/webhooks/" + action.replace("{hook}", str(hook.pk)).replace(
        "{delivery}", str(sent.pk)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world, name).post(path, data)
    assert response.status_code == expected(name, allowed={"admin"}, ok=302)
    changed = SettingsChange.objects.filter(subject_kind="webhook").exists()
    assert changed == (name == "admin")
    if name != "admin":
        hook.refresh_from_db()
        sent.refresh_from_db()
        assert (hook.url, hook.secret, sent.status) == before


@pytest.mark.parametrize(
    "path",
    [
        "/desk/settings/webhooks/999999/",
        "/desk/settings/webhooks/999999/update",
        "/desk/settings/api-tokens/999999/revoke",
        "/desk/settings/webhooks/{hook}/deliveries/" + str(uuid.uuid4()) + "/redeliver",
    ],
)
def test_unknown_objects_are_404_to_an_admin(world: Any, hook: Webhook, path: str) -> None:
    client = client_for(world, "admin")
    path = path.replace("{hook}", str(hook.pk))
    response = client.get(path) if path.endswith("/") else client.post(path)
    assert response.status_code == 404


def test_a_delivery_of_another_webhook_is_404(world: Any, hook: Webhook, sent: Any) -> None:
    other = Webhook.objects.create(url="http://127.0.0.1:9/b", events=["ticket.created"])
    response = client_for(world, "admin").post(
        f"/desk/settings/webhooks/{other.pk}/deliveries/{sent.pk}/redeliver"
    )
    assert response.status_code == 404


def test_admins_see_the_integration_links_and_managers_do_not(world: Any) -> None:
    for name, shown in [("admin", True), ("manager", False), ("agent_a", False)]:
        html = client_for(world, name).get("/desk/settings/replies/").content.decode()
        assert ('data-testid="settings-api-tokens"' in html) == shown
        assert ('data-testid="settings-webhooks"' in html) == shown
