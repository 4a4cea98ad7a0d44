"""Per article: how often answers cited it, and how the conversations citing it ended."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.chat import services
from assistant.chat.article_outcomes import article_outcomes
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

BATTERY = {"title": "Batteries", "url": "https://shop.example/help/batteries/"}
DELIVERY = {"title": "Delivery", "url": "https://shop.example/help/delivery/"}


def answered(inbox: Any, *cited: dict[str, str], times: int = 1) -> Any:
    conversation = factories.make_conversation(inbox, text="A question")
    for _ in range(times):
        services.assistant_message_store(
            conversation_id=conversation.id,
            language="en",
            text="An answer",
            citations=list(cited),
            result=None,
        )
    return conversation


def test_citations_hand_offs_and_ratings_are_counted_per_article() -> None:
    inbox = factories.make_inbox()
    answered(inbox, BATTERY, times=2)
    handed = answered(inbox, BATTERY, DELIVERY)
    services.conversation_handoff(conversation_id=handed.id, reason="customer_request")
    rated = answered(inbox, BATTERY)
    services.conversation_resolve(conversation_id=rated.id)
    services.conversation_rate(contact_id=rated.contact_id, score=4)
    outcomes = article_outcomes([BATTERY["url"], DELIVERY["url"], "https://shop.example/x/"])
    battery = outcomes[BATTERY["url"]]
    assert (battery.citations, battery.conversations, battery.handed_off) == (4, 3, 1)
    assert battery.handoff_rate == pytest.approx(1 / 3)
    assert (battery.ratings, battery.csat) == (1, 4.0)
    delivery = outcomes[DELIVERY["url"]]
    assert (delivery.citations, delivery.handoff_rate, delivery.csat) == (1, 1.0, None)
    assert "https://shop.example/x/" not in outcomes
    assert article_outcomes([]) == {}
