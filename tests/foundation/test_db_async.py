"""assistant.db_async: the async code's database calls run side by side on a bounded pool of
threads, and none of them keeps a pooled connection after it returns."""

from __future__ import annotations

import asyncio
import threading

import pytest
from django.conf import settings
from django.db import connection

from assistant.chat.models import Inbox
from assistant.db_async import db_async
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


async def test_two_calls_run_at_the_same_time() -> None:
    # Each call waits inside its thread for the other to arrive: on Channels' one shared
    # thread (db_async) the first would wait alone and the barrier would break.
    barrier = threading.Barrier(2, timeout=10)

    @db_async
    def meet() -> str:
        barrier.wait()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return f"{threading.current_thread().name}:{cursor.fetchone()[0]}"

    first, second = await asyncio.gather(meet(), meet())
    assert first != second  # two threads, two connections


async def test_calls_from_one_task_never_share_a_connection() -> None:
    # Django keeps connections in asgiref's context-aware Local: without a context of its own,
    # the first call's connection came back to this task and the two calls below would both
    # have used it, from two threads at once.
    barrier = threading.Barrier(2, timeout=10)

    @db_async
    def backend(meet: bool) -> int:
        if meet:
            barrier.wait()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    await backend(False)
    first, second = await asyncio.gather(backend(True), backend(True))
    assert first != second


async def test_no_more_threads_than_configured_and_every_connection_goes_back() -> None:
    inbox = await db_async(factories.make_inbox)()
    threads: set[str] = set()

    @db_async
    def read(pk: int) -> str:
        threads.add(threading.current_thread().name)
        return Inbox.objects.get(pk=pk).name

    @db_async
    def checked_out() -> int:
        """Connections out of the pool, this call's own included (other code of the test
        process, such as the test's own thread, may hold some too)."""
        connection.ensure_connection()
        stats = connection.pool.get_stats()
        return stats["pool_size"] - stats["pool_available"]

    before = await checked_out()
    names = await asyncio.gather(*(read(inbox.pk) for _ in range(5 * settings.DATABASE_THREADS)))
    # The pool counts a connection it is still opening to grow (for the calls above, which
    # wanted more than it had) as out of the pool until that connection arrives: wait for the
    # growth to finish. A connection a call kept never comes back, and the count stays high.
    after = await checked_out()
    for _ in range(50):
        if after == before:
            break
        await asyncio.sleep(0.1)
        after = await checked_out()

    assert set(names) == {inbox.name}
    assert 1 <= len(threads) <= settings.DATABASE_THREADS
    assert all(name.startswith("db_") for name in threads)
    assert after == before  # all forty calls gave their connections back


async def test_a_call_whose_caller_was_cancelled_can_be_waited_for() -> None:
    from assistant.db_async import finish_started_calls

    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    @db_async
    def slow() -> None:
        started.set()
        release.wait(10)
        finished.set()

    task = asyncio.create_task(slow())
    await asyncio.to_thread(started.wait, 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not finished.is_set()  # the caller is gone; its call still runs
    threading.Timer(0.2, release.set).start()
    await asyncio.to_thread(finish_started_calls)
    assert finished.is_set()


def test_a_wait_for_started_calls_cut_short_leaves_later_calls_a_working_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A teardown's wait stopped by pytest-timeout used to leave the shut-down executor cached:
    # every later call failed with "cannot schedule new futures after shutdown".
    from assistant import db_async as module

    class CutShort(Exception):
        pass

    first = module._executor()
    real_shutdown = first.shutdown

    def interrupted(wait: bool = True, **kwargs: object) -> None:
        real_shutdown(wait=False)
        raise CutShort

    monkeypatch.setattr(first, "shutdown", interrupted)
    with pytest.raises(CutShort):
        module.finish_started_calls()

    assert module._executor() is not first
    assert asyncio.run(db_async(lambda: 42)()) == 42
