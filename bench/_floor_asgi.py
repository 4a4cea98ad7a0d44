"""The floor for B1/B2: the least an ASGI WebSocket server can do to relay a model stream.

    BENCH_SIMULATOR_URL=http://127.0.0.1:8400/v1 uvicorn bench._floor_asgi:app

It speaks just enough of the widget protocol (docs/widget-protocol.md) for the benchmark clients
to treat it exactly like the product: `POST /api/widget/session` returns a token, the WebSocket
answers `hello` with `welcome`, and a `message` is acknowledged and answered by streaming the
same simulator completion, with the same openai client the product uses (read the same way),
relaying each delta as one `stream_delta` frame. No database, no channel layer, no Django:
whatever our stack adds on top of this is its overhead.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from openai import AsyncOpenAI, AsyncStream

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

# A benchmark process, not the product: it reads its one setting here, once.
SIMULATOR_URL = os.environ.get("BENCH_SIMULATOR_URL", "http://127.0.0.1:8400/v1")
MODEL = os.environ.get("BENCH_MODEL", "qwen-plus")
_client: AsyncOpenAI | None = None


def client() -> AsyncOpenAI:
    # Created on first use, inside the server's event loop (its connection pool belongs there).
    global _client
    if _client is None:
        _client = AsyncOpenAI(base_url=SIMULATOR_URL, api_key="sk-floor", max_retries=0)
    return _client


def encode(event: dict[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["type"] == "http":
        await _http(scope, receive, send)
    elif scope["type"] == "websocket":
        await _websocket(receive, send)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _http(scope: Scope, receive: Receive, send: Send) -> None:
    more = True
    while more:  # drain the request body
        more = (await receive()).get("more_body", False)
    body: dict[str, Any] = {"status": "ok"}
    if scope["path"] == "/api/widget/session":
        body = {"token": uuid.uuid4().hex, "ws_url": "/ws/widget/", "expires_in": 3600}
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(data))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def _websocket(receive: Receive, send: Send) -> None:
    tasks: set[asyncio.Task[None]] = set()
    seq = 0
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.disconnect":
            for task in tasks:
                task.cancel()
            return
        elif message["type"] == "websocket.receive":
            frame = json.loads(message.get("text") or message.get("bytes") or "{}")
            if frame.get("type") == "hello":
                welcome = {"type": "welcome", "conversation": None, "messages": [], "agent": None}
                await send({"type": "websocket.send", "text": encode(welcome)})
            elif frame.get("type") == "message":
                seq += 1
                ack = {"type": "ack", "client_id": frame.get("client_id"), "seq": seq}
                await send({"type": "websocket.send", "text": encode(ack)})
                # Like the product, the answer streams beside the socket's receive loop.
                task = asyncio.create_task(_relay(send, str(frame.get("text", ""))))
                tasks.add(task)
                task.add_done_callback(tasks.discard)


async def _relay(send: Send, text: str) -> None:
    stream_id = uuid.uuid4().hex[:16]
    started = False
    # Read the way the product's model client reads (assistant/llm/openai_compatible.py): the
    # SDK's request and SSE decoding, each chunk left as the dict json.loads made.
    stream = await client().post(
        "/chat/completions",
        body={"model": MODEL, "messages": [{"role": "user", "content": text}], "stream": True},
        cast_to=object,
        stream=True,
        stream_cls=AsyncStream[object],
    )
    async for chunk in stream:
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        piece = (choices[0].get("delta") or {}).get("content") if choices else None
        if not piece:
            continue
        if not started:
            start = {"type": "stream_start", "stream_id": stream_id, "author": None}
            await send({"type": "websocket.send", "text": encode(start)})
            started = True
        delta = {"type": "stream_delta", "stream_id": stream_id, "text": piece}
        await send({"type": "websocket.send", "text": encode(delta)})
    end = {"type": "stream_end", "stream_id": stream_id, "message": None}
    await send({"type": "websocket.send", "text": encode(end)})
