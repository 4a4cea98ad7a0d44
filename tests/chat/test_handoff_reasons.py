"""Every reason to hand a conversation to a person, with the offline responder and with a
model behind the OpenAI-compatible API (the simulator)."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.chat.models import Contact, Conversation
from assistant.db_async import db_async
from tests.chat.conftest import Widget, turns_finished

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["offline", "simulator"])
def model(request: Any) -> str:
    if request.param == "simulator":
        request.getfixturevalue("simulated_llm")
    return request.param


async def conversation_of(session: Any) -> Conversation:
    return await db_async(Conversation.objects.get)(contact=session.contact)


async def say_all(tab: Widget, texts: list[str]) -> None:
    for n, text in enumerate(texts):
        await tab.say(text, client_id=f"m{n}")
        # Wait until the turn is over: an answer, or the conversation left the assistant.
        while True:
            frame = await tab.receive(timeout=15)
            said_by_assistant = (
                frame["type"] == "message" and frame["message"]["author"]["kind"] == "assistant"
            )
            if (
                frame["type"] == "stream_end"
                or said_by_assistant
                or (frame["type"] == "state" and frame["conversation"]["state"] != "bot")
            ):
                break


async def handoff_reason(inbox: Any, new_session: Any, texts: list[str], **contact: Any) -> str:
    session = await new_session(inbox)
    if contact:
        await db_async(Contact.objects.filter(pk=session.contact.pk).update)(**contact)
    tab = Widget()
    await tab.hello(session.token)
    await say_all(tab, texts)
    await tab.close()
    await turns_finished((await conversation_of(session)).id)
    conversation = await conversation_of(session)
    return conversation.handoff_reason if conversation.state == "waiting" else ""


@pytest.mark.parametrize(
    "text",
    [
        "I want to talk to a human",
        "转人工",
        "quiero hablar con una persona",
        "Kann ich mit einem Menschen sprechen?",
    ],
)
async def test_asking_for_a_person_in_any_language(inbox, new_session, model, text) -> None:
    assert await handoff_reason(inbox, new_session, [text]) == "customer_request"


async def test_configured_keywords(inbox, new_session, model) -> None:
    inbox.handoff_keywords = ["chargeback"]
    await db_async(inbox.save)()
    assert await handoff_reason(inbox, new_session, ["I will file a Chargeback today"]) == "keyword"


async def test_negative_sentiment_or_abuse(inbox, new_session, model) -> None:
    assert (
        await handoff_reason(inbox, new_session, ["This is unacceptable, you are useless"])
        == "sentiment"
    )


async def test_identified_vip_customers(inbox, new_session, model) -> None:
    assert await handoff_reason(inbox, new_session, ["Hello"], is_vip=True) == "vip"


async def test_vip_customers_stay_with_the_assistant_where_the_inbox_rule_is_off(
    inbox, new_session, model
) -> None:
    inbox.vip_to_person = False
    await db_async(inbox.save)()
    assert await handoff_reason(inbox, new_session, ["Hello"], is_vip=True) == ""


async def test_two_dont_knows_in_a_row_offer_a_person_but_do_not_hand_over(
    inbox, new_session, model
) -> None:
    reason = await handoff_reason(
        inbox, new_session, ["What is your CEO's shoe size?", "Do you sell kayaks?"]
    )
    assert reason == ""


@pytest.mark.parametrize("yes", ["Yes, please!", "ja bitte", "はい", "是的"])
async def test_a_yes_to_the_offer_hands_over(inbox, new_session, model, yes) -> None:
    reason = await handoff_reason(inbox, new_session, ["Do you sell kayaks?", yes])
    assert reason == "customer_request"


@pytest.mark.parametrize("no", ["No thanks", "nein", "non merci", "不用了"])
async def test_a_no_to_the_offer_keeps_the_assistant_and_starts_counting_afresh(
    inbox, new_session, model, no
) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await say_all(tab, ["Do you sell kayaks?", no])
    await tab.close()
    conversation = await conversation_of(session)
    await turns_finished(conversation.id)
    conversation = await conversation_of(session)
    assert (conversation.state, conversation.dont_know_streak) == ("bot", 0)
    last = await db_async(lambda: conversation.messages.order_by("-seq").first())()
    assert last.author_kind == "assistant" and "keep helping you" in last.text


async def test_yes_without_an_offer_is_an_ordinary_message(
    inbox, new_session, model, with_passages
) -> None:
    reason = await handoff_reason(
        inbox, new_session, ["How long does delivery take in Europe?", "yes"]
    )
    assert reason == ""


async def test_a_customer_repeating_themselves(inbox, new_session, model, with_passages) -> None:
    texts = [
        "when will my delivery arrive?",
        "When will my delivery arrive??",
        "when will my delivery arrive",
    ]
    assert await handoff_reason(inbox, new_session, texts) == "repetition"


async def test_an_answered_question_stays_with_the_assistant(
    inbox, new_session, model, with_passages
) -> None:
    assert (
        await handoff_reason(inbox, new_session, ["How long does delivery take in Europe?"]) == ""
    )


async def test_the_model_calling_its_handoff_tool(
    inbox, new_session, simulated_llm, settings
) -> None:
    from assistant.llm.simulator import Rule

    rule = Rule.from_dict(
        {
            "pattern": "bike is smoking",
            "tool_calls": [{"name": "handoff", "arguments": {"reason": "safety"}}],
        }
    )
    simulated_llm.app.config.rules = [rule, *simulated_llm.app.config.rules]
    assert (
        await handoff_reason(inbox, new_session, ["My e-bike is smoking, what do I do?"])
        == "model_tool"
    )
