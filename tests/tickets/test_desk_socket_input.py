"""Hostile and malformed frames on the desk's WebSocket: an error frame with a documented code
(docs/api.md, "The desk socket"), the socket open, nothing stored.

The regression cases of issue 22 each have their own test; the property-based tests then throw
hypothesis-generated frames of every type at the real consumer (through the project's ASGI
application, its session authentication and origin check) over one open socket.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.chat import events
from assistant.chat.models import Message
from assistant.kv import sync_redis
from assistant.validation import MAX_JSON_DEPTH, text_problem
from tests.tickets.test_desk_live import desk_socket, frames_until
from tickets.models import Note, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)

# Every code docs/api.md lists for the desk socket's error frames.
DOCUMENTED_CODES = {"bad_json", "unknown_type", "invalid", "not_found", "not_watching", "internal"}
# Every frame type the desk sends (docs/api.md); test_the_frame_types_are_the_documented_ones
# fails when the consumer gains one, so that it is added here and fuzzed too.
FRAME_TYPES = ["heartbeat", "ping", "typing", "unwatch", "waiting", "watch"]
# Frame types that carry no conversation id, and what the server answers to each.
ANSWERS = {"ping": "pong", "waiting": "waiting"}
ID_FIELD_TYPES = ["watch", "unwatch", "typing", "heartbeat"]


async def _open(user: Any) -> Any:
    socket = await desk_socket(user)
    connected, _ = await socket.connect()
    assert connected
    return socket


async def _exchange(socket: Any, text: str) -> dict[str, Any]:
    await socket.send_to(text_data=text)
    return json.loads(await socket.receive_from(timeout=5))


async def _still_open(socket: Any) -> None:
    """The socket answers a ping after whatever came before: it was not closed."""
    assert await _exchange(socket, '{"type":"ping"}') == {"type": "pong"}


def _deep(depth: int) -> str:
    return '{"type":"watch","conversation_id":' + "[" * depth + "]" * depth + "}"


# -- the regression cases of issue 22, each on its own ---------------------------------------


async def test_unwatch_with_a_list_as_id_is_an_invalid_frame_not_a_dropped_socket(
    world: Any,
) -> None:
    socket = await _open(world.agent_a)
    frame = await _exchange(socket, '{"type":"unwatch","conversation_id":["a","b"]}')
    assert (frame["type"], frame["code"], frame["field"]) == ("error", "invalid", "conversation_id")
    await _still_open(socket)
    await socket.disconnect()


async def test_typing_with_an_object_as_id_is_an_invalid_frame_not_a_dropped_socket(
    world: Any,
) -> None:
    socket = await _open(world.agent_a)
    frame = await _exchange(socket, '{"type":"typing","conversation_id":{"id":"x"},"active":true}')
    assert (frame["type"], frame["code"], frame["field"]) == ("error", "invalid", "conversation_id")
    await _still_open(socket)
    await socket.disconnect()


async def test_a_deeply_nested_frame_is_refused_as_bad_json(world: Any) -> None:
    socket = await _open(world.agent_a)
    # Deep enough for json.loads to hit its recursion limit, and just over our own bound.
    for depth in (100_000, MAX_JSON_DEPTH + 1):
        frame = await _exchange(socket, _deep(depth))
        assert (frame["type"], frame["code"]) == ("error", "bad_json")
    await _still_open(socket)
    await socket.disconnect()


async def test_nul_and_lone_surrogates_in_an_id_are_invalid(world: Any) -> None:
    socket = await _open(world.agent_a)
    conversation_id = str(world.conversation_a.pk)
    for bad in (conversation_id + "\x00", "\ud800" + conversation_id[1:], "\x1b[31m"):
        for kind in ID_FIELD_TYPES:
            body = {"type": kind, "conversation_id": bad, "active": True}
            frame = await _exchange(socket, json.dumps(body))
            assert (frame["code"], frame["field"]) == ("invalid", "conversation_id"), (kind, bad)
    # A raw lone surrogate in the text (not a JSON escape) is refused the same way.
    frame = await _exchange(socket, '{"type":"watch","conversation_id":"\ud800"}')
    assert frame["code"] == "invalid"
    await _still_open(socket)
    await socket.disconnect()


async def test_frames_that_are_not_json_objects_are_bad_json(world: Any) -> None:
    socket = await _open(world.agent_a)
    # An empty text frame (the test communicator refuses to send one, so it goes in raw).
    await socket.send_input({"type": "websocket.receive", "text": ""})
    assert json.loads(await socket.receive_from())["code"] == "bad_json"
    for text in ("not json", "[1, 2]", "null", '"watch"', "\ud800", '{"type": "ping"'):
        assert (await _exchange(socket, text))["code"] == "bad_json", text
    await socket.send_to(bytes_data=b'{"type":"ping"}')
    assert json.loads(await socket.receive_from())["code"] == "bad_json"
    await _still_open(socket)
    await socket.disconnect()


async def test_typing_needs_a_boolean_and_a_watched_conversation(world: Any) -> None:
    socket = await _open(world.agent_a)
    conversation_id = str(world.conversation_a.pk)
    typing = {"type": "typing", "conversation_id": conversation_id}
    frame = await _exchange(socket, json.dumps({**typing, "active": True}))
    assert frame["code"] == "not_watching"
    await socket.send_json_to({"type": "watch", "conversation_id": conversation_id})
    assert (await socket.receive_json_from())["type"] == "presence"
    for active in ("yes", 1, None, [True], {"a": True}):
        frame = await _exchange(socket, json.dumps({**typing, "active": active}))
        assert (frame["code"], frame["field"]) == ("invalid", "active"), active
    frame = await _exchange(socket, json.dumps(typing))
    assert (frame["code"], frame["field"]) == ("invalid", "active")
    # The same conversation spelled in capitals is the one being watched.
    await socket.send_json_to(
        {**typing, "conversation_id": conversation_id.upper(), "active": True}
    )
    presence = (await frames_until(socket, "presence"))[-1]
    assert presence["agents"][0]["typing"] is True
    await socket.disconnect()


def test_the_frame_types_are_the_documented_ones() -> None:
    from tickets.consumers import FRAMES

    assert sorted(FRAMES) == FRAME_TYPES


async def test_a_failure_handling_a_valid_frame_is_an_internal_error_not_a_dropped_socket(
    world: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    socket = await _open(world.agent_a)
    conversation_id = str(world.conversation_a.pk)
    await socket.send_json_to({"type": "watch", "conversation_id": conversation_id})
    assert (await socket.receive_json_from())["type"] == "presence"

    async def outage(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Redis went away")

    monkeypatch.setattr("tickets.presence.touch", outage)
    frame = await _exchange(
        socket, json.dumps({"type": "heartbeat", "conversation_id": conversation_id})
    )
    assert (frame["type"], frame["code"]) == ("error", "internal")
    assert "Desk frame 'heartbeat' failed" in caplog.text
    await _still_open(socket)
    await socket.disconnect()


# -- property-based: every frame type, hostile values in every field ---------------------------

# Values of the wrong JSON type for a string or boolean field.
wrong_types = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
# Strings with what no text field accepts: NUL and other control characters, lone surrogates.
hostile_characters = st.sampled_from(["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\ud800"])
hostile_strings = st.builds(
    lambda before, bad, after: before + bad + after,
    st.text(max_size=20),
    st.one_of(hostile_characters, st.sampled_from(["\udfff", "\udbff", "\t", "\n", "\r"])),
    st.text(max_size=20),
)
any_string = st.one_of(
    st.text(max_size=80),
    hostile_strings,
    st.text(min_size=65, max_size=300),
)
nested = st.recursive(
    st.one_of(st.none(), st.integers(), st.text(max_size=5)),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=10,
)
field_values = st.one_of(wrong_types, any_string, nested)


def _expected_code(kind: str, frame: dict[str, Any], watched: str) -> str:
    """The code the documented rules give for a frame of a known type."""
    conversation_id = frame.get("conversation_id")
    if kind in ANSWERS:
        return ANSWERS[kind]
    if not isinstance(conversation_id, str) or not 1 <= len(conversation_id) <= 64:
        return "invalid"
    if text_problem(conversation_id, single_line=True):
        return "invalid"
    if kind == "typing" and not isinstance(frame.get("active"), bool):
        return "invalid"
    if conversation_id.lower() == watched:
        return "ok"
    return "not_found" if kind == "watch" else "not_watching"


@st.composite
def hostile_frames(draw: st.DrawFn, watched: str) -> dict[str, Any]:
    """A frame of a known type whose fields are drawn from valid and hostile values alike."""
    kind = draw(st.sampled_from(FRAME_TYPES))
    frame: dict[str, Any] = {"type": kind}
    if kind not in ANSWERS and draw(st.integers(0, 9)):  # sometimes no id at all
        frame["conversation_id"] = draw(st.one_of(field_values, st.just(watched)))
    if kind == "typing" and draw(st.integers(0, 9)):
        frame["active"] = draw(st.one_of(field_values, st.booleans()))
    if draw(st.booleans()):  # unknown extra fields are ignored, whatever they hold
        frame[draw(st.text(max_size=8).filter(lambda k: k not in frame))] = draw(field_values)
    return frame


@pytest.fixture
def desk(world: Any) -> Iterator[tuple[Any, asyncio.AbstractEventLoop, str]]:
    """One open desk socket of agent A watching conversation A, driven from a sync test so that
    hypothesis can run many examples over it; closed (and checked still open) at the end."""
    loop = asyncio.new_event_loop()
    watched = str(world.conversation_a.pk)

    async def start() -> Any:
        socket = await _open(world.agent_a)
        await socket.send_json_to({"type": "watch", "conversation_id": watched})
        assert (await socket.receive_json_from())["type"] == "presence"
        return socket

    socket = loop.run_until_complete(start())
    try:
        yield socket, loop, watched
        loop.run_until_complete(_still_open(socket))
    finally:
        loop.run_until_complete(socket.disconnect())
        loop.close()


async def _valid(socket: Any, frame: dict[str, Any], watched: str) -> None:
    """A valid frame for the watched conversation: a typing change is announced, then presence
    (an unwatch announces presence to the others only, so a ping shows the socket moved on).
    After an unwatch the socket watches again, so that the next example starts as this one."""
    await socket.send_json_to(frame)
    if frame["type"] == "unwatch":
        await _still_open(socket)
        await socket.send_json_to({"type": "watch", "conversation_id": watched})
    await frames_until(socket, "presence", timeout=5)


def _stored() -> tuple[int, int, int, set[str]]:
    """What a refused frame must not change: messages, notes, the audit trail, presence keys."""
    presence_keys = {key.decode() for key in sync_redis().scan_iter("presence:*")}
    return (
        Message.objects.count(),
        Note.objects.count(),
        TicketEvent.objects.count(),
        presence_keys,
    )


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_frame_type_answers_hostile_fields_with_a_documented_error(
    desk: tuple[Any, asyncio.AbstractEventLoop, str], data: st.DataObject
) -> None:
    socket, loop, watched = desk
    frame = data.draw(hostile_frames(watched))
    expected = _expected_code(frame["type"], frame, watched)
    if expected == "ok":
        loop.run_until_complete(_valid(socket, frame, watched))
        return
    before = _stored()
    # ensure_ascii (the default) writes a lone surrogate as the escape "\ud800", as a browser's
    # JSON.stringify does; the consumer must refuse it after parsing.
    answer = loop.run_until_complete(_exchange(socket, json.dumps(frame)))
    if expected == "pong":
        assert answer == {"type": "pong"}
    elif expected == "waiting":
        assert answer == {"type": "waiting", "count": 0}  # nothing is assigned to agent A
    else:
        assert answer["type"] == "error", answer
        assert answer["code"] in DOCUMENTED_CODES
        assert answer["code"] == expected, (frame, answer)
        assert isinstance(answer["message"], str) and answer["message"]
    after = _stored()
    assert after[:3] == before[:3]
    assert after[3] <= before[3] | {events.watchers_key(watched)}


raw_texts = st.one_of(
    st.text(min_size=1, max_size=50),  # mostly not JSON, sometimes a number or a string
    st.builds(json.dumps, nested),  # JSON, rarely an object with a known type
    st.builds(
        lambda depth, kind: f'{{"type":"{kind}","x":' + "[" * depth + "]" * depth + "}",
        st.integers(MAX_JSON_DEPTH, 5_000),
        st.sampled_from(FRAME_TYPES),
    ),
    st.builds(
        lambda kind: json.dumps({"type": kind}),
        st.one_of(wrong_types, any_string.filter(lambda k: k not in FRAME_TYPES)),
    ),
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=raw_texts)
def test_any_text_frame_gets_an_answer_and_the_socket_stays_open(
    desk: tuple[Any, asyncio.AbstractEventLoop, str], text: str
) -> None:
    socket, loop, _watched = desk
    before = _stored()
    answer = loop.run_until_complete(_exchange(socket, text))
    assert answer in ({"type": "pong"}, {"type": "waiting", "count": 0}) or (
        answer["type"] == "error" and answer["code"] in DOCUMENTED_CODES
    ), (text, answer)
    assert _stored() == before
