"""Answers come from the knowledge base, with citations; without support, "don't know"."""

from __future__ import annotations

import pytest

from assistant.db_async import db_async
from assistant.knowledge.demo import load_demo_articles
from assistant.knowledge.models import Article
from assistant.knowledge.services import ArticleData, article_create
from tests.chat.conftest import Widget

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def help_center(db: object) -> None:
    load_demo_articles()


async def ask(inbox, new_session, question: str) -> dict:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.say(question, client_id="q")
    end, _ = await tab.receive_until("stream_end")
    await tab.close()
    return end["message"]


@pytest.mark.parametrize("model", ["offline", "simulator"])
async def test_a_covered_question_is_answered_with_a_link_to_its_article(
    inbox, new_session, help_center, model, request
) -> None:
    if model == "simulator":
        request.getfixturevalue("simulated_llm")
    answer = await ask(inbox, new_session, "How long does delivery take?")
    assert answer["citations"], answer
    slugs = [c["url"].rstrip("/").rsplit("/", 1)[-1] for c in answer["citations"]]
    article = await db_async(Article.objects.get)(slug=slugs[0])
    assert "deliver" in (article.title + article.body).lower()
    assert "don't know" not in answer["text"]


async def test_a_policy_question_without_support_gets_dont_know(
    inbox, new_session, help_center
) -> None:
    answer = await ask(
        inbox, new_session, "Do you give a lifetime guarantee on saddles bought on Mars?"
    )
    assert "don't know" in answer["text"]
    assert answer["citations"] == []


async def test_a_chinese_question_is_answered_from_chinese_articles(
    inbox, new_session, help_center
) -> None:
    answer = await ask(inbox, new_session, "退货需要多长时间退款？")  # noqa: RUF001
    assert answer["citations"], answer


async def test_drafts_never_reach_customers(inbox, new_session, help_center) -> None:
    draft = ArticleData(
        title="Secret clearance sale",
        slug="secret-sale",
        body="Everything is 90% off with code ZEBRA.",
        locale="en",
        status=Article.Status.DRAFT,
    )
    # Created through the service, so it is chunked and indexed like any article.
    article = await db_async(article_create)(data=draft)
    assert await db_async(article.chunks.count)() > 0
    answer = await ask(inbox, new_session, "Is there a clearance sale code ZEBRA?")
    assert "ZEBRA" not in answer["text"]
    assert all("secret-sale" not in c["url"] for c in answer["citations"])
