"""Each agent's desk in the language they chose on their profile, the browser's otherwise."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories
from tickets.models import AgentProfile
from tickets.workspace.preferences import agent_language_set

pytestmark = pytest.mark.django_db


def signed_in(username: str, *, language: str | None = None) -> Client:
    agent = factories.make_agent(username)
    if language is not None:
        agent_language_set(user=agent, language=language)
    client = Client()
    client.force_login(agent)
    return client


def test_an_agent_who_chose_german_gets_the_desk_in_german_whatever_the_browser_asks() -> None:
    client = signed_in("anna", language="de")
    response = client.get("/desk/settings/replies/", HTTP_ACCEPT_LANGUAGE="fr,en;q=0.5")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in html
    assert "Gespeicherte Antworten" in html
    assert "Saved replies" not in html


def test_without_a_choice_the_browser_language_is_used() -> None:
    client = signed_in("bruno")
    response = client.get("/desk/settings/replies/", HTTP_ACCEPT_LANGUAGE="es")
    assert response["Content-Language"] == "es"
    assert "Respuestas guardadas" in response.content.decode()


def test_an_anonymous_visitor_follows_the_browser() -> None:
    response = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response["Content-Language"] == "ja"


def test_the_language_page_saves_the_choice_and_confirms_in_the_new_language() -> None:
    client = signed_in("chloe")
    page = client.get("/desk/settings/language/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Deutsch" in page.content.decode() and "日本語" in page.content.decode()

    saved = client.post("/desk/settings/language/", {"language": "fr"}, follow=True)
    assert AgentProfile.objects.get(user__username="chloe").language == "fr"
    html = saved.content.decode()
    assert saved["Content-Language"] == "fr"
    assert html.count("La langue de votre poste est enregistrée.") == 1

    client.post("/desk/settings/language/", {"language": ""})
    assert AgentProfile.objects.get(user__username="chloe").language == ""
    after = client.get("/desk/settings/language/", HTTP_ACCEPT_LANGUAGE="de")
    assert after["Content-Language"] == "de"


def test_an_unknown_language_is_refused_and_nothing_changes() -> None:
    client = signed_in("dario", language="es")
    response = client.post("/desk/settings/language/", {"language": "xx"}, follow=True)
    assert response.status_code == 200
    assert AgentProfile.objects.get(user__username="dario").language == "es"
    with pytest.raises(ValueError):
        agent_language_set(user=AgentProfile.objects.get().user, language="klingon")


def test_the_language_page_is_only_for_people_at_the_desk() -> None:
    assert Client().get("/desk/settings/language/").status_code == 302
    outsider = factories.make_user("olga", group="customers")
    client = Client()
    client.force_login(outsider)
    assert client.get("/desk/settings/language/").status_code == 403
