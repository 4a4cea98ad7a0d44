"""What the multi-process benchmarks (B3 fan-out, B7 Celery, scale-out) share: the model simulator,
web and worker processes on the benchmark's database and Redis, people, and real sockets.

    from _django import setup
    setup("bench_fanout", redis=True)
    from _cluster import ...      # after setup(): this imports Django models

Web servers and workers are the same child processes the tests start (tests/live.py LiveServer and
tests/conftest.py start_celery_worker), so a benchmark runs exactly what the scale-out test runs.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import websockets
from _django import child_environment
from channels.layers import channel_layers
from django.conf import settings
from django.test import Client

from assistant.llm.simulator import Rule, run_in_thread
from tests import factories
from tests.live import free_port

LONG_QUESTION = "tell me a long story"
# Each question differs (the same words three times hands the conversation to a person, as a
# customer repeating themselves should) and is answered by the knowledge base (two unsupported
# answers in a row hand it over too): a benchmark's conversations stay with the assistant.
TOPICS = (
    "bicycle frames and how they are welded",
    "returning shoes that do not fit",
    "shipping parcels to islands in the north sea",
    "a desk lamp that flickers at night",
    "gift cards that expired last year",
    "warranty claims for broken zips",
    "paying by invoice instead of a card",
    "a parcel left with a neighbour",
)
# Bench clients all come from 127.0.0.1; the per-IP and per-visitor flood limits would otherwise
# throttle the load this is meant to generate.
UNLIMITED = {
    "WIDGET_MESSAGES_PER_MINUTE_PER_VISITOR": "1000000",
    "WIDGET_MESSAGES_PER_MINUTE_PER_IP": "1000000",
    "WIDGET_MESSAGES_PER_MINUTE_PER_INBOX": "1000000",
    "WIDGET_SESSIONS_PER_MINUTE_PER_IP": "1000000",
}


@contextmanager
def model_simulator(
    *, words: int, tokens_per_second: float, ttft: float, own_process: bool = False
) -> Iterator[str]:
    """The OpenAI-compatible simulator answering LONG_QUESTION with `words` streamed words; yields
    its base URL. `own_process`: in a child process, so that it never waits for this process's
    clients (a hosted model does not share a CPU with them either)."""
    reply = " ".join(f"word{i}" for i in range(words))
    rules = [{"pattern": LONG_QUESTION, "reply": reply}]
    if not own_process:
        with run_in_thread(
            ttft=ttft,
            tokens_per_second=tokens_per_second,
            rules=[Rule.from_dict(rule) for rule in rules],
            embedding_dimensions=64,
        ) as simulator:
            yield simulator.base_url
        return
    with tempfile.NamedTemporaryFile("w", suffix=".json") as rules_file:
        json.dump(rules, rules_file)
        rules_file.flush()
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant.llm.simulator", "--port", str(port),
             "--rules", rules_file.name, "--ttft-ms", str(ttft * 1000), "--tokens-per-second",
             str(tokens_per_second), "--embedding-dimensions", "64", "--log-level", "warning"],
            cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base_url = f"http://127.0.0.1:{port}/v1"
            _wait_until_up(f"{base_url}/models", process)
            yield base_url
        finally:
            process.terminate()
            process.wait(15)


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up") from None
            time.sleep(0.1)


def question(number: int) -> str:
    """The number-th question of a client: a long answer, on a topic the knowledge base covers."""
    return f"{LONG_QUESTION} about {TOPICS[number % len(TOPICS)]}"


def ensure_story_article() -> None:
    """One published article on every topic, so that answers are grounded (see TOPICS)."""
    from assistant.knowledge import services as knowledge

    body = "\n\n".join(
        f"## {topic.capitalize()}\n\nA long story about {topic}." for topic in TOPICS
    )
    knowledge.article_upsert(
        data=knowledge.ArticleData(
            title="Long stories",
            body=body,
            locale="en",
            status="published",
            external_id="bench:long-stories",
        )
    )


def process_environment(simulator_url: str | None, layer: str = "core") -> dict[str, str]:
    """Environment of a web or worker child: this database and Redis, the simulator (if any) as
    the model, the chosen channel layer, no flood limits."""
    model = (
        {
            "OPENAI_BASE_URL": simulator_url,
            "OPENAI_API_KEY": "sk-simulator",
            "OPENAI_MODEL": "qwen-plus",
            "LLM_FIRST_TOKEN_TIMEOUT": "10",
            "LLM_TOTAL_TIMEOUT": "60",
        }
        if simulator_url
        else {}
    )
    return child_environment(
        DEBUG="true", CHANNEL_LAYER=layer, LOG_LEVEL="WARNING", **model, **UNLIMITED
    )


@contextmanager
def celery_worker(
    environment: dict[str, str], queue: str, *, pool: str = "prefork", concurrency: int = 2
) -> Iterator[subprocess.Popen[bytes]]:
    """A real `celery worker` on one queue (our app and settings), stopped on exit. The tests'
    start_celery_worker is fixed to the solo pool; production (docker/compose.yaml) runs prefork."""
    from assistant.celery import app

    name = f"bench-{uuid.uuid4().hex[:8]}"
    log_path = settings.VAR_DIR / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "assistant", "worker", "--pool", pool,
             "--concurrency", str(concurrency), "--loglevel", "WARNING", "--hostname",
             f"{name}@%h", "--without-gossip", "--without-mingle", "--queues", queue],
            cwd=settings.BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not any(name in key for reply in app.control.ping(timeout=0.5) for key in reply):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"The worker did not start:\n{log_path.read_text()[-3000:]}")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def use_layer(layer: str) -> None:
    """Switch this process's channel layer (the children get CHANNEL_LAYER in their environment)."""
    settings.CHANNEL_LAYERS = {"default": settings.CHANNEL_LAYER_CONFIGS[layer]}
    channel_layers.backends.clear()


def make_inbox_with_team() -> tuple[Any, Any]:
    inbox = factories.make_inbox(public_key=f"pk_bench_{uuid.uuid4().hex[:12]}")
    team = factories.make_team(f"Bench {inbox.pk}", inboxes=(inbox,))
    return inbox, team


def agent_cookies(team: Any, count: int) -> list[str]:
    """`count` agents of this team, each logged in: their desk session cookies."""
    # force_login checks no password; the production hasher would spend seconds per agent.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cookies = []
    for _ in range(count):
        agent = factories.make_agent(f"bench-{uuid.uuid4().hex[:10]}", teams=(team,))
        client = Client()
        client.force_login(agent)
        cookies.append(client.cookies["sessionid"].value)
    return cookies


def session_tokens(inbox: Any, count: int) -> list[tuple[str, str]]:
    """(token, contact id) of `count` new widget visitors of this inbox."""
    sessions = [factories.make_session(inbox) for _ in range(count)]
    return [(session.token, str(session.contact.id)) for session in sessions]


def ws_url(base_url: str, path: str) -> str:
    return base_url.replace("http", "ws", 1) + path


async def open_widget(base_url: str, token: str) -> Any:
    socket = await websockets.connect(
        ws_url(base_url, "/ws/widget/"), origin=factories.SITE, max_queue=None, open_timeout=60
    )
    await socket.send(json.dumps({"type": "hello", "token": token}))
    welcome = json.loads(await asyncio.wait_for(socket.recv(), 30))
    if welcome.get("type") != "welcome":
        raise RuntimeError(f"expected welcome, got {welcome}")
    return socket


async def open_desk(base_url: str, cookie: str) -> Any:
    return await websockets.connect(
        ws_url(base_url, "/ws/desk/"),
        origin=base_url,
        additional_headers={"Cookie": f"sessionid={cookie}"},
        max_queue=None,
        open_timeout=60,
    )


async def frames_until(socket: Any, kind: str, within: float = 60) -> list[dict[str, Any]]:
    """Frames up to and including the first of this type."""
    seen = []
    deadline = time.monotonic() + within
    while True:
        remaining = max(0.01, deadline - time.monotonic())
        frame = json.loads(await asyncio.wait_for(socket.recv(), remaining))
        seen.append(frame)
        if frame.get("type") == kind:
            return seen


async def ask(socket: Any, text: str, client_id: str) -> None:
    await socket.send(json.dumps({"type": "message", "client_id": client_id, "text": text}))
