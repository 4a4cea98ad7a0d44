"""Never silent: while a customer waits for a person, the assistant keeps answering what the
knowledge base covers, until an agent joins; after a handoff that means only a person should
reply now, each new message is acknowledged with the wait instead."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.chat import services
from assistant.chat.models import Conversation, Message
from assistant.db_async import db_async
from tests import factories
from tests.chat.conftest import Widget, turns_finished
from tests.chat.test_handoff_reasons import conversation_of

pytestmark = pytest.mark.django_db(transaction=True)


async def waiting_conversation(inbox: Any, new_session: Any, reason: str) -> tuple[Any, Widget]:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.say("Hello", client_id="first")
    await tab.receive_until("stream_end")
    conversation = await conversation_of(session)
    await turns_finished(conversation.id)
    await db_async(services.conversation_handoff)(conversation_id=conversation.id, reason=reason)
    return session, tab


async def response_to(tab: Widget, session: Any, text: str, client_id: str) -> Message:
    await tab.say(text, client_id=client_id)
    conversation = await conversation_of(session)
    await turns_finished(conversation.id)
    return await db_async(lambda: conversation.messages.order_by("-seq").first())()


async def test_the_assistant_answers_while_the_customer_waits(
    inbox, new_session, with_passages
) -> None:
    session, tab = await waiting_conversation(inbox, new_session, "customer_request")
    answer = await response_to(tab, session, "How long does delivery take?", "q1")
    assert answer.author_kind == Message.Author.ASSISTANT
    assert "three to five days" in answer.text
    assert (await conversation_of(session)).state == Conversation.State.WAITING
    await tab.close()


async def test_it_stops_when_an_agent_joins(inbox, new_session, with_passages) -> None:
    session, tab = await waiting_conversation(inbox, new_session, "customer_request")
    agent = await db_async(factories.make_agent)("sam")
    conversation = await conversation_of(session)
    await db_async(services.conversation_takeover)(conversation_id=conversation.id, agent=agent)
    last = await response_to(tab, session, "How long does delivery take?", "q1")
    assert last.author_kind == Message.Author.CUSTOMER  # the agent answers, not the assistant
    await tab.close()


@pytest.mark.parametrize("reason", ["guardrail", "sentiment", "token_budget", "bot_disabled"])
async def test_after_a_quiet_handoff_each_message_is_acknowledged_with_the_wait(
    inbox, new_session, with_passages, reason
) -> None:
    session, tab = await waiting_conversation(inbox, new_session, reason)
    reply = await response_to(tab, session, "How long does delivery take?", "q1")
    assert reply.author_kind == Message.Author.SYSTEM
    assert reply.text.startswith("Thanks, your message is with our team.")
    await tab.close()


async def test_the_inbox_can_switch_answering_while_waiting_off(
    inbox, new_session, with_passages
) -> None:
    inbox.answer_while_waiting = False
    await db_async(inbox.save)()
    session, tab = await waiting_conversation(inbox, new_session, "customer_request")
    reply = await response_to(tab, session, "How long does delivery take?", "q1")
    assert reply.author_kind == Message.Author.SYSTEM and "with our team" in reply.text
    await tab.close()


async def test_a_question_it_cannot_answer_while_waiting_offers_no_person_but_the_wait(
    inbox, new_session
) -> None:
    """No help article covers it: the assistant says it doesn't know, without offering the
    person the customer already waits for, and restates where they stand."""
    session, tab = await waiting_conversation(inbox, new_session, "customer_request")
    await response_to(tab, session, "Do you sell skateboards?", "q1")
    conversation = await conversation_of(session)
    latest = await db_async(
        lambda: list(conversation.messages.order_by("-seq").values_list("author_kind", "text")[:3])
    )()
    (wait_kind, wait), (answer_kind, answer), (asked_kind, _asked) = latest
    assert asked_kind == Message.Author.CUSTOMER
    assert answer_kind == Message.Author.ASSISTANT
    assert answer == "I'm sorry, I don't know the answer to that from our help articles."
    assert wait_kind == Message.Author.SYSTEM
    assert wait.startswith("Thanks, your message is with our team.")
    # This inbox has no team at the desk: the customer is told so, and how to get the answer.
    assert "Nobody from our team is online right now." in wait
    assert conversation.state == Conversation.State.WAITING
    assert conversation.dont_know_streak == 0  # nothing was offered, so no answer is awaited
    await tab.close()
