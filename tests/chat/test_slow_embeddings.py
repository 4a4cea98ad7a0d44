"""A slow or hanging embeddings provider keeps only its own conversation waiting (issue 18): the
reply turn embeds the customer's question before its database call, so no database thread, and
no pooled connection, waits on the provider while every conversation shares them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.conf import settings

from assistant.chat.models import Inbox
from assistant.chat.retrieval import aknowledge_for
from assistant.db_async import db_async
from assistant.privacy.outbound import CallScope
from assistant.privacy.policy import PrivacySettings
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def embeddings_that_can_hang(simulated_llm: Any) -> Any:
    # Long enough that a hanging request is still waiting when the test looks; the test cancels
    # the turns itself.
    simulated_llm.configure(
        openai_embedding_model="text-embedding-v4", embedding_dimensions=64, total_timeout=8.0
    )
    return simulated_llm


async def test_hanging_query_embeddings_leave_every_database_thread_free(
    embeddings_that_can_hang: Any,
) -> None:
    inbox = await db_async(factories.make_inbox)()
    scope = CallScope(inbox.pk, None, PrivacySettings())
    # More waiting turns than there are database threads.
    turns = [
        asyncio.create_task(
            aknowledge_for(f"[[fault:hang]] battery {n}", language="en", scope=scope)
        )
        for n in range(settings.DATABASE_THREADS + 2)
    ]
    try:
        await asyncio.sleep(0.5)  # every turn has sent its request and waits for the answer
        # Other conversations' database work goes on meanwhile, on every thread at once.
        counts = await asyncio.wait_for(
            asyncio.gather(
                *(db_async(Inbox.objects.count)() for _ in range(settings.DATABASE_THREADS * 2))
            ),
            timeout=5,
        )
        assert counts == [1] * (settings.DATABASE_THREADS * 2)
        assert not any(turn.done() for turn in turns)
    finally:
        for turn in turns:
            turn.cancel()
        await asyncio.gather(*turns, return_exceptions=True)


async def test_a_failing_embeddings_provider_still_lets_full_text_search_answer(
    embeddings_that_can_hang: Any,
) -> None:
    inbox = await db_async(factories.make_inbox)()
    scope = CallScope(inbox.pk, None, PrivacySettings())
    # No articles: nothing to find, and the provider's 500 is not the turn's failure.
    found = await aknowledge_for("[[fault:500]] battery", language="en", scope=scope)
    assert found.passages == []
