"""Limits enforced by the real ASGI server (uvicorn by default, daphne optionally), not only by
our consumer."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import urllib.request

import pytest
import websockets

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def ws_url(server) -> str:
    return server.url.replace("http", "ws") + "/ws/widget/"


async def test_an_oversized_frame_is_refused_and_the_server_survives(web_server) -> None:
    async with websockets.connect(
        ws_url(web_server), origin=factories.SITE, max_size=None
    ) as socket:
        await socket.send(json.dumps({"type": "hello", "token": "x" * 200_000}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), timeout=10)
    assert closed.value.rcvd.code == 1009  # message too big
    assert await asyncio.to_thread(_healthy, web_server.url)


def _healthy(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
        return response.status == 200


def _raw_text_frame(payload: bytes) -> bytes:
    """A masked client text frame, written by hand so it can carry bytes that are not UTF-8."""
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked


def test_invalid_utf8_closes_only_that_socket(web_server) -> None:
    host, port = "127.0.0.1", web_server.port
    with socket.create_connection((host, port), timeout=10) as raw:
        key = base64.b64encode(os.urandom(16)).decode()
        raw.sendall(
            (
                f"GET /ws/widget/ HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nOrigin: {factories.SITE}\r\n\r\n"
            ).encode()
        )
        assert b" 101 " in raw.recv(4096).split(b"\r\n")[0]
        raw.sendall(_raw_text_frame(b"\xff\xfe\xfd not utf-8"))
        reply = raw.recv(4096)
    assert reply[0] == 0x88  # a close frame
    assert int.from_bytes(reply[2:4], "big") == 1007  # invalid frame payload data
    assert _healthy(web_server.url)


# Daphne, the optional server (WEB_SERVER=daphne): the same limits hold, but it drops the TCP
# connection on such frames instead of sending a close code (why uvicorn is the default).


@pytest.fixture(scope="module")
def daphne_server(live_server_environment):
    from tests.live import LiveServer

    with LiveServer({**live_server_environment, "WEB_SERVER": "daphne"}, name="daphne") as server:
        yield server


async def test_daphne_refuses_an_oversized_message_and_survives(daphne_server) -> None:
    async with websockets.connect(
        ws_url(daphne_server), origin=factories.SITE, max_size=None
    ) as socket:
        await socket.send(json.dumps({"type": "hello", "token": "x" * 200_000}))
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(socket.recv(), timeout=10)
    assert await asyncio.to_thread(_healthy, daphne_server.url)


async def test_daphne_serves_the_widget_protocol(daphne_server, inbox, new_session) -> None:
    session = await new_session(inbox)
    async with websockets.connect(ws_url(daphne_server), origin=factories.SITE) as socket:
        await socket.send(json.dumps({"type": "hello", "token": session.token}))
        assert json.loads(await asyncio.wait_for(socket.recv(), timeout=10))["type"] == "welcome"
        await socket.send(json.dumps({"type": "message", "client_id": "d1", "text": "Hi there"}))
        kinds = set()
        while "stream_end" not in kinds:
            kinds.add(json.loads(await asyncio.wait_for(socket.recv(), timeout=15))["type"])
    assert {"ack", "stream_delta"} <= kinds
