"""Helpers for widget WebSocket tests: connect, say hello, read frames as JSON."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from channels.testing.websocket import WebsocketCommunicator

from assistant.asgi import application
from assistant.chat import turns
from assistant.chat.models import Inbox
from assistant.db_async import db_async
from assistant.knowledge.retrieval import Retrieved
from assistant.llm.types import Passage
from tests import factories


class Widget:
    """One widget tab: a WebSocket to the real ASGI application and the real Redis layer."""

    def __init__(
        self, origin: str | None = factories.SITE, client: tuple[str, int] = ("203.0.113.7", 5000)
    ):
        headers = [(b"origin", origin.encode())] if origin else []
        self.socket = WebsocketCommunicator(application, "/ws/widget/", headers=headers)
        self.socket.scope["client"] = client

    async def open(self) -> None:
        connected, _ = await self.socket.connect()
        assert connected

    async def send(self, frame: dict[str, Any]) -> None:
        await self.socket.send_to(text_data=json.dumps(frame))

    async def receive(self, timeout: float = 10) -> dict[str, Any]:
        return json.loads(await self.socket.receive_from(timeout=timeout))

    async def receive_until(
        self, kind: str, timeout: float = 15
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Frames up to and including the first of this type."""
        seen = []
        while True:
            frame = await self.receive(timeout)
            seen.append(frame)
            if frame["type"] == kind:
                return frame, seen

    async def drain(self, seconds: float) -> list[dict[str, Any]]:
        """Every frame that arrives within the next ``seconds``."""
        # receive_nothing() waits without cancelling the application on a timeout, as
        # receive_from() would.
        frames = []
        deadline = asyncio.get_running_loop().time() + seconds
        while asyncio.get_running_loop().time() < deadline:
            if not await self.socket.receive_nothing(timeout=0.05):
                frames.append(await self.receive())
        return frames

    async def hello(self, token: str, **extra: Any) -> dict[str, Any]:
        await self.open()
        await self.send({"type": "hello", "token": token, **extra})
        welcome = await self.receive()
        assert welcome["type"] == "welcome", welcome
        return welcome

    async def say(self, text: str, client_id: str) -> dict[str, Any]:
        await self.send({"type": "message", "client_id": client_id, "text": text})
        ack, _ = await self.receive_until("ack")
        return ack

    async def closed_with(self, timeout: float = 10) -> int:
        output = await self.socket.receive_output(timeout)
        assert output["type"] == "websocket.close", output
        return output["code"]

    async def close(self) -> None:
        await self.socket.disconnect()


async def turns_finished(conversation_id: Any) -> None:
    """Wait until no reply turn of the conversation runs. A turn goes on after its last frame
    (a handoff is stored after the answer's stream_end), on database threads of its own."""
    while tasks := turns.running(conversation_id):
        await asyncio.gather(*tasks, return_exceptions=True)


@pytest.fixture
def inbox(db: Any) -> Inbox:
    return factories.make_inbox()


@pytest.fixture
def new_session():
    return db_async(factories.make_session)


PASSAGE = Passage(
    id="article-1#0",
    title="Delivery times",
    text="Orders ship within two working days. Delivery takes three to five days in Europe.",
    url="https://help.example.com/delivery",
)


@pytest.fixture
def with_passages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every question finds the delivery passage (retrieval itself is tested elsewhere)."""
    from assistant.chat import reply

    async def passages(question: str, *, language: str, scope: object = None) -> Retrieved:
        return Retrieved([PASSAGE], question)

    monkeypatch.setattr(reply, "aknowledge_for", passages)
