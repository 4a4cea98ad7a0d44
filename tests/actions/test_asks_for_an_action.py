"""Without a tool-calling model, which questions get "I can't look up your orders here" instead
of an answer from the articles: only those about the customer's own case, never a general
question the articles answer (an action's short description used to outscore the delivery
article for "How long does delivery take?")."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant.actions.tools import Toolbox, asks_for_an_action
from assistant.demo import DEMO_ACTIONS
from assistant.knowledge.chunking import chunk_markdown
from assistant.knowledge.demo import DEMO_ARTICLES
from assistant.llm.textmatch import rank

CHUNKS = [
    SimpleNamespace(title=path.stem, text=chunk.text)
    for path in sorted(DEMO_ARTICLES.rglob("*.md"))
    for chunk in chunk_markdown(path.read_text())
]
TOOLBOX = Toolbox(
    {a["name"]: SimpleNamespace(name=a["name"], description=a["description"]) for a in DEMO_ACTIONS}
)


def _passages(question: str) -> list[SimpleNamespace]:
    """The three demo passages that share most words with the question (as retrieval would)."""
    ranked = rank(question, [f"{c.title}\n{c.text}" for c in CHUNKS])[:3]
    return [CHUNKS[m.index] for m in ranked]


@pytest.mark.parametrize(
    "question",
    [
        "How long does delivery take?",
        "How long does delivery take in Europe?",
        "How much does shipping cost to Germany?",
        "How do returns work?",
        "What is your return policy?",
        "How long do I have to return a bike?",
        "Can I change my delivery address after ordering?",
        "My e-bike battery won't charge",
        "When are your stores open?",
    ],
)
def test_a_general_question_the_articles_answer_is_not_taken_for_an_action(question: str) -> None:
    assert not asks_for_an_action(question, toolbox=TOOLBOX, passages=_passages(question))


@pytest.mark.parametrize(
    "question",
    [
        "What is the status of my order 1042?",
        "I want to return order NW-1042",
        "Has my order shipped yet?",
    ],
)
def test_a_question_about_the_customers_own_order_is(question: str) -> None:
    assert asks_for_an_action(question, toolbox=TOOLBOX, passages=_passages(question))


def test_an_inbox_without_actions_never_asks_for_one() -> None:
    question = "What is the status of my order 1042?"
    assert not asks_for_an_action(question, toolbox=Toolbox(), passages=_passages(question))
