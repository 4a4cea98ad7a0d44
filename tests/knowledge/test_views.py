"""The public help page of an article, where citations link to."""

import pytest
from django.test import Client

from .conftest import ArticleFactory

pytestmark = pytest.mark.django_db


def test_a_published_article_is_rendered_from_markdown(
    client: Client, make_article: ArticleFactory
) -> None:
    article = make_article(
        "Warranty", "## Frames\n\nTen years on **steel** frames.\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )

    response = client.get(f"/help/{article.slug}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Warranty</title>" in html
    assert "<h2>Frames</h2>" in html and "<strong>steel</strong>" in html
    assert "<table>" in html


def test_html_and_script_links_in_an_article_are_inert(
    client: Client, make_article: ArticleFactory
) -> None:
    article = make_article(
        "Tricky",
        '<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n'
        "[click](javascript:alert(3))",
    )

    html = client.get(f"/help/{article.slug}/").content.decode()

    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html


def test_drafts_and_unknown_slugs_are_not_found(
    client: Client, make_article: ArticleFactory
) -> None:
    draft = make_article("Secret", "Not yet.", status="draft")

    assert client.get(f"/help/{draft.slug}/").status_code == 404
    assert client.get("/help/no-such-article/").status_code == 404
