"""The agent's own "Notifications" settings page: everything on by default, each choice saved
for the agent who made it only, and shown to the desk's pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tickets.alerts.models import AlertPreferences

pytestmark = pytest.mark.django_db

URL = "/desk/settings/notifications/"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_alert_is_on_until_the_agent_turns_it_off(world: Any) -> None:
    page = _client(world.agent_a).get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('type="checkbox"') == 6 and html.count("checked") == 6
    assert "A conversation is assigned to me" in html
    assert "Turn on notifications" in html


def test_an_agent_turns_a_kind_and_the_sound_off_for_themself(world: Any) -> None:
    client = _client(world.agent_a)
    kept = {
        "on_assigned": "on",
        "on_sla_warning": "on",
        "title_count": "on",
        "email_when_away": "on",
    }
    saved = client.post(URL, kept, follow=True)
    assert "Notification settings saved." in saved.content.decode()
    preferences = AlertPreferences.objects.get(user=world.agent_a)
    assert (preferences.on_customer_message, preferences.sound) == (False, False)
    assert preferences.on_assigned and preferences.email_when_away
    # Nobody else's choices changed, and the desk's pages tell desk.js: no sound to play.
    assert not AlertPreferences.objects.filter(user=world.manager).exists()
    desk = client.get("/desk/q/mine/").content.decode()
    data = json.loads(desk.split('id="desk-alerts" type="application/json">')[1].split("<")[0])
    assert data["sound"] == "" and data["titleCount"] is True and data["waiting"] == 0


def test_the_page_is_for_desk_people_only(world: Any) -> None:
    assert Client().get(URL).status_code == 302
    assert _client(world.outsider).get(URL).status_code == 403
    assert _client(world.outsider).post(URL, {}).status_code == 403
    assert not AlertPreferences.objects.exists()
