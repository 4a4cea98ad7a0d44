"""Who may open which settings page and make which change: agents of team A and B, team A's
manager, an admin, a signed-in user without a desk role, and anonymous. A team the person may
not manage is 404 to a manager (as a foreign ticket is); what only admins may do is 403."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tickets.models import SettingsChange

pytestmark = pytest.mark.django_db

PEOPLE = ["agent_a", "agent_b", "manager", "admin", "outsider", "anonymous"]


def client_for(world: Any, name: str) -> Client:
    client = Client()
    person = world.person(name)
    if person is not None:
        client.force_login(person)
    return client


def expected(name: str, *, allowed: set[str], ok: int, manager_denied: int = 403) -> int:
    if name == "anonymous":
        return 302  # to the sign-in page
    if name in allowed:
        return ok
    return manager_denied if name == "manager" else 403


TEAM_POSTS = [
    ("update", {"name": "Team A", "members": []}),
    (
        "hours",
        {"time_zone": "Europe/Berlin", "mon_open": "on", "mon_start": "08:00", "mon_end": "16:00"},
    ),
    ("holidays", {"date": "2027-12-24", "name": "Christmas Eve"}),
    ("public-holidays", {"country": "DE", "year": "2027"}),
    (
        "sla",
        {
            "priority": "3",
            "first_response_minutes": "30",
            "next_response_minutes": "60",
            "resolution_minutes": "480",
        },
    ),
]


@pytest.mark.parametrize("name", PEOPLE)
def test_the_team_list(world: Any, name: str) -> None:
    response = client_for(world, name).get("/desk/settings/teams/")
    assert response.status_code == expected(name, allowed={"manager", "admin"}, ok=200)
    if response.status_code == 200:
        html = response.content.decode()
        assert "Team A" in html
        # A manager leads only the teams they are in.
        assert ("Team B" in html) == (name == "admin")


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize("team", ["team_a", "team_b"])
def test_a_team_page(world: Any, name: str, team: str) -> None:
    team_id = getattr(world, team).pk
    response = client_for(world, name).get(f"/desk/settings/teams/{team_id}/")
    allowed = {"manager", "admin"} if team == "team_a" else {"admin"}
    assert response.status_code == expected(name, allowed=allowed, ok=200, manager_denied=404)


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize(("action", "data"), TEAM_POSTS)
def test_team_changes(world: Any, name: str, action: str, data: dict[str, Any]) -> None:
    if action == "update":
        data = {**data, "members": [world.manager.pk], "inboxes": [world.inbox_a.pk]}
    response = client_for(world, name).post(
        f"/desk/settings/teams/{world.team_a.pk}/{action}", data
    )
    assert response.status_code == expected(name, allowed={"manager", "admin"}, ok=302)
    recorded = SettingsChange.objects.filter(subject_kind="team", subject_id=str(world.team_a.pk))
    assert recorded.exists() == (response.status_code == 302 and name != "anonymous")


@pytest.mark.parametrize("name", ["manager", "agent_a"])
def test_a_manager_cannot_change_a_team_they_do_not_lead(world: Any, name: str) -> None:
    response = client_for(world, name).post(
        f"/desk/settings/teams/{world.team_b.pk}/holidays", {"date": "2027-01-02"}
    )
    assert response.status_code == (404 if name == "manager" else 403)
    assert not SettingsChange.objects.exists()


@pytest.mark.parametrize("name", PEOPLE)
def test_creating_a_team(world: Any, name: str) -> None:
    response = client_for(world, name).post("/desk/settings/teams/", {"name": "Returns"})
    assert response.status_code == expected(name, allowed={"admin"}, ok=302)


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize("path", ["/desk/settings/agents/", "/desk/settings/audit/"])
def test_admin_pages(world: Any, name: str, path: str) -> None:
    response = client_for(world, name).get(path)
    assert response.status_code == expected(name, allowed={"admin"}, ok=200)


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("invite", {"email": "new@example.com", "role": "agent"}),
        ("{agent}/update", {"{agent}-role": "manager", "{agent}-capacity": "3"}),
        ("{agent}/deactivate", {}),
        ("{agent}/reactivate", {}),
    ],
)
def test_agent_changes(world: Any, name: str, action: str, data: dict[str, str]) -> None:
    agent = str(world.agent_b.pk)
    path = "/desk/settings/agents/" + action.replace("{agent}", agent)
    data = {key.replace("{agent}", agent): value for key, value in data.items()}
    response = client_for(world, name).post(path, data)
    assert response.status_code == expected(name, allowed={"admin"}, ok=302)


def test_the_settings_link_leads_agents_to_their_replies_and_managers_to_teams(
    world: Any,
) -> None:
    for name, target in [
        ("agent_a", "/desk/settings/replies/"),
        ("manager", "/desk/settings/teams/"),
        ("admin", "/desk/settings/teams/"),
    ]:
        html = client_for(world, name).get("/desk/q/waiting/").content.decode()
        assert f'href="{target}" data-testid="nav-settings"' in html


@pytest.mark.parametrize("name", PEOPLE)
def test_the_saved_replies_page(world: Any, name: str) -> None:
    response = client_for(world, name).get("/desk/settings/replies/")
    everyone = {"agent_a", "agent_b", "manager", "admin"}
    assert response.status_code == expected(name, allowed=everyone, ok=200)


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize(
    ("audience", "allowed"),
    [
        ("personal", {"agent_a", "agent_b", "manager", "admin"}),
        ("shared", {"admin"}),
        ("team_a", {"manager", "admin"}),
    ],
)
def test_creating_a_saved_reply(world: Any, name: str, audience: str, allowed: set[str]) -> None:
    from tickets.models import CannedReply

    choice = f"team:{world.team_a.pk}" if audience == "team_a" else audience
    data = {"title": "Hello", "text": "Hi {customer_name}", "audience": choice}
    response = client_for(world, name).post("/desk/settings/replies/new", data)
    # A choice a person is not offered is a form error on the page, not a change.
    assert response.status_code == (302 if name != "outsider" else 403)
    assert CannedReply.objects.exists() == (name in allowed)


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize("action", ["update", "delete"])
def test_changing_someone_elses_personal_reply(world: Any, name: str, action: str) -> None:
    from tickets.models import CannedReply

    reply = CannedReply.objects.create(title="Mine", text="Only Alice's", owner=world.agent_a)
    response = client_for(world, name).post(
        f"/desk/settings/replies/{reply.pk}/{action}", {"title": "Taken", "text": "Taken"}
    )
    if name == "anonymous":
        assert response.status_code == 302
    elif name == "outsider":
        assert response.status_code == 403
    else:
        # Somebody else's personal reply looks like a missing one, even to an admin.
        assert response.status_code == (302 if name == "agent_a" else 404)
    still = CannedReply.objects.filter(pk=reply.pk, title="Mine").exists()
    assert still == (name != "agent_a")
