"""Who is at the desk right now: one entry per open desk tab, kept alive by its socket.

The "online" an agent picks in the desk is a wish, not a fact: a person who closed the laptop
on Friday is still "online" in their profile on Sunday. So an agent counts as online only while
a desk tab of theirs is connected *and* their chosen status is online. Each desk socket writes
its tab into a Redis sorted set, scored by the time of its last sign of life (connect, ping,
any frame); a tab whose socket died without a goodbye (a crashed browser, a killed process)
drops out by itself once its score is older than ``ONLINE_TTL``.
"""

from __future__ import annotations

import time

from assistant.kv import async_redis, sync_redis

ONLINE_KEY = "desk:online"
# The desk pings every 20 s (static/desk/desk.js); three missed pings and the tab is gone.
ONLINE_TTL = 60.0


def _member(user_id: int, tab: str) -> str:
    return f"{user_id}:{tab}"


async def tab_alive(*, user_id: int, tab: str, now: float | None = None) -> None:
    """A desk tab of this agent is connected (called on connect and on every frame)."""
    await async_redis().zadd(ONLINE_KEY, {_member(user_id, tab): now or time.time()})


async def tab_closed(*, user_id: int, tab: str) -> None:
    await async_redis().zrem(ONLINE_KEY, _member(user_id, tab))


def connected_agent_ids(*, now: float | None = None) -> set[int]:
    """Agents with at least one desk tab that showed a sign of life within ``ONLINE_TTL``."""
    client = sync_redis()
    cutoff = (now or time.time()) - ONLINE_TTL
    # Dead tabs are dropped here, so the set stays as small as the number of open desks.
    client.zremrangebyscore(ONLINE_KEY, "-inf", f"({cutoff}")
    members = client.zrangebyscore(ONLINE_KEY, cutoff, "+inf")
    return {int(member.split(b":", 1)[0]) for member in members}
