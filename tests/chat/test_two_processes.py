"""A customer on one web process and a watcher on another see each other's messages (Redis)."""

import asyncio
import json

import pytest
import websockets

from assistant.db_async import db_async
from tests import factories
from tests.chat.conftest import Widget

pytestmark = pytest.mark.django_db(transaction=True)


async def _frames_until(socket, kind: str) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), timeout=15))
        if frame["type"] == kind:
            return frame


async def test_two_tabs_on_two_web_processes_share_the_conversation(
    inbox, new_session, web_server
) -> None:
    session = await new_session(inbox)
    url = web_server.url.replace("http", "ws") + "/ws/widget/"
    async with websockets.connect(url, origin=factories.SITE) as remote:
        await remote.send(json.dumps({"type": "hello", "token": session.token}))
        assert json.loads(await remote.recv())["type"] == "welcome"

        local = Widget()  # this test process is the second web process
        await local.hello(session.token)

        await remote.send(
            json.dumps({"type": "message", "client_id": "r1", "text": "from process one"})
        )
        seen, _ = await local.receive_until("message")
        assert seen["message"]["text"] == "from process one"
        # The answer is streamed by the process that took the message, token by token, here too.
        end, frames = await local.receive_until("stream_end")
        assert any(f["type"] == "stream_delta" for f in frames)

        await local.say("from process two", client_id="l1")
        echoed = await _frames_until(remote, "message")
        while echoed["message"]["text"] != "from process two":
            echoed = await _frames_until(remote, "message")
        assert echoed["message"]["seq"] > end["message"]["seq"]
        # This process answers it; the tab on the other process gets every streamed piece in
        # order behind stream_start (the deltas skip the channel layer only when every tab of
        # the customer is in the answering process).
        start = await _frames_until(remote, "stream_start")
        pieces = []
        while (frame := json.loads(await asyncio.wait_for(remote.recv(), 15)))["type"] != (
            "stream_end"
        ):
            if frame["type"] == "stream_delta":
                assert frame["stream_id"] == start["stream_id"]
                pieces.append(frame["text"])
        assert pieces and "".join(pieces).strip() == frame["message"]["text"]
        await local.close()
    await db_async(lambda: None)()
