"""The knowledge-gaps page and "write an article" from a group: who may see and do what, and
the article editor it opens, prefilled as a draft."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.chat.test_gaps import INSTALMENTS, LEASING, ask_unanswered

pytestmark = pytest.mark.django_db


def signed_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def gaps(world: Any) -> Any:
    for text in LEASING[:2]:
        ask_unanswered(world.inbox_a, text)
    ask_unanswered(world.inbox_b, INSTALMENTS[0])
    return world


def test_each_person_sees_the_gaps_of_the_inboxes_they_see(gaps: Any) -> None:
    page = signed_in(gaps.agent_a).get("/desk/gaps/").content.decode()
    assert LEASING[0] in page and LEASING[1] in page
    assert INSTALMENTS[0] not in page
    assert "Write an article" not in page  # agents read; editors write
    admin_page = signed_in(gaps.admin).get("/desk/gaps/").content.decode()
    assert INSTALMENTS[0] in admin_page and "Write an article" in admin_page
    assert "3 unanswered questions" in admin_page and "2 groups" in admin_page


def test_outsiders_and_anonymous_visitors_are_kept_out(gaps: Any) -> None:
    assert signed_in(gaps.outsider).get("/desk/gaps/").status_code == 403
    assert Client().get("/desk/gaps/").status_code == 302


def test_a_period_that_ends_before_it_starts_is_refused(gaps: Any) -> None:
    response = signed_in(gaps.manager).get("/desk/gaps/?since=2026-05-02&until=2026-05-01")
    assert response.status_code == 400
    assert "The start date is after the end date." in response.content.decode()


def test_write_an_article_opens_the_editor_prefilled_as_a_draft(gaps: Any) -> None:
    response = signed_in(gaps.manager).post(
        "/desk/gaps/draft",
        {"title": LEASING[0], "locale": "en", "question": [LEASING[0], LEASING[1], "x\x00"]},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["title"] == LEASING[0]
    assert form.initial["status"] == "draft"
    assert f"- {LEASING[0]}\n- {LEASING[1]}\n" in form.initial["body"]
    assert "\x00" not in form.initial["body"]
    assert 'action="/desk/articles/new/"' in response.content.decode()


def test_agents_cannot_start_an_article_from_a_group(gaps: Any) -> None:
    response = signed_in(gaps.agent_a).post("/desk/gaps/draft", {"title": "t", "question": ["q"]})
    assert response.status_code == 403


def test_the_articles_list_shows_each_articles_citations_and_outcomes(world: Any) -> None:
    from assistant.chat import services
    from assistant.knowledge.models import Article
    from tests.chat.test_article_outcomes import answered

    Article.objects.create(title="Batteries", slug="batteries", body="Prices.", status="published")
    Article.objects.create(title="Saddles", slug="saddles", body="Sizes.", status="published")
    cited = {"title": "Batteries", "url": Article.objects.get(slug="batteries").public_url}
    answered(world.inbox_a, cited)
    handed = answered(world.inbox_a, cited)
    services.conversation_handoff(conversation_id=handed.id, reason="customer_request")
    page = signed_in(world.manager).get("/desk/articles/").content.decode()
    assert "Cited in 2 conversations · 50 % handed to a person" in page
    assert page.count("Not cited in any answer yet") == 1
