"""assistant.outbox: what synchronous code announces after commit is sent by the async code that
called it, on that code's loop, once the synchronous code has returned. No thread ever waits for
an event loop (four hangs of this project came from such waits)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from assistant import outbox
from assistant.db_async import db_async, finish_started_calls
from assistant.http_handler import ConnectionSafeASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)


class Recorder:
    """Announcements that record when, and on which thread, they were sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def announce(self, name: str) -> None:
        async def send() -> None:
            self.sent.append((name, threading.current_thread().name))

        outbox.announce(send)


async def test_a_database_calls_announcements_are_sent_by_its_caller_after_it_returned() -> None:
    recorder = Recorder()

    @db_async
    def work() -> str:
        with transaction.atomic():
            transaction.on_commit(lambda: recorder.announce("first"))
        recorder.announce("second")
        assert recorder.sent == []  # nothing is sent from the database thread
        return "done"

    assert await work() == "done"
    loop_thread = threading.current_thread().name
    assert recorder.sent == [("first", loop_thread), ("second", loop_thread)]


async def test_what_a_failing_call_committed_is_still_announced() -> None:
    recorder = Recorder()

    @db_async
    def work() -> None:
        recorder.announce("committed")
        raise ValueError("after the commit")

    with pytest.raises(ValueError):
        await work()
    assert [name for name, _ in recorder.sent] == ["committed"]


async def test_a_cancelled_caller_still_gets_its_calls_later_announcements_out_in_order() -> None:
    recorder = Recorder()
    started, release = threading.Event(), threading.Event()

    @db_async
    def work() -> None:
        recorder.announce("before")
        started.set()
        release.wait(10)
        recorder.announce("after")
        recorder.announce("last")

    task = asyncio.create_task(work())
    await asyncio.to_thread(started.wait, 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    await asyncio.to_thread(finish_started_calls)
    for _ in range(100):
        if len(recorder.sent) == 3:
            break
        await asyncio.sleep(0.01)
    assert [name for name, _ in recorder.sent] == ["before", "after", "last"]


def test_a_call_whose_loop_has_stopped_returns_at_once() -> None:
    # What once hung a clean-clone CI run: a database call reached its after-commit publish
    # when the test's loop had already stopped, and its thread waited for that loop forever.
    recorder = Recorder()
    loop = asyncio.new_event_loop()
    entered, go, returned = threading.Event(), threading.Event(), threading.Event()

    @db_async
    def call() -> None:
        entered.set()
        go.wait(10)
        recorder.announce("too late")
        returned.set()

    task = loop.create_task(call())
    runner = threading.Thread(target=loop.run_forever)
    runner.start()
    try:
        assert entered.wait(10)
        loop.call_soon_threadsafe(loop.stop)
        runner.join(10)
        assert not loop.is_running()
        go.set()
        assert returned.wait(5), "the database thread is stuck in the announcement"
    finally:
        go.set()
        loop.run_until_complete(asyncio.wait([task], timeout=5))
        loop.close()


async def test_announcing_from_a_bare_sync_to_async_thread_is_refused() -> None:
    # Its loop waits for the thread; sending from there would mean waiting for that loop.
    def work() -> None:
        Recorder().announce("nowhere")

    with pytest.raises(RuntimeError, match="without an outbox"):
        await sync_to_async(work)()


def test_outside_async_code_an_announcement_goes_out_at_once() -> None:
    recorder = Recorder()
    recorder.announce("now")
    assert [name for name, _ in recorder.sent] == ["now"]


async def test_a_views_announcements_are_sent_after_it_returned() -> None:
    # Views run synchronously in a thread under the ASGI server (a desk reply, a takeover).
    recorder = Recorder()
    sent_during_view: list[Any] = []

    def view() -> HttpResponse:
        recorder.announce("reply")
        sent_during_view.extend(recorder.sent)
        return HttpResponse("ok")

    class Handler(ConnectionSafeASGIHandler):
        def __init__(self) -> None:  # no middleware needed for this
            pass

        async def _response(self, request: HttpRequest) -> HttpResponse:
            return await sync_to_async(view)()

    response = await Handler().run_get_response(HttpRequest())
    assert response.content == b"ok"
    assert sent_during_view == []
    assert [name for name, _ in recorder.sent] == ["reply"]
    assert recorder.sent[0][1] == threading.current_thread().name
