"""Scale-out: two web processes and a worker on one PostgreSQL and one Redis act as one product.

The customer's widget is on web process A, the agent's desk socket on web process B, and a
Celery worker runs beside them; only the channel layer (Redis) and the database join them, as
with replicas behind a load balancer. The model is the simulator, streaming at a fixed speed.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from django.test import Client

from assistant.chat.models import Conversation
from assistant.db_async import db_async
from tests import factories
from tests.conftest import purge_queued_tasks, start_celery_worker, stop_process
from tests.live import LiveServer
from tickets.models import Ticket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

LONG_STORY = "tell me a long story"  # the simulator answers this with 120 streamed words


@pytest.fixture
def simulated_environment(
    live_server_environment: dict[str, str], model_simulator: Any
) -> dict[str, str]:
    """Every process (both web servers and the worker) talks to the simulator."""
    return {
        **live_server_environment,
        "OPENAI_BASE_URL": model_simulator.base_url,
        "OPENAI_API_KEY": "sk-simulator",
        "OPENAI_MODEL": "qwen-plus",
        "LLM_ROUTE_SUMMARY": "openai",
        "LLM_FIRST_TOKEN_TIMEOUT": "5",
        "LLM_TOTAL_TIMEOUT": "20",
    }


@pytest.fixture
def cluster(simulated_environment: dict[str, str]) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Web processes A and B, and one worker: a small production deployment on this machine."""
    purge_queued_tasks()  # tasks queued by earlier tests (their rows are gone) must not run here
    worker = start_celery_worker(simulated_environment, "scale-out")
    try:
        with (
            LiveServer(simulated_environment, name="web-a") as web_a,
            LiveServer(simulated_environment, name="web-b") as web_b,
        ):
            yield web_a, web_b
    finally:
        stop_process(worker)


def _people(settings: Any) -> tuple[str, str, str]:
    """An inbox with a team and its agent; returns the customer's token, the agent's session
    cookie and the inbox's allowed origin."""
    # force_login needs no password check; the production hasher would only slow set-up down.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    inbox = factories.make_inbox()
    team = factories.make_team("Support", inboxes=(inbox,))
    agent = factories.make_agent("alice", teams=(team,))
    client = Client()
    client.force_login(agent)
    return factories.make_session(inbox).token, client.cookies["sessionid"].value, factories.SITE


async def _frames_until(
    socket: Any, done: Any, timeout: float = 20
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Frames from a real WebSocket up to and including the first for which done(frame)."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        frame = json.loads(await asyncio.wait_for(socket.recv(), timeout=max(remaining, 0.01)))
        seen.append(frame)
        if done(frame):
            return frame, seen


def _of_type(kind: str) -> Any:
    return lambda frame: frame["type"] == kind


async def _wait_for_summary(conversation_id: str, timeout: float = 30) -> Ticket:
    """The worker, not a web process, writes the handoff summary: poll the database for it."""
    deadline = time.monotonic() + timeout
    while True:
        ticket = await db_async(
            lambda: (
                Ticket.objects.filter(conversation_id=conversation_id).exclude(summary="").first()
            )
        )()
        if ticket is not None:
            return ticket
        assert time.monotonic() < deadline, "the worker did not write the handoff summary"
        await asyncio.sleep(0.2)


async def _desk_post(
    server: LiveServer, session_cookie: str, conversation_id: str, action: str, **form: str
) -> int:
    """A desk action over HTTP on this web process, as the desk page's htmx requests do it."""
    async with httpx.AsyncClient(
        base_url=server.url, cookies={"sessionid": session_cookie}, timeout=20
    ) as client:
        page = await client.get(f"/desk/c/{conversation_id}/")
        assert page.status_code == 200
        csrf = client.cookies["csrftoken"]
        response = await client.post(
            f"/desk/c/{conversation_id}/{action}", data=form, headers={"X-CSRFToken": csrf}
        )
        return response.status_code


async def test_customer_and_agent_on_different_web_processes_see_everything(
    cluster: tuple[LiveServer, LiveServer], settings: Any
) -> None:
    web_a, web_b = cluster
    token, session_cookie, site = await db_async(_people)(settings)
    widget_url = web_a.url.replace("http", "ws") + "/ws/widget/"
    desk_url = web_b.url.replace("http", "ws") + "/ws/desk/"
    async with (
        websockets.connect(widget_url, origin=site) as customer,
        websockets.connect(
            desk_url,
            origin=web_b.url,
            additional_headers={"Cookie": f"sessionid={session_cookie}"},
        ) as agent,
    ):
        await customer.send(json.dumps({"type": "hello", "token": token}))
        assert json.loads(await customer.recv())["type"] == "welcome"
        await customer.send(json.dumps({"type": "message", "client_id": "c1", "text": "hello"}))
        ack, _ = await _frames_until(customer, _of_type("ack"))
        conversation_id = ack["conversation_id"]
        await _frames_until(customer, _of_type("stream_end"))

        # The agent on B watches the conversation that lives on A.
        await agent.send(json.dumps({"type": "watch", "conversation_id": conversation_id}))
        await _frames_until(agent, _of_type("presence"))

        # The customer's message on A and the answer A streams reach the agent on B.
        await customer.send(json.dumps({"type": "message", "client_id": "c2", "text": LONG_STORY}))
        seen, _ = await _frames_until(
            agent, lambda f: f["type"] == "message" and f["message"]["client_id"] == "c2"
        )
        assert seen["message"]["author"]["kind"] == "customer"
        end, frames = await _frames_until(agent, _of_type("stream_end"))
        deltas = "".join(f["text"] for f in frames if f["type"] == "stream_delta")
        assert len([f for f in frames if f["type"] == "stream_delta"]) > 10
        assert "word119" in deltas and "word119" in end["message"]["text"]
        customer_end, _ = await _frames_until(customer, _of_type("stream_end"))
        assert customer_end["message"]["seq"] == end["message"]["seq"]

        # A handoff: the worker writes the summary and tells the desks, B among them.
        await customer.send(json.dumps({"type": "handoff"}))
        ticket = await _wait_for_summary(conversation_id)
        await _frames_until(agent, lambda f: f["type"] == "ticket" and f.get("change") == "summary")
        assert ticket.summary

        # The agent takes over and replies on B; the customer on A receives the reply.
        assert await _desk_post(web_b, session_cookie, conversation_id, "takeover") == 204
        state = await db_async(lambda: Conversation.objects.get(pk=conversation_id).state)()
        assert state == "agent"
        reply = "We'll fix it today."
        assert await _desk_post(web_b, session_cookie, conversation_id, "reply", text=reply) == 204
        answer, _ = await _frames_until(
            customer,
            lambda f: f["type"] == "message" and f["message"]["author"]["kind"] == "agent",
        )
        assert answer["message"]["text"] == reply
        assert answer["message"]["author"]["name"] == "Alice"
