"""The reply turns running in this web process, and the one way to stop them.

Reply turns outlive the socket that started them (the customer may close the tab; the answer is
still stored and shown in their other tabs and in the desk), so they are kept here, not on a
consumer, until they finish. A turn is stopped when a person takes the conversation over or the
contact's data is erased.

Cancelling a turn's task alone is not enough: a cancellation that lands while the task waits in
a database call is absorbed there, so the streaming loop also asks `stop_requested` before it
forwards each piece. Both halves live here, so a stop is one call.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

logger = logging.getLogger(__name__)

_running: dict[uuid.UUID, set[asyncio.Task[None]]] = {}
_stop_requested: set[uuid.UUID] = set()


def start(
    conversation_id: uuid.UUID, turn: Callable[[uuid.UUID], Coroutine[Any, Any, None]]
) -> asyncio.Task[None]:
    """Run ``turn(conversation_id)`` as a task of this process, remembered until it ends."""
    task = asyncio.create_task(turn(conversation_id))
    _running.setdefault(conversation_id, set()).add(task)
    task.add_done_callback(lambda done: _forget(conversation_id, done))
    return task


def stop(conversation_id: uuid.UUID) -> None:
    """Stop the conversation's running turns: withdraw what they streamed, store nothing more."""
    _stop_requested.add(conversation_id)
    for task in _running.get(conversation_id, ()):
        task.cancel()


def stop_requested(conversation_id: uuid.UUID) -> bool:
    return conversation_id in _stop_requested


def clear_stop(conversation_id: uuid.UUID) -> None:
    """A new run of turns begins: an earlier stop no longer applies."""
    _stop_requested.discard(conversation_id)


def running(conversation_id: uuid.UUID) -> set[asyncio.Task[None]]:
    """The conversation's turns still running in this process (a copy)."""
    return set(_running.get(conversation_id, ()))


def _forget(conversation_id: uuid.UUID, task: asyncio.Task[None]) -> None:
    tasks = _running.get(conversation_id, set())
    tasks.discard(task)
    if not tasks:
        _running.pop(conversation_id, None)
    if not task.cancelled() and task.exception() is not None:
        logger.error(
            "Reply turn failed for conversation %s", conversation_id, exc_info=task.exception()
        )
