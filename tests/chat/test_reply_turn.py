"""The reply turn against a real OpenAI-compatible server (the simulator) over HTTP."""

import asyncio
import json
import time
import uuid

import pytest

from assistant.chat import services
from assistant.chat.models import Conversation, Message
from assistant.db_async import db_async
from assistant.usage.models import ModelCall
from tests import factories
from tests.chat.conftest import Widget, turns_finished

pytestmark = pytest.mark.django_db(transaction=True)


async def test_tokens_reach_the_widget_as_the_model_produces_them(
    inbox, new_session, simulated_llm
) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.send({"type": "message", "client_id": "1", "text": "tell me a long story"})
    arrivals = []
    while True:
        frame = await tab.receive()
        if frame["type"] == "stream_delta":
            arrivals.append(time.monotonic())
        if frame["type"] == "stream_end":
            break
    # 120 words at 200 tokens/s take about half a second to generate; forwarded one by one,
    # they arrive spread over that time, not in one burst at the end.
    assert len(arrivals) >= 60
    assert arrivals[-1] - arrivals[0] > 0.25
    assert frame["message"]["text"].startswith("word0 word1")
    call = await db_async(ModelCall.objects.get)(purpose="reply")
    assert (call.provider, call.model, call.outcome, call.fallback_used) == (
        "openai",
        "qwen-plus",
        "ok",
        False,
    )
    assert call.input_tokens > 0 and call.output_tokens > 0
    assert call.time_to_first_token_ms >= 40
    await tab.close()


async def test_a_failing_provider_falls_back_to_the_offline_responder(
    inbox, new_session, simulated_llm
) -> None:
    simulated_llm.app.queue_fault("500", count=5)
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.send({"type": "message", "client_id": "1", "text": "Where is my parcel?"})
    end, _ = await tab.receive_until("stream_end")
    assert end["message"]["author"]["kind"] == "assistant"
    call = await db_async(ModelCall.objects.get)(purpose="reply")
    assert (call.provider, call.fallback_used) == ("offline", True)
    await tab.close()


@pytest.mark.parametrize("fault", ["500", "429", "hang", "malformed"])
async def test_when_every_provider_fails_the_customer_gets_an_apology_and_a_human(
    inbox, new_session, simulated_llm, fault
) -> None:
    simulated_llm.configure(
        routes={"reply": ["openai"]}, first_token_timeout=0.5, total_timeout=2.0
    )
    simulated_llm.app.queue_fault(fault, count=5)
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    started = time.monotonic()
    await tab.send({"type": "message", "client_id": "1", "text": "Where is my parcel?"})
    frames = []
    while not any(f["type"] == "state" and f["conversation"]["state"] == "waiting" for f in frames):
        frames.append(await tab.receive())
    apology = [
        f for f in frames if f["type"] == "message" and f["message"]["author"]["kind"] == "system"
    ]
    assert apology and "person" in apology[-1]["message"]["text"]
    assert time.monotonic() - started < 10  # bounded by the timeouts, never a hang
    conversation = await db_async(Conversation.objects.get)(contact=session.contact)
    assert conversation.handoff_reason == "model_error"
    call = await db_async(ModelCall.objects.get)(purpose="reply")
    assert call.outcome != "ok"
    await tab.close()


async def test_a_takeover_stops_the_assistant_mid_answer(inbox, new_session, simulated_llm) -> None:
    agent = await db_async(factories.make_user)("agent-takeover", first_name="Alex")
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.send({"type": "message", "client_id": "1", "text": "tell me a long story"})
    await tab.receive_until("stream_delta")
    conversation = await db_async(Conversation.objects.get)(contact=session.contact)
    await db_async(services.conversation_takeover)(conversation_id=conversation.id, agent=agent)

    end, frames = await tab.receive_until("stream_end")
    assert end["message"] is None  # the partial answer is withdrawn
    states = [f for f in frames if f["type"] == "state"]
    assert states and states[-1]["conversation"]["state"] == "agent"
    assert states[-1]["conversation"]["agent"] == "Alex"
    await asyncio.sleep(0.3)
    kinds = await db_async(
        lambda: list(
            Message.objects.filter(conversation=conversation).values_list("author_kind", flat=True)
        )
    )()
    assert kinds == ["customer", "system"]
    call = await db_async(ModelCall.objects.get)(purpose="reply")
    assert call.outcome == "cancelled"
    await tab.close()


@pytest.mark.parametrize("watched", [True, False])
async def test_deltas_reach_the_conversations_group_only_while_a_desk_shows_it(
    inbox, new_session, simulated_llm, watched
) -> None:
    from channels.layers import get_channel_layer

    from assistant.chat import events
    from tickets import presence

    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.send({"type": "message", "client_id": "1", "text": "hello there"})
    first, _ = await tab.receive_until("stream_end")
    conversation_id = first["message"]["conversation_id"]
    # A desk's channel on the conversation's group, as tickets.consumers joins it.
    layer = get_channel_layer()
    desk = await layer.new_channel()
    await layer.group_add(events.conversation_group(conversation_id), desk)
    if watched:
        await presence.touch(conversation_id, user_id=1, name="Ana")

    await tab.send({"type": "message", "client_id": "2", "text": "tell me a long story"})
    _, widget_frames = await tab.receive_until("stream_end")
    desk_frames = []
    while not desk_frames or desk_frames[-1]["type"] != "stream_end":
        envelope = await asyncio.wait_for(layer.receive(desk), 10)
        desk_frames.append(json.loads(envelope["text"]))

    kinds = [f["type"] for f in desk_frames]
    widget_text = "".join(f["text"] for f in widget_frames if f["type"] == "stream_delta")
    desk_text = "".join(f["text"] for f in desk_frames if f["type"] == "stream_delta")
    assert desk_frames[-1]["message"]["text"].startswith("word0")
    # The customer always gets every delta; the desk only while it is there to show them (and
    # then from stream_start on); the whole answer in stream_end in any case.
    assert widget_text.strip() == desk_frames[-1]["message"]["text"]
    assert desk_text == (widget_text if watched else "")
    assert ("stream_start" in kinds) is watched
    if watched:
        await presence.leave(conversation_id, user_id=1)
    await tab.close()


async def test_each_answer_counts_its_tokens_against_the_conversation_budget(
    inbox, new_session, simulated_llm
) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    for client_id in ("1", "2"):
        await tab.say("tell me a story", client_id)
        end, _ = await tab.receive_until("stream_end")
    await turns_finished(uuid.UUID(end["message"]["conversation_id"]))

    def spent() -> tuple[int, int]:
        conversation = Conversation.objects.get()
        calls = ModelCall.objects.filter(conversation=conversation)  # replies and any others
        return conversation.tokens_used, sum(c.input_tokens + c.output_tokens for c in calls)

    tokens_used, calls_total = await db_async(spent)()
    assert tokens_used == calls_total > 0
    assert await db_async(ModelCall.objects.filter(purpose="reply").count)() == 2
    await tab.close()


async def test_a_message_written_while_an_answer_streams_is_answered_after_it(
    inbox, new_session, simulated_llm
) -> None:
    """The second question is stored before the first answer (which is stored when it ends):
    the turn still answers it, rather than taking the customer's question for answered."""
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.send({"type": "message", "client_id": "1", "text": "tell me a long story"})
    await tab.receive_until("stream_delta")
    await tab.send({"type": "message", "client_id": "2", "text": "And how long is delivery?"})
    await tab.receive_until("stream_end")
    await tab.receive_until("stream_end")  # the answer to the second question
    conversation = await db_async(Conversation.objects.get)(contact_id=session.contact.id)
    await turns_finished(conversation.id)
    kinds = await db_async(
        lambda: list(conversation.messages.order_by("seq").values_list("author_kind", flat=True))
    )()
    assert kinds == ["customer", "customer", "assistant", "assistant"]
    await tab.close()
