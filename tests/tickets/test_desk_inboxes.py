"""The desk's "Inboxes & data" pages: the assistant's kill switch and where each inbox's data
goes. Managers of the inbox's team and admins only; another team's inbox is 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from assistant.chat.models import Inbox
from assistant.llm.config import build_llm_config
from assistant.privacy.models import InboxPrivacy
from tests import factories
from tests.tickets.test_desk_access import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "status"),
    [("agent_a", 403), ("manager", 200), ("admin", 200), ("outsider", 403), ("anonymous", 302)],
)
def test_who_may_open_the_inbox_pages(world: Any, name: str, status: int) -> None:
    client = client_for(world, name)
    assert client.get("/desk/inboxes/").status_code == status
    assert client.get(f"/desk/inboxes/{world.inbox_a.pk}/").status_code == status


def test_a_manager_cannot_see_or_switch_another_teams_inbox(world: Any) -> None:
    client = client_for(world, "manager")
    assert client.get(f"/desk/inboxes/{world.inbox_b.pk}/").status_code == 404
    response = client.post(f"/desk/inboxes/{world.inbox_b.pk}/assistant", {"enabled": "off"})
    assert response.status_code == 404
    assert Inbox.objects.get(pk=world.inbox_b.pk).bot_enabled is True
    listing = client.get("/desk/inboxes/").content.decode()
    assert "Shop A" in listing and "Shop B" not in listing


def test_an_agent_cannot_switch_the_assistant_off(world: Any) -> None:
    response = client_for(world, "agent_a").post(
        f"/desk/inboxes/{world.inbox_a.pk}/assistant", {"enabled": "off"}
    )
    assert response.status_code == 403
    assert Inbox.objects.get(pk=world.inbox_a.pk).bot_enabled is True


def test_the_switch_needs_csrf_and_a_clear_choice(world: Any) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.manager)
    url = f"/desk/inboxes/{world.inbox_a.pk}/assistant"
    assert strict.post(url, {"enabled": "off"}).status_code == 403
    assert client_for(world, "manager").post(url, {"enabled": "maybe"}).status_code == 400
    assert Inbox.objects.get(pk=world.inbox_a.pk).bot_enabled is True


def test_a_manager_switches_the_assistant_off_and_on(world: Any) -> None:
    talking = factories.make_conversation(world.inbox_a, client_id="still-bot")
    client = client_for(world, "manager")
    url = f"/desk/inboxes/{world.inbox_a.pk}/assistant"

    page = client.post(url, {"enabled": "off"}, follow=True).content.decode()

    assert "1 conversation went to the people" in page
    assert 'data-testid="assistant-on"' in page
    talking.refresh_from_db()
    assert (talking.state, talking.handoff_reason) == ("waiting", "bot_disabled")
    client.post(url, {"enabled": "on"})
    assert Inbox.objects.get(pk=world.inbox_a.pk).bot_enabled is True


def test_the_data_flow_shows_each_provider_its_jurisdiction_and_redaction(
    world: Any, settings: Any
) -> None:
    settings.LLM = build_llm_config(
        dashscope_api_key="sk-test", qwen_region="intl", openai_api_key=None
    )
    InboxPrivacy.objects.create(inbox=world.inbox_a, allowed_jurisdictions=["China"])

    page = client_for(world, "manager").get(f"/desk/inboxes/{world.inbox_a.pk}/").content.decode()

    assert 'data-testid="hop-reply-1"' in page and 'data-testid="hop-embeddings-1"' in page
    assert "Singapore" in page  # Qwen's international endpoint
    assert "dashscope-intl.aliyuncs.com" in page
    assert "pseudonymised" in page
    # Singapore is not China: the page says so, row by row and at the top.
    assert 'data-testid="residency-alert"' in page and "no: refused" in page
    assert "sk-test" not in page  # never the key


def test_without_a_model_everything_stays_in_process(world: Any, settings: Any) -> None:
    settings.LLM = build_llm_config(dashscope_api_key=None, openai_api_key=None)
    page = client_for(world, "admin").get(f"/desk/inboxes/{world.inbox_a.pk}/").content.decode()
    assert "self-hosted / in-process" in page and "external" not in page
    assert "residency-alert" not in page
