"""Which agents are looking at (or typing in) a conversation, kept in Redis.

Entries carry a timestamp and are ignored once older than PRESENCE_TTL, so a desk that vanished
without saying goodbye (a crashed browser, a killed process) stops being shown by itself; open
desks refresh their entry with a heartbeat. The hash is `events.watchers_key`: the reply turn
reads it too, and streams an answer's deltas to the desks only while it exists.
"""

from __future__ import annotations

import json
import time
from typing import Any

from assistant.chat import events
from assistant.kv import async_redis

PRESENCE_TTL = 45.0
TYPING_TTL = 8.0


async def touch(
    conversation_id: str, *, user_id: int, name: str, typing: bool | None = None
) -> None:
    client = async_redis()
    key = events.watchers_key(conversation_id)
    field = str(user_id)
    now = time.time()
    entry = {"name": name, "seen": now, "typing_at": 0.0}
    raw = await client.hget(key, field)
    if raw:
        entry["typing_at"] = json.loads(raw).get("typing_at", 0.0)
    if typing is True:
        entry["typing_at"] = now
    elif typing is False:
        entry["typing_at"] = 0.0
    await client.hset(key, field, json.dumps(entry))
    await client.expire(key, int(PRESENCE_TTL * 4))


async def leave(conversation_id: str, *, user_id: int) -> None:
    await async_redis().hdel(events.watchers_key(conversation_id), str(user_id))


async def agents(conversation_id: str) -> list[dict[str, Any]]:
    """Agents present now: [{"id", "name", "typing"}], stale entries left out."""
    now = time.time()
    present = []
    for field, raw in (await async_redis().hgetall(events.watchers_key(conversation_id))).items():
        entry = json.loads(raw)
        if now - entry["seen"] > PRESENCE_TTL:
            continue
        present.append(
            {
                "id": int(field),
                "name": entry["name"],
                "typing": now - entry["typing_at"] < TYPING_TTL,
            }
        )
    return sorted(present, key=lambda agent: agent["name"])
