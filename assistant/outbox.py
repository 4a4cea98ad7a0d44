"""Events that synchronous code announces, handed back to the async code that called it.

Services are synchronous Django code: they announce what changed (a new message, a takeover)
after their transaction commits. Run from async code (a socket consumer's database call, a
view under the ASGI server), the thread they run on must not wait for the event loop to send
those events: a loop that is busy, stopping or gone leaves such a thread waiting, and four
fixes of hangs in this project came from exactly that wait. So the async caller opens an
outbox around the synchronous work; what the work announces after commit is collected there,
and the caller publishes it on its own loop once the work has returned, in the order it was
announced. Nothing on the other side of the thread ever waits.

Outside any outbox (a Celery task, a management command, a test calling a service) no loop is
waiting for the thread, and the announcement is sent at once on a loop of its own.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from asgiref.sync import SyncToAsync, async_to_sync

T = TypeVar("T")

logger = logging.getLogger(__name__)

Send = Callable[[], Awaitable[None]]

_current: contextvars.ContextVar[Outbox | None] = contextvars.ContextVar("outbox", default=None)


class Outbox:
    """What one piece of synchronous work announced, in order, for its async caller to send.

    If the caller stops waiting (its task was cancelled while the work still ran in its
    thread), what the work announced until then and afterwards is still sent, from the loop,
    by a task of its own (the events describe committed data)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._sends: list[Send] = []
        self._lock = threading.Lock()
        self._abandoned = False
        # The last background send, so that late events still go out in order (loop thread).
        self._tail: asyncio.Task[None] | None = None

    def add(self, send: Send) -> None:
        with self._lock:
            if not self._abandoned:
                self._sends.append(send)
                return
        # The caller is gone: hand this one to the loop without waiting for it.
        try:
            self._loop.call_soon_threadsafe(self._send_later, [send])
        except RuntimeError:  # the loop is closed: the event stays in the database only
            logger.warning("An event was not published: its event loop is closed")

    async def send_all(self) -> None:
        """Send what was announced so far, in order (the caller's work has returned)."""
        with self._lock:
            sends, self._sends = self._sends, []
        await _send_in_order(sends)

    def abandon(self) -> None:
        """The caller stops waiting: what is here, and what comes later, goes out on its own."""
        with self._lock:
            self._abandoned = True
            sends, self._sends = self._sends, []
        if sends:
            self._send_later(sends)

    def _send_later(self, sends: list[Send]) -> None:
        """On the loop: send these after the background sends before them, in a task."""
        previous = self._tail
        self._tail = task = self._loop.create_task(_send_after(previous, sends))
        _background.add(task)
        task.add_done_callback(_background.discard)


async def sending_after(announced: Outbox, work: Awaitable[T]) -> T:
    """Await ``work`` (synchronous code in a thread, collecting into ``announced``), then send
    what it announced, also when it failed after a commit. A cancelled caller leaves the
    sending to the outbox: the work still runs in its thread (nothing can stop it)."""
    try:
        result = await work
    except asyncio.CancelledError:
        announced.abandon()
        raise
    except BaseException:
        await announced.send_all()
        raise
    await announced.send_all()
    return result


def open_outbox() -> Outbox:
    """Collect the announcements of the synchronous work started from here (the current
    context, and the copies of it that sync_to_async and tasks get)."""
    outbox = Outbox(asyncio.get_running_loop())
    _current.set(outbox)
    return outbox


def use(outbox: Outbox) -> None:
    """Collect into ``outbox`` in this context (a database thread's fresh context)."""
    _current.set(outbox)


def announce(send: Send) -> None:
    """Send an event now that the data it describes is committed: into the caller's outbox
    when async code waits for this work, else at once."""
    outbox = _current.get()
    if outbox is not None:
        outbox.add(send)
        return
    if getattr(SyncToAsync.threadlocal, "main_event_loop", None) is not None:
        # A thread that plain sync_to_async started: its loop waits for it, and sending from
        # here would mean waiting for that loop. Async callers run synchronous work through
        # assistant.db_async, or as a view, both of which open an outbox.
        raise RuntimeError(
            "An event was announced from a thread its event loop waits for, without an outbox; "
            "run this work through assistant.db_async"
        )
    async_to_sync(send)()


# Background sends of abandoned outboxes, kept referenced until they finish.
_background: set[asyncio.Task[None]] = set()


async def _send_after(previous: asyncio.Task[None] | None, sends: list[Send]) -> None:
    if previous is not None:
        await asyncio.wait([previous])
    await _send_in_order(sends)


async def _send_in_order(sends: list[Send]) -> None:
    for send in sends:
        try:
            await send()
        except Exception:
            # The data is committed either way; a widget that missed this event gets it when it
            # resumes. One failed send must not keep the later events from going out.
            logger.exception("An event could not be published")
