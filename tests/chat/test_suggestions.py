"""'Suggest a reply': offline the relevant passage as whole Markdown, with a model a grounded draft
or a request for details; never a "don't know" or an offer of a person to the agent."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.chat.models import Conversation
from assistant.chat.suggestions import NoGroundedDraft, draft_reply
from assistant.knowledge.demo import load_demo_articles
from assistant.llm.simulator import ASK_FOR_DETAILS
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_offline_draft_is_the_whole_passage_with_its_table() -> None:
    load_demo_articles()
    conversation = factories.make_conversation(
        factories.make_inbox(), text="How much does a new e-bike battery cost?"
    )
    draft = draft_reply(conversation)
    assert "| Battery | Price |\n|---|---|\n| Bosch PowerTube 500 Wh | €649 |" in draft
    assert not draft.startswith("|")
    assert "connect you" not in draft


def test_no_draft_offline_when_no_article_answers() -> None:
    load_demo_articles()
    conversation = factories.make_conversation(
        factories.make_inbox(), text="Do you sell saddles on Mars with lifetime guarantees?"
    )
    with pytest.raises(NoGroundedDraft):
        draft_reply(conversation)


def _system_prompt_sent(simulated_llm: Any) -> str:
    messages = simulated_llm.app.stats.last_request["messages"]
    return "\n".join(m["content"] for m in messages if m["role"] == "system")


def test_a_model_drafts_from_the_passages_without_offering_the_agent_a_person(
    simulated_llm: Any,
) -> None:
    load_demo_articles()
    conversation = factories.make_conversation(
        factories.make_inbox(), text="How much does a new e-bike battery cost?"
    )
    draft = draft_reply(conversation)
    assert "€649" in draft
    prompt = _system_prompt_sent(simulated_llm)
    assert "<passage number=" in prompt
    assert "and offer to connect the customer with a person" not in prompt
    assert "Never offer to connect the customer with a person" in prompt


def test_with_no_article_a_model_drafts_a_request_for_details_not_a_handoff(
    simulated_llm: Any,
) -> None:
    load_demo_articles()
    conversation = factories.make_conversation(
        factories.make_inbox(), text="Do you sell saddles on Mars with lifetime guarantees?"
    )
    draft = draft_reply(conversation)
    assert draft == ASK_FOR_DETAILS
    assert "connect you" not in draft
    assert "Reference passages: none match this question." in _system_prompt_sent(simulated_llm)


def test_a_draft_is_asked_for_in_the_customers_language(simulated_llm: Any) -> None:
    load_demo_articles()
    conversation = factories.make_conversation(
        factories.make_inbox(), text="Wie viel kostet ein neuer E-Bike-Akku?"
    )
    Conversation.objects.filter(pk=conversation.pk).update(language="de")
    conversation.refresh_from_db()
    draft_reply(conversation)
    assert "Reply in the customer's language (de)" in _system_prompt_sent(simulated_llm)
