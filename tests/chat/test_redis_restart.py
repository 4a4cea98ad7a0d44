"""Redis restarted under a live chat: nothing acknowledged is lost, and the chat goes on.

The customer talks to a real web process (uvicorn child, offline model). Redis stops and comes
back (append-only, so its data survives). Afterwards the customer's next message is stored,
echoed and answered, whether over the same socket (the channel layer reconnected under it) or
over a new one after the widget's reconnect; and a reconnecting tab gets the whole conversation
exactly once, in order.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
import websockets

from assistant import embedded
from assistant.chat.models import Conversation, Message
from assistant.db_async import db_async
from tests import factories

# Last in the run: this process's pooled connections to the old Redis are dead afterwards.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.restarts_redis]


async def _until(socket: Any, kind: str, timeout: float = 20) -> dict[str, Any]:
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), timeout=timeout))
        if frame["type"] == kind:
            return frame


@db_async
def _state(contact: Any) -> str:
    return Conversation.objects.get(contact=contact).state


async def _say_and_get_answer(url: str, token: str, text: str, client_id: str) -> dict[str, Any]:
    """Connect (as the widget does after a drop), send, and wait for the stored answer."""
    async with websockets.connect(url, origin=factories.SITE) as socket:
        await socket.send(json.dumps({"type": "hello", "token": token}))
        await _until(socket, "welcome")
        await socket.send(json.dumps({"type": "message", "client_id": client_id, "text": text}))
        await _until(socket, "ack")
        return await _until(socket, "stream_end")


async def test_a_live_chat_survives_a_redis_restart(inbox, new_session, web_server, settings):
    if not settings.REDIS_EMBEDDED:
        pytest.skip("only the embedded Redis can be restarted by the test")
    session = await new_session(inbox)
    url = web_server.url.replace("http", "ws") + "/ws/widget/"
    before = await _say_and_get_answer(url, session.token, "Where is my order?", "before")
    assert before["message"]["author"]["kind"] == "assistant"

    async with websockets.connect(url, origin=factories.SITE) as watching:
        await watching.send(json.dumps({"type": "hello", "token": session.token}))
        await _until(watching, "welcome")

        await asyncio.to_thread(embedded.stop_redis, settings.VAR_DIR)
        await asyncio.sleep(1.0)
        await asyncio.to_thread(embedded.start_redis, settings.VAR_DIR)

        # The widget retries until the server answers again; so does this test, for a while.
        deadline = time.monotonic() + 60
        while True:
            try:
                after = await _say_and_get_answer(
                    url, session.token, "And how do I return it?", "after"
                )
                break
            except (OSError, TimeoutError, websockets.ConnectionClosed):
                assert time.monotonic() < deadline, "the chat did not recover after Redis"
                await asyncio.sleep(1.0)
        assert after["message"]["author"]["kind"] == "assistant"

        # The tab that stayed open is either still live (and sees the new messages) or closed,
        # in which case the widget reconnects and resumes; either way nothing is missing.
        try:
            seen = await _until(watching, "stream_end", timeout=10)
            assert seen["message"]["seq"] == after["message"]["seq"]
        except (TimeoutError, websockets.ConnectionClosed):
            pass

    # Two answers without knowledge in a row offer a person but hand nothing over (the customer
    # decides): the conversation stays with the assistant.
    assert await _state(session.contact) == "bot"

    async with websockets.connect(url, origin=factories.SITE) as resumed:
        await resumed.send(json.dumps({"type": "hello", "token": session.token, "last_seq": 0}))
        welcome = await _until(resumed, "welcome")
    seqs = [m["seq"] for m in welcome["messages"]]
    assert seqs == sorted(set(seqs)) and seqs[0] == 1
    stored = await db_async(
        lambda: list(
            Message.objects.filter(conversation__contact=session.contact)
            .order_by("seq")
            .values_list("client_id", "author_kind")
        )
    )()
    customer_ids = [client_id for client_id, kind in stored if kind == "customer"]
    assert customer_ids == ["before", "after"]  # each stored once
    assert [kind for _id, kind in stored].count("assistant") == 2
    assert len(seqs) == len(stored)
