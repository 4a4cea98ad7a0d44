"""Redis clients for this process (rate limits, locks, presence), beside Celery's and Channels'.

The async client is kept per event loop, because a client's connections belong to the loop that
opened them (tests and ``async_to_sync`` run several loops in one process).
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref

import redis
import redis.asyncio
from django.conf import settings

_sync_client: redis.Redis | None = None
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.asyncio.Redis] = (
    weakref.WeakKeyDictionary()
)


def sync_redis() -> redis.Redis:
    global _sync_client
    if _sync_client is None:
        _sync_client = redis.Redis.from_url(settings.REDIS_URL)
    return _sync_client


def async_redis() -> redis.asyncio.Redis:
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
        _async_clients[loop] = client
    return client


def async_lock(name: str, *, timeout: float) -> redis.asyncio.lock.Lock:
    """A lock shared by every process; it expires after ``timeout`` if its holder dies."""
    return async_redis().lock(f"lock:{name}", timeout=timeout)


def try_lock(name: str, *, timeout: float) -> bytes | None:
    """Take the lock ``name`` (as `async_lock` names it) from synchronous code without waiting:
    its token when taken, None when someone holds it. The holder releases it from async code
    with `async_lock_held`."""
    lock = sync_redis().lock(f"lock:{name}", timeout=timeout)
    if not lock.acquire(blocking=False):
        return None
    return lock.local.token


def async_lock_held(name: str, *, token: bytes, timeout: float) -> redis.asyncio.lock.Lock:
    """The lock ``name`` that `try_lock` took (its ``token``), to release or extend from async
    code like any `async_lock`."""
    lock = async_lock(name, timeout=timeout)
    lock.local.token = token
    return lock


def release_lock(name: str, *, token: bytes) -> None:
    """Release the lock ``name`` that `try_lock` took, from synchronous code (if it is still
    ``token``'s: an expired lock someone else took since stays theirs)."""
    lock = sync_redis().lock(f"lock:{name}")
    with contextlib.suppress(redis.exceptions.LockNotOwnedError):
        lock.do_release(token)
