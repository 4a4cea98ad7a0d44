"""Redis clients for this process (rate limits, locks, presence), beside Celery's and Channels'.

The async client is kept per event loop, because a client's connections belong to the loop that
opened them (tests and ``async_to_sync`` run several loops in one process).
"""

from __future__ import annotations

import asyncio
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
