"""The permission matrix of the inbox settings pages: admins change everything; a manager reads
the inboxes of their teams (another inbox is 404) and may only switch the assistant; agents
and signed-in people without a desk role get 403; anonymous visitors are sent to sign in."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tickets.test_settings_access import PEOPLE, client_for, expected
from tickets.models import SettingsChange

pytestmark = pytest.mark.django_db

INBOX_POSTS = [
    (
        "widget",
        {
            "name": "Shop A",
            "display_name": "Shop A help",
            "color": "#1d4ed8",
            "greeting": "Hello from Shop A",
            "default_language": "en",
            "allowed_origins": "https://shop-a.example",
        },
    ),
    (
        "assistant",
        {
            "instructions": "Be brief.",
            "tone": "formal",
            "token_budget": "60000",
            "idle_resolve_minutes": "1440",
        },
    ),
    ("handoff", {"handoff_keywords": "lawyer\nchargeback", "vip_to_person": "on"}),
    ("model", {"model_route": "reply", "model_split_percent": "10"}),
    ("privacy", {"retention_days": "30", "retention_action": "anonymise"}),
    ("identity-secret", {}),
    ("avatar", {"remove": "1"}),
]


def _changes(world: Any) -> Any:
    return SettingsChange.objects.filter(subject_kind="inbox", subject_id=str(world.inbox_a.pk))


@pytest.mark.parametrize("name", PEOPLE)
def test_the_inbox_list(world: Any, name: str) -> None:
    response = client_for(world, name).get("/desk/settings/inboxes/")
    assert response.status_code == expected(name, allowed={"manager", "admin"}, ok=200)
    if response.status_code == 200:
        html = response.content.decode()
        assert "Shop A" in html
        # A manager sees the inboxes their teams serve, an admin all of them.
        assert ("Shop B" in html) == (name == "admin")


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize("inbox", ["inbox_a", "inbox_b"])
def test_an_inbox_page(world: Any, name: str, inbox: str) -> None:
    inbox_id = getattr(world, inbox).pk
    response = client_for(world, name).get(f"/desk/settings/inboxes/{inbox_id}/")
    allowed = {"manager", "admin"} if inbox == "inbox_a" else {"admin"}
    assert response.status_code == expected(name, allowed=allowed, ok=200, manager_denied=404)
    if response.status_code == 200:
        html = response.content.decode()
        # Only admins get the forms' save buttons and the secret's rotation.
        assert ('data-testid="rotate-secret"' in html) == (name == "admin")
        assert ('data-testid="read-only"' in html) == (name == "manager")


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize(("action", "data"), INBOX_POSTS)
def test_inbox_changes_are_for_admins(
    world: Any, name: str, action: str, data: dict[str, str]
) -> None:
    if action == "avatar":
        world.inbox_a.avatar_version = "v1"
        world.inbox_a.avatar_png = b"old"
        world.inbox_a.save()
    secret = world.inbox_a.identity_secret
    response = client_for(world, name).post(
        f"/desk/settings/inboxes/{world.inbox_a.pk}/{action}", data
    )
    assert response.status_code == expected(name, allowed={"admin"}, ok=302)
    world.inbox_a.refresh_from_db()
    assert _changes(world).exists() == (name == "admin")
    assert (world.inbox_a.identity_secret != secret) == (
        name == "admin" and action == "identity-secret"
    )


@pytest.mark.parametrize("name", ["manager", "agent_b", "outsider"])
def test_nobody_but_an_admin_changes_an_inbox_they_cannot_see(world: Any, name: str) -> None:
    response = client_for(world, name).post(
        f"/desk/settings/inboxes/{world.inbox_b.pk}/assistant-switch", {"enabled": "off"}
    )
    assert response.status_code == (404 if name == "manager" else 403)
    world.inbox_b.refresh_from_db()
    assert world.inbox_b.bot_enabled
    assert not SettingsChange.objects.exists()


@pytest.mark.parametrize("name", PEOPLE)
def test_the_assistant_switch_is_for_managers_of_the_inbox_and_admins(
    world: Any, name: str
) -> None:
    response = client_for(world, name).post(
        f"/desk/settings/inboxes/{world.inbox_a.pk}/assistant-switch", {"enabled": "off"}
    )
    allowed = {"manager", "admin"}
    assert response.status_code == expected(name, allowed=allowed, ok=302)
    world.inbox_a.refresh_from_db()
    assert world.inbox_a.bot_enabled == (name not in allowed)
    assert _changes(world).filter(action="updated").exists() == (name in allowed)


@pytest.mark.parametrize("name", PEOPLE)
def test_creating_an_inbox(world: Any, name: str) -> None:
    from assistant.chat.models import Inbox

    response = client_for(world, name).post("/desk/settings/inboxes/", {"name": "Outlet"})
    assert response.status_code == expected(name, allowed={"admin"}, ok=302)
    assert Inbox.objects.filter(name="Outlet").exists() == (name == "admin")
