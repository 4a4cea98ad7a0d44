"""assistant.chat.asking: the customer's message stored and its turn claimed in one database
call, and the claimed lock never left behind."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from assistant import kv
from assistant.chat import asking, reply, services, turns
from assistant.chat.models import Conversation
from assistant.db_async import db_async
from tests import factories
from tests.chat.conftest import Widget, turns_finished


def _lock_held(conversation_id: uuid.UUID) -> bool:
    return bool(kv.sync_redis().exists(f"lock:{reply.lock_name(conversation_id)}"))


@pytest.mark.django_db(transaction=True)
async def test_the_message_comes_back_with_its_turn_claimed_and_its_context_read(inbox) -> None:
    conversation = await db_async(lambda: factories.make_conversation(inbox, text="first"))()
    stored, claimed = await asking.customer_message_with_turn(
        contact_id=conversation.contact_id, text="When will my order arrive?", client_id="2"
    )
    assert stored.created and stored.message.seq == 2
    assert claimed is not None and _lock_held(conversation.pk)
    assert claimed.context is not None
    assert claimed.context.question == "When will my order arrive?"
    assert claimed.context.question_seq == 2
    await claimed.held_lock().release()
    assert not _lock_held(conversation.pk)


@pytest.mark.django_db(transaction=True)
async def test_nothing_is_claimed_while_a_turn_of_the_conversation_runs(inbox) -> None:
    conversation = await db_async(lambda: factories.make_conversation(inbox, text="first"))()
    running = kv.async_lock(reply.lock_name(conversation.pk), timeout=10)
    assert await running.acquire(blocking=False)
    try:
        stored, claimed = await asking.customer_message_with_turn(
            contact_id=conversation.contact_id, text="And returns?", client_id="2"
        )
    finally:
        await running.release()
    assert stored.created and claimed is None


@pytest.mark.django_db(transaction=True)
async def test_nothing_is_claimed_once_a_person_has_the_conversation(inbox) -> None:
    conversation = await db_async(lambda: factories.make_conversation(inbox, text="first"))()
    agent = await db_async(factories.make_agent)("ada")
    await db_async(services.conversation_takeover)(conversation_id=conversation.pk, agent=agent)
    stored, claimed = await asking.customer_message_with_turn(
        contact_id=conversation.contact_id, text="Hello?", client_id="2"
    )
    assert stored.conversation.state == Conversation.State.AGENT and claimed is None
    assert not _lock_held(conversation.pk)


@pytest.mark.django_db(transaction=True)
async def test_a_claimed_turn_stopped_before_it_began_gives_its_lock_back(inbox) -> None:
    conversation = await db_async(lambda: factories.make_conversation(inbox, text="first"))()
    _stored, claimed = await asking.customer_message_with_turn(
        contact_id=conversation.contact_id, text="Where is my parcel?", client_id="2"
    )
    assert claimed is not None
    asking.start_turn(conversation.pk, claimed)
    turns.stop(conversation.pk)  # before the turn's task took its first step
    await turns_finished(conversation.pk)
    for _ in range(50):
        if not _lock_held(conversation.pk):
            break
        await asyncio.sleep(0.02)
    assert not claimed.taken
    assert not _lock_held(conversation.pk)
    turns.clear_stop(conversation.pk)


@pytest.mark.django_db(transaction=True)
async def test_the_claimed_turn_answers_and_lets_the_next_message_have_its_own(
    inbox, new_session, simulated_llm, with_passages
) -> None:
    simulated_llm.configure(routes={"classification": ["offline"]})
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    for client_id in ("1", "2"):
        await tab.say("When will my order arrive?", client_id)
        end, _ = await tab.receive_until("stream_end")
        conversation_id = uuid.UUID(end["message"]["conversation_id"])
        await turns_finished(conversation_id)
        assert end["message"]["author"]["kind"] == "assistant"
        assert not _lock_held(conversation_id)
    await tab.close()
