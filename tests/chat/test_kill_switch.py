"""The assistant's kill switch per inbox: off means every conversation goes to people, at once,
including an answer being written at that moment."""

import asyncio
import json

import pytest

from assistant.chat import services
from assistant.chat.models import Conversation, Inbox, Message
from assistant.db_async import db_async
from assistant.usage.models import ModelCall
from tests import factories
from tests.chat.conftest import Widget


@pytest.mark.django_db
def test_switching_off_hands_every_assistant_conversation_to_people() -> None:
    inbox, other = factories.make_inbox(), factories.make_inbox()
    with_bot = [factories.make_conversation(inbox, client_id=f"b{n}") for n in range(2)]
    with_agent = factories.make_conversation(inbox, client_id="a1")
    agent = factories.make_user("kim")
    services.conversation_takeover(conversation_id=with_agent.id, agent=agent)
    elsewhere = factories.make_conversation(other)

    handed = services.inbox_set_assistant(inbox_id=inbox.pk, enabled=False)

    assert handed == 2
    for conversation in with_bot:
        conversation.refresh_from_db()
        assert (conversation.state, conversation.handoff_reason) == ("waiting", "bot_disabled")
        assert conversation.messages.filter(author_kind="system").exists()
    with_agent.refresh_from_db()
    elsewhere.refresh_from_db()
    assert with_agent.state == "agent" and elsewhere.state == "bot"
    assert Inbox.objects.get(pk=inbox.pk).bot_enabled is False
    # Switching off twice hands over nothing more and breaks nothing.
    assert services.inbox_set_assistant(inbox_id=inbox.pk, enabled=False) == 0


@pytest.mark.django_db
def test_while_off_new_conversations_wait_for_a_person_and_cannot_be_handed_back() -> None:
    inbox = factories.make_inbox()
    services.inbox_set_assistant(inbox_id=inbox.pk, enabled=False)

    conversation = factories.make_conversation(inbox)
    assert (conversation.state, conversation.handoff_reason) == ("waiting", "bot_disabled")
    agent = factories.make_user("lee")
    services.conversation_takeover(conversation_id=conversation.id, agent=agent)
    with pytest.raises(services.ChatError) as refused:
        services.conversation_handback(conversation_id=conversation.id)
    assert refused.value.code == "assistant_off"

    services.inbox_set_assistant(inbox_id=inbox.pk, enabled=True)
    assert factories.make_conversation(inbox, client_id="later").state == "bot"
    services.conversation_handback(conversation_id=conversation.id)  # allowed again


@pytest.mark.django_db(transaction=True)
async def test_switching_off_stops_an_answer_mid_stream(inbox, new_session, simulated_llm) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.send({"type": "message", "client_id": "1", "text": "tell me a long story"})
    await tab.receive_until("stream_delta")

    handed = await db_async(services.inbox_set_assistant)(inbox_id=inbox.pk, enabled=False)

    assert handed == 1
    end, frames = await tab.receive_until("stream_end")
    assert end["message"] is None  # the partial answer is withdrawn, not stored
    states = [f["conversation"]["state"] for f in frames if f["type"] == "state"]
    assert states[-1] == "waiting"
    await asyncio.sleep(0.3)  # nothing more arrives from the stopped turn
    assert not [f for f in await tab.drain(0.3) if f["type"].startswith("stream")]
    conversation = await db_async(Conversation.objects.get)(contact=session.contact)
    kinds = await db_async(
        lambda: list(conversation.messages.order_by("seq").values_list("author_kind", flat=True))
    )()
    assert kinds == [Message.Author.CUSTOMER, Message.Author.SYSTEM]
    call = await db_async(ModelCall.objects.get)(purpose="reply")
    assert call.outcome == "cancelled"

    # The next message is not answered by the assistant.
    await tab.send({"type": "message", "client_id": "2", "text": "hello?"})
    await tab.receive_until("ack")
    assert not [f for f in await tab.drain(1.0) if f["type"].startswith("stream")]
    await tab.close()


@pytest.mark.django_db
def test_switching_off_in_the_admin_hands_conversations_over_too(admin_client) -> None:
    inbox = factories.make_inbox(name="Admin shop")
    talking = factories.make_conversation(inbox)
    form = {
        "name": inbox.name,
        "allowed_origins": json.dumps(inbox.allowed_origins),
        "default_language": "en",
        "greeting": inbox.greeting,
        "instructions": inbox.instructions,
        "model_route": "reply",
        "model_split_percent": "0",
        "token_budget": str(inbox.token_budget),
        "handoff_keywords": "[]",
        "idle_resolve_minutes": "60",
        # bot_enabled unchecked: off
    }

    response = admin_client.post(f"/admin/chat/inbox/{inbox.pk}/change/", form, follow=True)

    assert response.status_code == 200
    assert "1 conversation went to people" in response.content.decode()
    talking.refresh_from_db()
    assert (talking.state, talking.handoff_reason) == ("waiting", "bot_disabled")
