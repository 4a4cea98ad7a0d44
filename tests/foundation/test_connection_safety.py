"""A request whose handling fails in any way still gives its database connection back: the pool
cannot be drained from outside (issue 22), in development or production settings."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator
from django.db import connection

from assistant import asgi, server_logs
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _connections_out_of_the_pool() -> int:
    stats = connection.pool.get_stats()
    return stats["pool_size"] - stats["pool_available"]


def _failing_debug_page(*args: Any, **kwargs: Any) -> Any:
    # What Django's debug page did with a lone surrogate in the request: fail while the
    # request's connection was checked out.
    raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")


async def test_a_failure_inside_error_handling_gives_the_connection_back(
    settings: Any, monkeypatch: pytest.MonkeyPatch, inbox_key: str
) -> None:
    settings.DEBUG = True
    monkeypatch.setattr("django.views.debug.technical_500_response", _failing_debug_page)

    def session_start_failing_after_a_query(**kwargs: Any) -> Any:
        from assistant.chat.models import Inbox

        Inbox.objects.count()  # takes a connection from the pool
        raise RuntimeError("boom")

    monkeypatch.setattr(
        "assistant.chat.services.session_start", session_start_failing_after_a_query
    )
    baseline = await _out_of_the_pool()
    size = settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
    for _ in range(size + 5):
        response = await _post_session(inbox_key)
        assert response["status"] == 500
        assert response["body"] == b"Server error."
    await _assert_pool_back_to(baseline)


async def test_the_debug_page_shows_a_lone_surrogate_as_an_escape(
    settings: Any, monkeypatch: pytest.MonkeyPatch, inbox_key: str
) -> None:
    settings.DEBUG = True

    def session_start_quoting_the_visitor(**kwargs: Any) -> Any:
        raise RuntimeError("visitor " + kwargs["language"] + "\ud800")

    monkeypatch.setattr("assistant.chat.services.session_start", session_start_quoting_the_visitor)
    baseline = await _out_of_the_pool()
    response = await _post_session(inbox_key, language="de")
    assert response["status"] == 500
    # Django's own debug page, readable, with the surrogate escaped.
    assert b"RuntimeError" in response["body"] and b"\\ud800" in response["body"]
    await _assert_pool_back_to(baseline)


async def _post_session(inbox_key: str, **extra: Any) -> dict[str, Any]:
    body = json.dumps({"inbox": inbox_key, **extra}).encode()
    communicator = HttpCommunicator(
        asgi.application,
        "POST",
        "/api/widget/session",
        body=body,
        headers=[
            (b"host", b"localhost"),
            (b"content-type", b"application/json"),
            (b"origin", factories.SITE.encode()),
        ],
    )
    return await communicator.get_response(timeout=10)


async def _out_of_the_pool() -> int:
    return await sync_to_async(_connections_out_of_the_pool)()


async def _assert_pool_back_to(baseline: int) -> None:
    # A connection goes back as the response is closed, just after it was sent.
    for _ in range(50):
        if await _out_of_the_pool() <= baseline:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{await _out_of_the_pool() - baseline} connections stayed out")


@pytest.fixture
def inbox_key(db: Any) -> str:
    return factories.make_inbox().public_key


def test_uvicorns_refusal_of_bad_utf8_is_a_warning_without_a_traceback() -> None:
    record = logging.LogRecord(
        "uvicorn.error", logging.ERROR, __file__, 1,
        "Invalid UTF-8 sequence received from client.", (), (ValueError, ValueError(), None),
    )  # fmt: skip
    assert server_logs.RefusedInputFilter().filter(record)
    assert (record.levelno, record.levelname, record.exc_info) == (logging.WARNING, "WARNING", None)
    other = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, "Exception", (), None)
    server_logs.RefusedInputFilter().filter(other)
    assert other.levelno == logging.ERROR
