"""Rate limits kept in Redis, so they hold across every web process.

A fixed window per key (INCR, then EXPIRE on the first hit) is enough here: the limits are
generous for people and only meant to stop floods, and it costs one round trip.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from assistant.kv import async_redis, sync_redis

_KEY_PREFIX = "ratelimit"


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def per_minute(name: str) -> Limit:
    """One of the limits configured in settings.WIDGET_RATE_LIMITS."""
    return Limit(name, settings.WIDGET_RATE_LIMITS[name], 60)


def _window_key(limit: Limit, subject: str, now: float) -> tuple[str, int]:
    window = int(now // limit.seconds)
    retry_after = limit.seconds - int(now % limit.seconds)
    return f"{_KEY_PREFIX}:{limit.name}:{subject}:{window}", retry_after


def _count(pipeline: Any, limits: list[tuple[Limit, str]]) -> list[int]:
    """Queue one window counter per limit on a (sync or async) pipeline; the retry delays."""
    now = time.time()
    retry = []
    for limit, subject in limits:
        key, retry_after = _window_key(limit, subject, now)
        # SET NX EX then INCR: the window's counter expires with it (EXPIRE NX needs Redis 7).
        pipeline.set(key, 0, ex=limit.seconds, nx=True)
        pipeline.incr(key)
        retry.append(retry_after)
    return retry


def hit(limits: list[tuple[Limit, str]]) -> Verdict:
    """Count one event against each (limit, subject); refuse if any is over its count."""
    pipeline = sync_redis().pipeline()
    retry = _count(pipeline, limits)
    return _verdict(limits, pipeline.execute()[1::2], retry)


async def ahit(limits: list[tuple[Limit, str]]) -> Verdict:
    pipeline = async_redis().pipeline()
    retry = _count(pipeline, limits)
    return _verdict(limits, (await pipeline.execute())[1::2], retry)


def _verdict(limits: list[tuple[Limit, str]], counts: list[int], retry: list[int]) -> Verdict:
    over = [retry[i] for i, (limit, _) in enumerate(limits) if counts[i] > limit.count]
    return Verdict(allowed=not over, retry_after=max(over, default=0))
