"""The reply turn's API: passages, or nothing when nothing is relevant."""

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from assistant.knowledge.demo import load_demo_articles
from assistant.knowledge.retrieval import aretrieve_passages, retrieve_passages
from assistant.llm import Passage

from .conftest import ArticleFactory

pytestmark = pytest.mark.django_db


def test_passages_carry_a_stable_id_a_title_the_public_url_and_the_language(
    make_article: ArticleFactory,
) -> None:
    article = make_article(
        "Returns", "## Refunds\n\nRefunds take five days.", source_url="https://help.example/r"
    )

    passages = retrieve_passages("how long do refunds take", language="en")

    assert passages == [
        Passage(
            id=f"article-{article.pk}#0",
            title="Returns › Refunds",  # noqa: RUF001
            text="Refunds take five days.",
            url="https://help.example/r",
            language="en",
        )
    ]


def test_no_more_than_two_passages_come_from_one_article(make_article: ArticleFactory) -> None:
    body = "\n\n".join(f"## Part {i}\n\nBattery charging, part {i}." for i in range(6))
    make_article("Battery charging", body)
    make_article("Charging in winter", "Battery charging below zero degrees is not allowed.")

    passages = retrieve_passages("battery charging", language="en", limit=4)

    assert len(passages) == 3
    assert sum(p.title.startswith("Battery charging") for p in passages) == 2


def test_a_policy_question_without_support_gets_no_passages() -> None:
    load_demo_articles()

    assert retrieve_passages("Do you price match competitors?", language="en") == []
    assert retrieve_passages("Can I return a bike I have ridden?", language="en")


@pytest.mark.django_db(transaction=True)
async def test_the_async_wrapper_answers_from_the_event_loop() -> None:
    await sync_to_async(load_demo_articles)()

    passages = await aretrieve_passages("电池充满电需要多长时间？", language="zh-hans")  # noqa: RUF001

    assert passages and passages[0].id.startswith("article-")
    assert "4.5" in passages[0].text
    # The worker thread's connection would otherwise outlive the test database.
    await sync_to_async(connections.close_all)()
