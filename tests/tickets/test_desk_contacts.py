"""A contact's rights in the desk: managers and admins export and erase; agents may not; a
contact of another team's inbox is 404 for everyone outside it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from assistant.chat.models import Contact
from assistant.privacy.models import RightsRecord
from tests.tickets.test_desk_access import client_for

pytestmark = pytest.mark.django_db

PEOPLE = ["agent_a", "agent_b", "manager", "admin", "outsider", "anonymous"]
# Contact A (team A's inbox): managers of team A and admins may act; agent A sees the contact but
# may not act (403); agent B does not see it (404).
EXPECTED_FOR_A = {
    "agent_a": 403,
    "agent_b": 404,
    "manager": 200,
    "admin": 200,
    "outsider": 403,
    "anonymous": 302,
}


@pytest.mark.parametrize("name", PEOPLE)
def test_who_may_export_contact_a(world: Any, name: str) -> None:
    response = client_for(world, name).post(f"/desk/contacts/{world.contact_a.pk}/export")

    assert response.status_code == EXPECTED_FOR_A[name]
    assert RightsRecord.objects.exists() == (EXPECTED_FOR_A[name] == 200)


@pytest.mark.parametrize("name", PEOPLE)
def test_who_may_open_the_erase_form(world: Any, name: str) -> None:
    response = client_for(world, name).get(f"/desk/contacts/{world.contact_a.pk}/erase")

    assert response.status_code == EXPECTED_FOR_A[name]


def test_the_export_is_a_json_download_of_that_contact_only(world: Any) -> None:
    response = client_for(world, "manager").post(f"/desk/contacts/{world.contact_a.pk}/export")

    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["version"] == 1 and data["contact"]["id"] == str(world.contact_a.pk)
    assert "My bike arrived broken" in response.content.decode()
    assert "VIP, be kind" in response.content.decode()
    assert "Where is my refund?" not in response.content.decode()


def test_export_needs_a_post_with_the_csrf_token(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.manager)

    assert client.get(f"/desk/contacts/{world.contact_a.pk}/export").status_code == 405
    assert client.post(f"/desk/contacts/{world.contact_a.pk}/export").status_code == 403


def test_a_manager_erases_a_contact_with_a_reason_and_sees_the_result(world: Any) -> None:
    client = client_for(world, "manager")
    url = f"/desk/contacts/{world.contact_a.pk}/erase"

    unconfirmed = client.post(url, {"reason": "Erasure request #7"})
    assert unconfirmed.status_code == 200 and Contact.objects.filter(pk=world.contact_a.pk)

    response = client.post(url, {"reason": "Erasure request #7", "confirm": "on"}, follow=True)

    assert response.status_code == 200
    assert not Contact.objects.filter(pk=world.contact_a.pk).exists()
    record = RightsRecord.objects.get(kind=RightsRecord.Kind.ERASURE)
    assert record.reason == "Erasure request #7" and record.actor == world.manager
    html = response.content.decode()
    assert "Erasure request #7" in html and record.contact_reference in html
    assert Contact.objects.filter(pk=world.contact_b.pk).exists()


def test_the_erasure_result_is_not_shown_to_another_team(world: Any) -> None:
    client_for(world, "admin").post(
        f"/desk/contacts/{world.contact_b.pk}/erase", {"reason": "asked", "confirm": "on"}
    )
    record = RightsRecord.objects.get()

    assert client_for(world, "manager").get(f"/desk/erasures/{record.pk}/").status_code == 404
    assert client_for(world, "agent_b").get(f"/desk/erasures/{record.pk}/").status_code == 403
    assert client_for(world, "admin").get(f"/desk/erasures/{record.pk}/").status_code == 200


def test_the_customer_card_offers_the_actions_to_managers_only(world: Any) -> None:
    page = f"/desk/c/{world.conversation_a.pk}/"

    manager_html = client_for(world, "manager").get(page).content.decode()
    agent_html = client_for(world, "agent_a").get(page).content.decode()

    assert 'data-testid="contact-export"' in manager_html
    assert 'data-testid="contact-erase"' in manager_html
    assert "contact-rights" not in agent_html
    assert "<script>" not in manager_html and "style=" not in manager_html
