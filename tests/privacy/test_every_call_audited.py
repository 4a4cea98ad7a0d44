"""Every call that leaves for a model provider, whatever its purpose, is pseudonymised when the
provider is external and recorded in the audit log: the reply (tests/chat/
test_privacy_in_the_turn.py), and here the knowledge search's query embedding, the
classification beside an answer, the handoff summary, the agent's suggested draft, and the
embeddings of published articles."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync

from assistant import calls
from assistant.chat.classifier import classify
from assistant.chat.models import Conversation
from assistant.chat.retrieval import knowledge_for
from assistant.chat.suggestions import draft_reply
from assistant.knowledge.indexing import embed_chunks_now
from assistant.knowledge.models import Chunk
from assistant.knowledge.services import ArticleData, article_create
from assistant.llm.types import Message
from assistant.privacy.models import OutboundCallAudit
from assistant.privacy.outbound import CallScope
from assistant.privacy.policy import PrivacySettings
from assistant.usage.models import ModelCall
from tests import factories
from tickets.summaries import summarise

pytestmark = pytest.mark.django_db

EMAIL = "grace.hopper@example.com"
QUESTION = f"My order never came, write to me at {EMAIL} please"


@pytest.fixture
def external_model(simulated_llm: Any) -> Any:
    """The simulator labelled as the external provider it stands in for, with embeddings."""
    simulated_llm.configure(
        openai_hosting="external",
        openai_jurisdiction="US",
        openai_embedding_model="text-embedding-v4",
        embedding_dimensions=64,
    )
    return simulated_llm


def audits(purpose: str) -> list[OutboundCallAudit]:
    return list(OutboundCallAudit.objects.filter(purpose=purpose))


def assert_one_model_call(conversation: Conversation, purpose: str) -> None:
    """The audited call wrote the call's ModelCall row too, and counted its tokens against the
    conversation's budget (no caller has to remember either)."""
    (call,) = ModelCall.objects.filter(conversation=conversation)
    assert (call.purpose, call.inbox_id, call.outcome) == (purpose, conversation.inbox_id, "ok")
    assert call.input_tokens > 0 and call.output_tokens > 0
    conversation.refresh_from_db()
    assert conversation.tokens_used == call.input_tokens + call.output_tokens


def test_the_customers_question_is_pseudonymised_before_it_is_embedded(external_model) -> None:
    conversation = factories.make_conversation(factories.make_inbox(), text=QUESTION)
    scope = CallScope(conversation.inbox_id, conversation.id, PrivacySettings())

    knowledge_for(QUESTION, language="en", scope=scope)

    sent = external_model.app.stats.embedding_inputs
    assert sent and EMAIL not in json.dumps(sent) and "[EMAIL_1]" in sent[0]
    (audit,) = audits("embeddings")
    assert (audit.inbox_id, audit.conversation_id) == (conversation.inbox_id, conversation.id)
    assert audit.redacted and audit.outcome == "ok" and audit.redaction_counts == {"EMAIL": 1}
    assert (audit.provider, audit.jurisdiction, audit.hosting) == ("openai", "US", "external")


def test_an_embeddings_provider_outside_the_inboxs_jurisdictions_receives_nothing(
    external_model,
) -> None:
    conversation = factories.make_conversation(factories.make_inbox(), text=QUESTION)
    scope = CallScope(
        conversation.inbox_id, conversation.id, PrivacySettings(allowed_jurisdictions=("China",))
    )

    knowledge_for(QUESTION, language="en", scope=scope)  # full-text search still answers

    assert external_model.app.stats.embedding_requests == 0
    assert audits("embeddings") == []


@pytest.mark.django_db(transaction=True)  # the call runs in the event loop, audited from there
def test_the_classification_call_is_redacted_and_audited(external_model) -> None:
    conversation = factories.make_conversation(factories.make_inbox(), text=QUESTION)

    async_to_sync(classify)(
        QUESTION,
        privacy=PrivacySettings(),
        inbox_id=conversation.inbox_id,
        conversation_id=conversation.id,
    )

    assert EMAIL not in json.dumps(external_model.app.stats.requests)
    (audit,) = audits("classification")
    assert audit.conversation_id == conversation.id and audit.redacted
    assert audit.redaction_counts == {"EMAIL": 1}
    assert_one_model_call(conversation, "classification")


def test_the_handoff_summary_call_is_redacted_and_audited(external_model) -> None:
    conversation = factories.make_conversation(factories.make_inbox(), text=QUESTION)

    summarise(conversation)

    assert EMAIL not in json.dumps(external_model.app.stats.requests)
    (audit,) = audits("summary")
    assert audit.conversation_id == conversation.id and audit.redacted
    assert audit.redaction_counts.get("EMAIL") == 1
    assert_one_model_call(conversation, "summary")


def test_the_agents_suggested_draft_is_redacted_and_audited(external_model) -> None:
    conversation = factories.make_conversation(factories.make_inbox(), text=QUESTION)

    draft_reply(conversation)

    assert EMAIL not in json.dumps(external_model.app.stats.requests)
    assert EMAIL not in json.dumps(external_model.app.stats.embedding_inputs)
    (audit,) = audits("suggestion")
    assert audit.conversation_id == conversation.id and audit.redacted
    assert [a.conversation_id for a in audits("embeddings")] == [conversation.id]
    assert_one_model_call(conversation, "suggestion")


def test_an_agents_desk_search_is_pseudonymised_and_audited(external_model, client) -> None:
    # Before the one audited call, the desk's search box sent an agent's words to the embeddings
    # provider as typed, with no audit row.
    agent = factories.make_agent("search-agent")
    client.force_login(agent)

    response = client.get("/desk/articles/", {"q": f"refund for {EMAIL}"})

    assert response.status_code == 200
    sent = external_model.app.stats.embedding_inputs
    assert sent and EMAIL not in json.dumps(sent) and "[EMAIL_1]" in sent[0]
    (audit,) = audits("embeddings")
    assert audit.inbox_id is None and audit.redacted and audit.redaction_counts == {"EMAIL": 1}


def test_article_embeddings_are_audited_without_an_inbox(external_model) -> None:
    article = article_create(
        data=ArticleData(
            title="Returns", body="Send it back within 30 days.", locale="en", status="published"
        )
    )
    chunk_ids = list(Chunk.objects.filter(article=article).values_list("pk", flat=True))
    embed_chunks_now(chunk_ids)  # what the queued task does (a no-op if it already ran)

    assert not Chunk.objects.filter(pk__in=chunk_ids, embedding_model="").exists()
    (audit,) = audits("embeddings")
    assert audit.inbox_id is None and audit.conversation_id is None
    assert not audit.redacted and audit.outcome == "ok" and audit.redacted_payload == ""


@pytest.mark.django_db(transaction=True)
async def test_a_whole_reply_turn_audits_each_call_and_leaks_nothing(external_model) -> None:
    from assistant.db_async import db_async
    from tests.chat.conftest import Widget

    inbox = await db_async(factories.make_inbox)()
    session = await db_async(factories.make_session)(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.say(QUESTION, client_id="pii")
    await tab.receive_until("stream_end")
    await tab.close()

    assert EMAIL not in json.dumps(external_model.app.stats.requests)
    assert EMAIL not in json.dumps(external_model.app.stats.embedding_inputs)
    rows = await db_async(
        lambda: list(OutboundCallAudit.objects.values_list("purpose", "conversation_id"))
    )()
    purposes = {purpose for purpose, _conversation in rows}
    assert {"reply", "embeddings", "classification"} <= purposes
    assert len({conversation for _purpose, conversation in rows}) == 1


@pytest.mark.django_db(transaction=True)  # the records are written on a database thread
def test_a_streamed_answer_that_could_not_be_stored_is_still_on_record(external_model) -> None:
    # The reply turn stores its answer inside the call's records' transaction; if storing
    # fails, the call must not vanish with it.
    conversation = factories.make_conversation(factories.make_inbox(), text=QUESTION)
    scope = CallScope(conversation.inbox_id, conversation.id, PrivacySettings())

    def failing_store(result: Any) -> Any:
        ModelCall.objects.create(purpose="reply", provider="rolled", model="back", outcome="ok")
        raise RuntimeError("the answer could not be stored")

    async def answer() -> None:
        call = calls.stream([Message(role="user", content=QUESTION)], purpose="reply", scope=scope)
        async with call:
            async for _event in call:
                pass
            call.finish_with(failing_store)

    with pytest.raises(RuntimeError, match="could not be stored"):
        async_to_sync(answer)()
    (call,) = ModelCall.objects.all()  # the store's own row rolled back, the call's is there
    assert (call.purpose, call.conversation_id, call.message_id) == ("reply", conversation.id, None)
    assert len(audits("reply")) == 1


def test_only_the_audited_call_writes_model_call_rows() -> None:
    # Structural too: an import-linter contract lets only assistant.calls import the usage
    # services; this catches a row written straight through the model.
    root = Path(__file__).resolve().parents[2]
    writers = [
        str(path.relative_to(root))
        for package in ("assistant", "tickets", "analytics")
        for path in (root / package).rglob("*.py")
        if "migrations" not in path.parts
        and re.search(
            r"ModelCall(\.objects\.(create|bulk_create)|\((?!models\.Model\)))", path.read_text()
        )
    ]
    # The one exception: the demo's generated history (assistant/demo_history.py) writes the
    # made-up past calls of its made-up conversations; no model is called, nothing is sent.
    assert sorted(writers) == ["assistant/demo_history.py", "assistant/usage/services.py"]
