"""The public, read-only help page of a published article, where citations link to."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from assistant.knowledge.models import Article
from assistant.knowledge.rendering import render_markdown


def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # Drafts are 404 like a missing slug, so a draft's existence does not leak.
    article = get_object_or_404(Article.objects.published(), slug=slug)
    return render(
        request,
        "knowledge/article.html",
        {"article": article, "body_html": render_markdown(article.body)},
    )


def article_index(request: HttpRequest) -> HttpResponse:
    """The help center's front page: every published article, by language."""
    articles = (
        Article.objects.published().order_by("locale", "title").only("title", "slug", "locale")
    )
    by_locale: dict[str, list[Article]] = {}
    for article in articles:
        by_locale.setdefault(article.locale, []).append(article)
    return render(request, "knowledge/index.html", {"by_locale": by_locale})
