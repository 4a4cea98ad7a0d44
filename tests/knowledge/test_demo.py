"""The Northwind Cycles demo help center."""

import pytest
from django.test import Client

from assistant.knowledge.demo import DEMO_ARTICLES, load_demo_articles
from assistant.knowledge.models import Article

pytestmark = pytest.mark.django_db


def test_demo_articles_load_once_and_are_published_in_english_and_chinese() -> None:
    loaded = load_demo_articles()

    assert loaded == len(list(DEMO_ARTICLES.glob("*.md")))
    assert load_demo_articles() == 0  # idempotent
    assert Article.objects.filter(locale="en").count() >= 20
    assert Article.objects.filter(locale="zh-hans").count() >= 3
    assert not Article.objects.exclude(status="published").exists()
    assert not Article.objects.filter(chunks=None).exists()


def test_demo_citations_point_at_the_help_pages_of_this_server(client: Client) -> None:
    load_demo_articles()
    article = Article.objects.get(slug="returns-policy")

    assert article.public_url == "http://localhost:8000/help/returns-policy/"
    response = client.get("/help/returns-policy/")
    assert response.status_code == 200
    assert "30 days of delivery" in response.content.decode()


def test_a_developer_edit_is_restored_by_the_next_load() -> None:
    load_demo_articles()
    Article.objects.filter(slug="warranty").update(body="edited")

    assert load_demo_articles() == 1
    assert "10 years" in Article.objects.get(slug="warranty").body
