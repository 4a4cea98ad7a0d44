"""Database work from async code (consumers, the reply turn) on a bounded pool of threads.

Channels' ``database_sync_to_async`` runs every call of the process on one shared thread, so
each socket's queries waited behind every other socket's: with 50 customers asking at once,
first tokens queued for a second behind other turns' database round trips (B1 in
docs/benchmarks.md). Each call here is self-contained (its own transaction, no state carried
between calls), so it may run on any thread: up to ``DATABASE_THREADS`` run at once, each
holding at most one pooled connection for the length of the call and giving it back to the pool
when the call ends, so a thread never keeps one between calls.

Keep ``DATABASE_THREADS`` below ``DATABASE_POOL_MAX_SIZE``: the rest of the pool serves Django's
own request threads and the shared thread-sensitive executor.

What a call announces after commit (assistant.outbox) comes back with it: the caller publishes it
on its own loop once the call has returned, so a database thread never waits for the loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import ParamSpec, TypeVar

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import connections

from assistant import outbox

P = ParamSpec("P")
R = TypeVar("R")


@cache
def _executor() -> ThreadPoolExecutor:
    # Threads start on first use, so a process that forks workers gets its own.
    return ThreadPoolExecutor(max_workers=settings.DATABASE_THREADS, thread_name_prefix="db")


def db_async(func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """``func`` (synchronous Django code) as a coroutine function run on the database threads.

    Use as a decorator or a wrapper, like ``database_sync_to_async``. Not for code that must
    see the caller's open transaction: each call gets a connection of its own.
    """

    @functools.wraps(func)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        # A fresh, empty context for every call. Django keeps its connections in asgiref's
        # context-aware Local, and sync_to_async normally runs in a copy of the caller's context
        # and copies the changes back: the connection opened by one call would then come back
        # to the caller and be handed to its next calls, and to tasks started from it, running
        # on other threads at the same time. One psycopg connection used by two threads at once
        # interleaves their transactions (a row lock left held, the process stuck).
        announced = outbox.Outbox(asyncio.get_running_loop())
        isolated = SyncToAsync(
            functools.partial(_closing, announced, func),
            thread_sensitive=False,
            executor=_executor(),
            context=contextvars.Context(),
        )
        return await outbox.sending_after(announced, isolated(*args, **kwargs))

    return call


def _closing(
    announced: outbox.Outbox, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """Run ``func`` and give its connection back to the pool, inside the call's own context
    (Channels' database_sync_to_async closes connections outside it, where there are none)."""
    outbox.use(announced)
    try:
        return func(*args, **kwargs)
    finally:
        connections.close_all()


def finish_started_calls() -> None:
    """Wait until every call already handed to the database threads has returned; the next
    call starts fresh threads. A cancelled caller does not stop its call's thread (nothing can),
    so code about to pull the database away waits here (the tests' teardown does)."""
    if _executor.cache_info().currsize:
        executor = _executor()
        # Forgotten first: if the wait below is cut short, later calls still get threads.
        _executor.cache_clear()
        executor.shutdown(wait=True)
