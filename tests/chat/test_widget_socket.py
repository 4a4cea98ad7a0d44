"""The widget WebSocket, frame by frame, against the real ASGI app, PostgreSQL and Redis."""

import uuid

import pytest
from django.core import signing
from django.test import override_settings

from assistant.chat import consumers, tokens
from assistant.chat.models import Conversation, Message
from assistant.db_async import db_async
from assistant.usage.models import ModelCall
from tests import factories
from tests.chat.conftest import Widget, turns_finished

pytestmark = pytest.mark.django_db(transaction=True)


@db_async
def stored(contact_id) -> list[tuple[int, str, str]]:
    return list(
        Message.objects.filter(conversation__contact_id=contact_id)
        .order_by("conversation__created_at", "seq")
        .values_list("seq", "author_kind", "text")
    )


async def test_a_message_is_acknowledged_echoed_and_answered_by_the_assistant(
    inbox, new_session
) -> None:
    session = await new_session(inbox)
    tab = Widget()
    welcome = await tab.hello(session.token)
    assert welcome["conversation"] is None and welcome["messages"] == []

    await tab.send({"type": "message", "client_id": "c-1", "text": "Where is my order?"})
    end, frames = await tab.receive_until("stream_end")
    kinds = [f["type"] for f in frames]
    assert kinds.index("ack") < kinds.index("stream_start") < kinds.index("stream_delta")
    ack = frames[kinds.index("ack")]
    echo = next(f for f in frames if f["type"] == "message")
    assert (ack["client_id"], ack["seq"]) == ("c-1", 1)
    assert ack["conversation_id"] == echo["conversation_id"]
    assert echo["message"]["author"]["kind"] == "customer" and echo["message"]["seq"] == 1
    streamed = "".join(f["text"] for f in frames if f["type"] == "stream_delta")
    assert end["message"]["seq"] == 2
    assert end["message"]["author"]["kind"] == "assistant"
    assert end["message"]["text"] == streamed.strip()
    # With no knowledge passages the offline responder says it doesn't know and offers a human.
    assert "don't know" in end["message"]["text"]
    assert await stored(session.contact.id) == [
        (1, "customer", "Where is my order?"),
        (2, "assistant", streamed.strip()),
    ]
    call = await db_async(ModelCall.objects.get)()
    assert (call.purpose, call.provider, call.outcome) == ("reply", "offline", "ok")
    assert call.message_id is not None and call.time_to_first_token_ms is not None
    await tab.close()


async def test_the_same_client_id_twice_is_stored_once(inbox, new_session) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    first = await tab.say("Hello", client_id="same")
    await tab.receive_until("stream_end")
    again = await tab.say("Hello", client_id="same")
    assert first["seq"] == again["seq"] == 1
    assert [row[:2] for row in await stored(session.contact.id)] == [
        (1, "customer"),
        (2, "assistant"),
    ]
    await tab.close()


async def test_a_reconnecting_tab_gets_exactly_the_gap_in_order(inbox, new_session) -> None:
    session = await new_session(inbox)
    # The assistant switched off: no answers, only the acknowledgement of each later message.
    inbox.bot_enabled = False
    await db_async(inbox.save)()
    tab = Widget()
    await tab.hello(session.token)
    await tab.say("one", client_id="1")
    await tab.close()

    other = Widget()
    welcome = await other.hello(session.token)
    conversation_id = welcome["conversation"]["id"]
    for n in ("two", "three", "four"):
        await other.say(n, client_id=n)
    await other.close()
    await turns_finished(uuid.UUID(conversation_id))

    back = Widget()
    welcome = await back.hello(session.token, last_seq=1, conversation_id=conversation_id)
    texts = [m["text"] for m in welcome["messages"] if m["author"]["kind"] == "customer"]
    assert texts == ["two", "three", "four"]
    seqs = [m["seq"] for m in welcome["messages"]]
    assert seqs == sorted(seqs) and seqs[0] > 1
    # Asking again with the newest seq gives nothing: nothing arrives twice. Live messages may
    # still reach the new tab meanwhile (one announced as it subscribed, or a later system notice
    # of the handoff); each carries its seq, and the widget keeps one message per seq.
    await back.send({"type": "resume", "last_seq": seqs[-1], "conversation_id": conversation_id})
    again, before = await back.receive_until("welcome")
    assert again["messages"] == []
    live = [f["message"]["seq"] for f in before if f["type"] == "message"]
    assert len(live) == len(set(live)), live
    await back.close()


async def test_several_tabs_of_one_visitor_see_the_same_conversation(inbox, new_session) -> None:
    session = await new_session(inbox)
    first, second = Widget(), Widget()
    await first.hello(session.token)
    await second.hello(session.token)
    await first.say("from tab one", client_id="t1")
    seen, _ = await second.receive_until("message")
    assert seen["message"]["text"] == "from tab one"
    end, _ = await second.receive_until("stream_end")
    assert end["message"]["author"]["kind"] == "assistant"
    await first.close()
    await second.close()


async def test_malformed_frames_get_errors_and_the_connection_survives(inbox, new_session) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.socket.send_to(text_data="{not json")
    assert (await tab.receive())["code"] == "bad_json"
    await tab.socket.send_to(text_data='["a list"]')
    assert (await tab.receive())["code"] == "bad_json"
    await tab.socket.send_to(bytes_data=b"\xff\xfe binary")
    assert (await tab.receive())["code"] == "bad_json"
    await tab.send({"type": "launch_missiles"})
    assert (await tab.receive())["code"] == "unknown_type"
    await tab.send({"no": "type"})
    assert (await tab.receive())["code"] == "unknown_type"
    invalid_frames = [
        {"type": "message", "text": "hi"},
        {"type": "message", "client_id": "x" * 65, "text": "hi"},
        {"type": "message", "client_id": "ok", "text": 42},
        {"type": "rate", "score": 9},
        {"type": "rate", "score": True},
    ]
    for bad in invalid_frames:
        await tab.send(bad)
        assert (await tab.receive())["code"] == "invalid", bad
    await tab.send({"type": "ping"})
    assert await tab.receive() == {"type": "pong"}
    assert await stored(session.contact.id) == []
    await tab.close()


async def test_an_overlong_message_is_refused_and_nothing_is_stored(inbox, new_session) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.send({"type": "message", "client_id": "long", "text": "x" * 4001})
    error = await tab.receive()
    assert (error["code"], error["client_id"]) == ("too_long", "long")
    assert (await tab.say("x" * 4000, client_id="fits"))["seq"] == 1
    await tab.close()


@override_settings(WIDGET_RATE_LIMITS={"visitor": 3, "ip": 100, "inbox": 100, "session_ip": 100})
async def test_a_flooding_visitor_is_rate_limited_without_losing_state(inbox, new_session) -> None:
    inbox.bot_enabled = False
    await db_async(inbox.save)()
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    for n in range(3):
        await tab.say(f"m{n}", client_id=f"m{n}")
    await tab.send({"type": "message", "client_id": "m3", "text": "one too many"})
    error, _ = await tab.receive_until("error")
    assert (
        error["code"] == "rate_limited" and error["retry_after"] > 0 and error["client_id"] == "m3"
    )
    await tab.send({"type": "ping"})
    assert (await tab.receive_until("pong"))[0] == {"type": "pong"}
    assert [t for _, kind, t in await stored(session.contact.id) if kind == "customer"] == [
        "m0",
        "m1",
        "m2",
    ]
    await tab.close()


async def test_the_first_frame_must_be_hello(inbox, new_session) -> None:
    tab = Widget()
    await tab.open()
    await tab.send({"type": "message", "client_id": "1", "text": "hi"})
    assert await tab.closed_with() == consumers.CLOSE_BAD_HELLO


@pytest.mark.parametrize(
    "token",
    ["", "garbage", None, 42, "x" * 600],
)
async def test_a_malformed_token_is_refused(inbox, token) -> None:
    tab = Widget()
    await tab.open()
    await tab.send({"type": "hello", "token": token})
    assert await tab.closed_with() == consumers.CLOSE_BAD_TOKEN


async def test_a_forged_token_is_refused(inbox, new_session) -> None:
    session = await new_session(inbox)
    # Claims for this inbox signed with another key: the signature does not match.
    forged = signing.dumps(
        {"i": inbox.id, "c": str(session.contact.id)},
        key="attacker-key" * 5,
        salt="assistant.chat.widget-session",
    )
    tab = Widget()
    await tab.open()
    await tab.send({"type": "hello", "token": forged})
    assert await tab.closed_with() == consumers.CLOSE_BAD_TOKEN


async def test_an_expired_token_is_refused(inbox, new_session, monkeypatch) -> None:
    session = await new_session(inbox)
    monkeypatch.setattr(tokens, "SESSION_TOKEN_MAX_AGE", -1)
    tab = Widget()
    await tab.open()
    await tab.send({"type": "hello", "token": session.token})
    assert await tab.closed_with() == consumers.CLOSE_BAD_TOKEN


async def test_a_socket_from_a_foreign_origin_is_refused(inbox, new_session) -> None:
    session = await new_session(inbox)
    for origin in (factories.OTHER_SITE, None):
        tab = Widget(origin=origin)
        await tab.open()
        await tab.send({"type": "hello", "token": session.token})
        assert await tab.closed_with() == consumers.CLOSE_ORIGIN


async def test_a_token_replayed_from_another_inboxs_site_is_refused(inbox, new_session) -> None:
    await db_async(factories.make_inbox)(allowed_origins=[factories.OTHER_SITE])
    session = await new_session(inbox)
    tab = Widget(origin=factories.OTHER_SITE)
    await tab.open()
    await tab.send({"type": "hello", "token": session.token})
    assert await tab.closed_with() == consumers.CLOSE_ORIGIN
    # The same token from its own inbox's site is accepted: the refusal was the origin.
    own = Widget()
    assert (await own.hello(session.token))["type"] == "welcome"
    await own.close()


async def test_a_silent_socket_is_closed(inbox, monkeypatch) -> None:
    monkeypatch.setattr(consumers, "HELLO_TIMEOUT", 0.2)
    tab = Widget()
    await tab.open()
    assert await tab.closed_with() == consumers.CLOSE_HELLO_TIMEOUT


async def test_another_customers_conversation_is_never_reachable(inbox, new_session) -> None:
    alice, bob = await new_session(inbox), await new_session(inbox)
    alice_tab = Widget()
    await alice_tab.hello(alice.token)
    await alice_tab.say("my address is 1 Secret Lane", client_id="a1")
    await alice_tab.receive_until("stream_end")
    conversation_id = (await db_async(Conversation.objects.get)(contact=alice.contact)).id

    bob_tab = Widget()
    welcome = await bob_tab.hello(bob.token, last_seq=0, conversation_id=str(conversation_id))
    assert welcome["conversation"] is None and welcome["messages"] == []
    await bob_tab.send({"type": "resume", "last_seq": 0, "conversation_id": str(conversation_id)})
    resumed = await bob_tab.receive()
    assert "Secret Lane" not in str(resumed)
    # Bob's own messages go to Bob's own conversation, and Alice's tab hears nothing of them.
    await bob_tab.say("hello", client_id="a1")
    assert await db_async(Conversation.objects.filter(contact=bob.contact).count)() == 1
    assert await alice_tab.socket.receive_nothing(timeout=0.5)
    await alice_tab.close()
    await bob_tab.close()


async def test_with_the_assistant_switched_off_messages_wait_for_a_human(
    inbox, new_session
) -> None:
    inbox.bot_enabled = False
    await db_async(inbox.save)()
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.say("I need help", client_id="1")
    conversation = await db_async(Conversation.objects.get)(contact=session.contact)
    assert conversation.state == Conversation.State.WAITING
    assert conversation.handoff_reason == "bot_disabled"
    later = await tab.drain(seconds=1.0)
    assert "stream_start" not in [f["type"] for f in later]
    assert not await db_async(Message.objects.filter(author_kind="assistant").exists)()
    await tab.close()


async def test_talk_to_a_person_hands_the_conversation_over(inbox, new_session) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.send({"type": "handoff"})
    state, frames = await tab.receive_until("state")
    assert state["conversation"]["state"] == "waiting"
    system = next(f for f in frames if f["type"] == "message")
    assert system["message"]["author"]["kind"] == "system"
    conversation = await db_async(Conversation.objects.get)(contact=session.contact)
    assert (conversation.state, conversation.handoff_reason) == ("waiting", "customer_request")
    # While waiting for a human the assistant stays quiet.
    await tab.say("are you there?", client_id="q")
    later = await tab.drain(seconds=1.0)
    assert "stream_start" not in [f["type"] for f in later]
    assert not await db_async(Message.objects.filter(author_kind="assistant").exists)()
    await tab.close()


async def test_a_resolved_conversation_can_be_rated_once_resolved(inbox, new_session) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.send({"type": "rate", "score": 5})
    assert (await tab.receive())["code"] == "conversation_resolved"
    await tab.say("thanks", client_id="1")
    await tab.receive_until("stream_end")
    await db_async(Conversation.objects.filter(contact=session.contact).update)(state="resolved")
    await tab.send({"type": "rate", "score": 4, "comment": "quick"})
    state, _ = await tab.receive_until("state")
    assert state["conversation"]["rated"] is True
    conversation = await db_async(Conversation.objects.get)(contact=session.contact)
    assert (conversation.csat_score, conversation.csat_comment) == (4, "quick")
    await tab.close()


async def test_a_spent_token_budget_hands_over_instead_of_calling_the_model(
    inbox, new_session
) -> None:
    inbox.token_budget = 1
    await db_async(inbox.save)()
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.say("first", client_id="1")
    await tab.receive_until("stream_end")  # the first answer spends the budget
    await tab.say("second", client_id="2")
    error, _ = await tab.receive_until("error")
    assert error["code"] == "budget_exhausted"
    state, _ = await tab.receive_until("state")  # the handoff is announced once committed
    assert state["conversation"]["state"] == "waiting"
    conversation = await db_async(Conversation.objects.get)(contact=session.contact)
    assert (conversation.state, conversation.handoff_reason) == ("waiting", "token_budget")
    assert await db_async(ModelCall.objects.count)() == 1
    await tab.close()
