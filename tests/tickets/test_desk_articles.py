"""Help articles in the desk: managers write and publish; agents search and read."""

from __future__ import annotations

import pytest
from django.test import Client

from assistant.knowledge.models import Article
from assistant.knowledge.retrieval import retrieve_passages
from tests import factories

pytestmark = pytest.mark.django_db

BODY = "# Gift cards\n\nGift cards never expire and can be used online and in our workshops."


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_manager_writes_previews_and_publishes_an_article() -> None:
    manager = client_for(factories.make_agent("mgr", role="manager"))
    preview = manager.post(
        "/desk/articles/preview", {"body": BODY + "\n\n<script>alert(1)</script>"}
    )
    assert "<h1>Gift cards</h1>" in preview.content.decode()
    assert "<script>" not in preview.content.decode()

    draft = {
        "title": "Gift cards",
        "locale": "en",
        "status": "draft",
        "source_url": "",
        "body": BODY,
    }
    response = manager.post("/desk/articles/new/", draft)
    assert response.status_code == 302
    article = Article.objects.get(title="Gift cards")
    assert retrieve_passages("Do gift cards expire?", language="en") == []  # drafts stay hidden

    response = manager.post(f"/desk/articles/{article.pk}/", {**draft, "status": "published"})
    assert response.status_code == 302
    passages = retrieve_passages("Do gift cards expire?", language="en")
    assert passages and "never expire" in passages[0].text


def test_agents_search_but_cannot_edit() -> None:
    manager = client_for(factories.make_agent("mgr2", role="manager"))
    manager.post(
        "/desk/articles/new/",
        {
            "title": "Gift cards",
            "locale": "en",
            "status": "published",
            "source_url": "",
            "body": BODY,
        },
    )
    agent = client_for(factories.make_agent("agt"))
    listing = agent.get("/desk/articles/?q=gift+cards").content.decode()
    assert "Gift cards" in listing
    assert agent.get("/desk/articles/new/").status_code == 403
    assert agent.post("/desk/articles/preview", {"body": "x"}).status_code == 403
    article = Article.objects.get(title="Gift cards")
    assert agent.post(f"/desk/articles/{article.pk}/", {"title": "Hacked"}).status_code == 403
