"""Hostile input fuzzed against the real server, as an attacker would send it (issue 22).

The production ASGI server runs in a child process, once in development settings (DEBUG on, the
debug error page, as `make run` starts it) and once in production settings, with a pool of four
connections so that a leak would show within a few requests. Hypothesis draws widget session
bodies and frames of every type of both sockets (the widget's and the desk's) with hostile
strings (NUL, control characters, lone surrogates, huge values), wrong types and deep nesting;
every answer must be a documented status or error frame, the socket must stay open, and a
refusal must store nothing. Then hundreds of failing requests of every kind (the widget's
session endpoint and socket, the API, the analytics drill-down, the desk socket) must leave the
pool serving and the server ready. (The API is also fuzzed against its schema, in-process, by
tests/tickets/test_api_fuzz.py; the pages by tests/tickets/test_pages_input.py.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from websockets.sync.client import ClientConnection, connect

from assistant.chat.models import Contact, Inbox, Message
from tests import factories
from tests.foundation.test_settings import PRODUCTION
from tests.live import ROOT, LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

SESSION_STATUSES = {200, 400, 403, 404}
FRAME_ERRORS = {"bad_json", "unknown_type", "invalid", "too_long", "conversation_resolved"}
POOL_SIZE = 4
EXAMPLES = 80
FUZZ = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- strategies ------------------------------------------------------------------------------

HOSTILE_CHARACTERS = st.sampled_from(
    ["\x00", "\ud800", "\udfff", "\x1b", "\x7f", "\u2028", "\ufeff", "\n", "<", "'"]
)
hostile_text = st.one_of(
    st.text(st.one_of(st.characters(), HOSTILE_CHARACTERS), max_size=40),
    st.sampled_from(
        ["<script>alert(1)</script>", "'; DROP TABLE chat_message; --", "javascript:x"]
    ),
)
# Over the 4,000-character limit, and still well inside the server's 64 KiB frame limit.
too_long = st.sampled_from(["x" * 4001, "é" * 4001, "\U0001f600" * 4001])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63, max_value=2**80),
    st.floats(allow_nan=False),
    hostile_text,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8,
)
DEEP = "[" * 3000 + "]" * 3000


def frames(kind: str, **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Frames of one type whose fields are valid or hostile, each drawn on its own."""
    drawn = {name: st.one_of(valid, json_values) for name, valid in fields.items()}
    return st.fixed_dictionaries({"type": st.just(kind)}, optional=drawn)


CLIENT_FRAMES = st.one_of(
    frames(
        "message",
        client_id=st.text(min_size=1, max_size=64).map(lambda t: "f-" + t[:60]),
        text=st.one_of(st.text(min_size=1, max_size=50), too_long),
    ),
    frames("typing", active=st.booleans()),
    frames("handoff"),
    frames("rate", score=st.integers(1, 5), comment=st.one_of(st.text(max_size=20), too_long)),
    frames("resume", last_seq=st.integers(0, 5), conversation_id=st.text(max_size=40)),
    frames("ping"),
    frames("hello", token=st.text(max_size=20)),
    st.fixed_dictionaries({"type": json_values}),
)


# -- the servers -----------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["development", "production"])
def hostile_server(request: Any, live_server_environment: dict[str, str]) -> Iterator[LiveServer]:
    environment = {
        **live_server_environment,
        # The limits are tested elsewhere; here they would answer 429 before any parsing.
        "WIDGET_SESSIONS_PER_MINUTE_PER_IP": "1000000",
        "WIDGET_MESSAGES_PER_MINUTE_PER_IP": "1000000",
        "WIDGET_MESSAGES_PER_MINUTE_PER_VISITOR": "1000000",
        "WIDGET_MESSAGES_PER_MINUTE_PER_INBOX": "1000000",
        "DATABASE_POOL_MAX_SIZE": str(POOL_SIZE),
        "DATABASE_THREADS": "2",
        "DATABASE_POOL_TIMEOUT": "3",
    }
    if request.param == "production":
        environment.update(
            {
                "DEBUG": PRODUCTION["DEBUG"],
                # The test process's key, so that the desk sessions it signs in are valid there.
                "DJANGO_SECRET_KEY": settings.SECRET_KEY,
                "ALLOWED_HOSTS": "127.0.0.1",
                "CSRF_TRUSTED_ORIGINS": "http://127.0.0.1",
                "SECURE_SSL_REDIRECT": "false",
            }
        )
        # Production pages name their assets through the manifest that collectstatic writes
        # (as the production image's build does).
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=environment,
            check=True,
            timeout=300,
        )
    with LiveServer(environment, name=f"hostile-{request.param}") as server:
        yield server


@pytest.fixture
def inbox(db: Any) -> Inbox:
    # No assistant: frames are judged without answers streaming in between.
    return factories.make_inbox(bot_enabled=False)


def _session(server: LiveServer, body: Any, *, raw: bytes | None = None) -> httpx.Response:
    content = raw if raw is not None else json.dumps(body).encode()
    return httpx.post(
        f"{server.url}/api/widget/session",
        content=content,
        headers={"Content-Type": "application/json", "Origin": factories.SITE},
        timeout=15,
    )


@contextmanager
def _widget_socket(server: LiveServer, inbox: Inbox) -> Iterator[ClientConnection]:
    """A widget socket past its hello, as a new visitor."""
    session = _session(server, {"inbox": inbox.public_key})
    assert session.status_code == 200, session.text
    url = server.url.replace("http", "ws") + "/ws/widget/"
    with connect(url, origin=factories.SITE, open_timeout=10) as socket:
        socket.send(json.dumps({"type": "hello", "token": session.json()["token"]}))
        assert json.loads(socket.recv(timeout=10))["type"] == "welcome"
        yield socket


def _answers_until_pong(socket: ClientConnection, pongs: int = 1) -> list[dict[str, Any]]:
    """The frames that answer what was sent before a ping, up to its pong: the socket is open.
    ``pongs`` is 2 when what was sent was a ping itself."""
    socket.send('{"type": "ping"}')
    answers = []
    while pongs:
        frame = json.loads(socket.recv(timeout=10))
        if frame["type"] == "pong":
            pongs -= 1
        else:
            answers.append(frame)
    return answers


# -- the tests -------------------------------------------------------------------------------


def test_hostile_session_bodies_get_a_documented_status_and_store_nothing(
    hostile_server: LiveServer, inbox: Inbox
) -> None:
    @FUZZ
    @given(
        body=st.one_of(
            st.fixed_dictionaries(
                {"inbox": st.one_of(st.just(inbox.public_key), json_values)},
                optional={
                    "visitor": json_values,
                    "language": json_values,
                    "identity": st.one_of(
                        json_values,
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "id": json_values,
                                "hash": st.one_of(json_values, st.just("a" * 64)),
                                "name": json_values,
                                "email": json_values,
                            },
                        ),
                    ),
                },
            ),
            json_values,
        )
    )
    def one(body: Any) -> None:
        before = Contact.objects.count()
        response = _session(hostile_server, body)
        assert response.status_code in SESSION_STATUSES, (body, response.text)
        if response.status_code != 200:
            assert response.json()["error"] and response.json()["message"]
            assert Contact.objects.count() == before, body

    one()
    for raw in (DEEP.encode(), b"\xff\xfe not utf-8", b"", b"{", b'{"inbox": "\\ud800"}'):
        assert _session(hostile_server, None, raw=raw).status_code == 400, raw


def test_hostile_frames_of_every_type_get_documented_errors_and_the_socket_stays_open(
    hostile_server: LiveServer, inbox: Inbox
) -> None:
    @FUZZ
    @given(frame=CLIENT_FRAMES)
    def one(frame: dict[str, Any]) -> None:
        before = Message.objects.count()
        socket.send(json.dumps(frame))
        answers = _answers_until_pong(socket, pongs=2 if frame.get("type") == "ping" else 1)
        errors = [answer for answer in answers if answer["type"] == "error"]
        assert {error["code"] for error in errors} <= FRAME_ERRORS, (frame, errors)
        acknowledged = any(answer["type"] == "ack" for answer in answers)
        if frame.get("type") == "message" and not acknowledged:
            assert errors, (frame, answers)
            assert Message.objects.count() == before, frame

    with _widget_socket(hostile_server, inbox) as socket:
        one()
        for raw in (DEEP, "{", "[1]", '"text"', "null"):
            socket.send(raw)
            assert [a["code"] for a in _answers_until_pong(socket)] == ["bad_json"], raw


def _staff(role: str) -> tuple[str, str]:
    """A desk user's session cookie and API token, made in the database the server reads."""
    from django.test import Client

    user = factories.make_agent(f"hostile-{role}", role=role)
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value, factories.make_api_key(user)


@contextmanager
def _desk_socket(server: LiveServer, session: str) -> Iterator[ClientConnection]:
    url = server.url.replace("http", "ws") + "/ws/desk/"
    with connect(
        url,
        origin=server.url,
        additional_headers={"Cookie": f"sessionid={session}"},
        open_timeout=10,
    ) as socket:
        yield socket


def _desk_answer(socket: ClientConnection, raw: str) -> list[dict[str, Any]]:
    """What the desk socket answers to a frame, up to the pong of a ping sent after it."""
    socket.send(raw)
    socket.send('{"type": "ping"}')
    answers = []
    while (frame := json.loads(socket.recv(timeout=10)))["type"] != "pong":
        answers.append(frame)
    return answers


DESK_CODES = {"bad_json", "unknown_type", "invalid", "not_found", "not_watching"}
DESK_FRAMES = st.one_of(
    *(
        frames(kind, conversation_id=st.uuids().map(str), active=st.booleans())
        for kind in ("watch", "unwatch", "typing", "heartbeat")
    ),
    st.fixed_dictionaries({"type": json_values}),
)


def test_hostile_desk_frames_get_documented_errors_and_the_socket_stays_open(
    hostile_server: LiveServer,
) -> None:
    session, _token = _staff("agent")

    @FUZZ
    @given(frame=DESK_FRAMES)
    def one(frame: dict[str, Any]) -> None:
        answers = _desk_answer(socket, json.dumps(frame))
        errors = [answer for answer in answers if answer["type"] == "error"]
        assert {error["code"] for error in errors} <= DESK_CODES, (frame, errors)

    with _desk_socket(hostile_server, session) as socket:
        one()
        for raw in (DEEP, "{", "[1]", "null", '{"type":"typing","conversation_id":{"a":1}}'):
            assert [a["type"] for a in _desk_answer(socket, raw)] == ["error"], raw


def test_hundreds_of_failing_requests_leave_the_pool_full_and_the_server_ready(
    hostile_server: LiveServer, inbox: Inbox
) -> None:
    attacks = [
        {"inbox": inbox.public_key, "visitor": "\ud800"},  # drained the pool under DEBUG
        {"inbox": inbox.public_key, "language": "de\x00"},
        {"inbox": "pk\udfff"},
        {"inbox": inbox.public_key, "identity": {"id": "c" * 300, "hash": "é" * 64}},
    ]
    for _ in range(60):
        for attack in attacks:
            assert _session(hostile_server, attack).status_code == 400
        assert _session(hostile_server, None, raw=DEEP.encode()).status_code == 400
    with _widget_socket(hostile_server, inbox) as socket:
        for text in ("\x00", "\ud800", DEEP) * 20:
            if text == DEEP:
                socket.send(text)
            else:
                socket.send(json.dumps({"type": "message", "client_id": "x", "text": text}))
            assert [a["type"] for a in _answers_until_pong(socket)] == ["error"]
    # The API, the analytics drill-down and the desk socket, as a signed-in manager.
    session, token = _staff("manager")
    api = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    for _ in range(20):
        for path in ("/api/v1/tickets", f"/api/v1/tickets/{2**62}/notes"):
            response = httpx.post(hostile_server.url + path, content=DEEP, headers=api, timeout=15)
            assert response.status_code in (400, 404), (path, response.text)
        for params in ({"dimension": "inbox", "value": "²"}, {"period": "2026-13-45"}):
            response = httpx.get(
                hostile_server.url + "/analytics/conversations/",
                params=params,
                cookies={"sessionid": session},
                timeout=15,
            )
            assert response.status_code == 400, (params, response.status_code)
    with _desk_socket(hostile_server, session) as desk:
        for raw in (DEEP, '{"type":"unwatch","conversation_id":["a"]}') * 20:
            assert [a["type"] for a in _desk_answer(desk, raw)] == ["error"]
    # Every connection of the pool still serves: more requests than it holds, each one
    # needing the database, all answered within the pool's three-second wait.
    for _ in range(POOL_SIZE * 3):
        assert _session(hostile_server, {"inbox": inbox.public_key}).status_code == 200
    ready = httpx.get(f"{hostile_server.url}/readyz", timeout=15).json()
    assert ready["checks"]["database"]["ok"], ready
    assert ready["checks"]["redis"]["ok"], ready
