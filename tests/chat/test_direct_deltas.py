"""An answer's events go straight to the sockets of this process when every tab of the contact
is here and no desk watches (assistant/chat/tabs.py), in order behind stream_start; tabs and
desks on other processes still get everything through the channel layer (issue 23)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from channels.layers import get_channel_layer

from assistant.chat import events, tabs
from assistant.kv import async_redis
from tests.chat.conftest import Widget, turns_finished

pytestmark = pytest.mark.django_db(transaction=True)

STREAMED = ("typing", "stream_start", "stream_delta")


@contextmanager
def layer_sends() -> Iterator[list[str]]:
    """The type of every event this process publishes through the channel layer."""
    layer = get_channel_layer()
    kinds: list[str] = []
    original = layer.group_send

    async def group_send(group: str, message: dict[str, Any]) -> None:
        if "text" in message:
            kinds.append(json.loads(message["text"])["type"])
        await original(group, message)

    layer.group_send = group_send
    try:
        yield kinds
    finally:
        del layer.group_send


def _check_stream(frames: list[dict[str, Any]]) -> str:
    """The answer's frames are in protocol order; returns the deltas' text."""
    kinds = [f["type"] for f in frames if f["type"] in (*STREAMED, "stream_end")]
    start = kinds.index("stream_start")
    assert kinds[-1] == "stream_end"
    assert set(kinds[start + 1 : -1]) == {"stream_delta"}, kinds
    assert "stream_delta" not in kinds[:start]
    stream_id = frames[[f["type"] for f in frames].index("stream_start")]["stream_id"]
    deltas = [f for f in frames if f["type"] == "stream_delta"]
    assert all(d["stream_id"] == stream_id for d in deltas)
    return "".join(d["text"] for d in deltas)


async def test_the_only_tabs_deltas_skip_the_layer_and_arrive_in_order_behind_stream_start(
    inbox, new_session, simulated_llm
) -> None:
    session = await new_session(inbox)
    first, second = Widget(), Widget()  # two tabs of the customer, both in this process
    await first.hello(session.token)
    await second.hello(session.token)
    with layer_sends() as published:
        await first.send({"type": "message", "client_id": "1", "text": "tell me a long story"})
        end, frames = await first.receive_until("stream_end")
        _, other_frames = await second.receive_until("stream_end")
        await turns_finished(uuid.UUID(end["message"]["conversation_id"]))
    for seen in (frames, other_frames):
        text = _check_stream(seen)
        assert len([f for f in seen if f["type"] == "stream_delta"]) > 10
        assert text.strip() == end["message"]["text"]
        assert [f["type"] for f in seen].count("stream_start") == 1
    # None of the streaming events went through Redis; the end (with the stored answer) did.
    assert not set(published) & set(STREAMED), published
    assert "stream_end" in published
    await first.close()
    await second.close()


async def test_a_tab_on_another_process_gets_every_event_through_the_layer(
    inbox, new_session, simulated_llm
) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    contact_id = session.contact.id
    # A tab of the same customer on another web process: counted in Redis by that process,
    # listening on the contact's group as its consumer does.
    layer = get_channel_layer()
    remote = await layer.new_channel()
    await layer.group_add(events.contact_group(contact_id), remote)
    await async_redis().hincrby(tabs.tabs_key(contact_id), "another-process", 1)
    try:
        with layer_sends() as published:
            await tab.send({"type": "message", "client_id": "1", "text": "tell me a long story"})
            end, frames = await tab.receive_until("stream_end")
        remote_frames: list[dict[str, Any]] = []
        while not remote_frames or remote_frames[-1]["type"] != "stream_end":
            envelope = await asyncio.wait_for(layer.receive(remote), 10)
            remote_frames.append(json.loads(envelope["text"]))
    finally:
        await async_redis().hdel(tabs.tabs_key(contact_id), "another-process")
    assert "stream_delta" in published
    assert _check_stream(frames) == _check_stream(remote_frames)
    assert _check_stream(remote_frames).strip() == end["message"]["text"]
    await turns_finished(uuid.UUID(end["message"]["conversation_id"]))
    await tab.close()


async def test_closed_tabs_are_forgotten_here_and_in_redis(inbox, new_session) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    key = tabs.tabs_key(session.contact.id)
    assert int(await async_redis().hget(key, tabs.PROCESS)) == 1
    audience = await tabs.audience(session.contact.id, "no-such-conversation")
    assert audience == tabs.Audience(watchers=False, only_here=True)
    await tab.close()
    await asyncio.sleep(0.1)
    assert int(await async_redis().hget(key, tabs.PROCESS)) == 0
    assert str(session.contact.id) not in tabs._here
