"""Fixtures for the knowledge-base tests: articles written through the real services, on the real
embedded PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.knowledge.models import Article
from assistant.knowledge.services import ArticleData, article_create

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def help_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.knowledge.urls"


@pytest.fixture(autouse=True)
def no_embeddings_provider(settings: Any) -> Iterator[None]:
    """Tests are full-text only unless they configure an embeddings provider themselves."""
    from assistant.llm import build_llm_config

    settings.LLM = build_llm_config(dashscope_api_key=None, routes={"embeddings": "none"})
    yield


ArticleFactory = Callable[..., Article]


@pytest.fixture
def make_article(db: None) -> ArticleFactory:
    def make(
        title: str,
        body: str,
        *,
        locale: str = "en",
        status: str = Article.Status.PUBLISHED,
        **extra: Any,
    ) -> Article:
        return article_create(
            data=ArticleData(title=title, body=body, locale=locale, status=status, **extra)
        )

    return make
