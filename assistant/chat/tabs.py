"""Where a contact's widget tabs are: which are in this process, and whether any are elsewhere.

An answer's stream deltas went through the channel layer to the contact's group: one Redis
publish and one receive per delta, even when the only tab is a socket of the process that
writes the answer (issue 23: about a seventh of the web process's CPU per answer). When no
desk shows the conversation and every tab of the contact is here, the reply turn hands the
answer's events straight to these sockets instead (`send_here`), in order, and ``stream_end``
still goes through the layer, so every tab and desk anywhere gets the whole answer.

Which processes hold a contact's tabs is kept in Redis (a hash per contact: process -> number
of tabs), because tabs of one customer may be on any web process. A process that dies leaves
its count behind: the contact's answers then go through the layer, the safe side, until the
hash expires (``TABS_TTL_SECONDS`` after the last tab joined).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from assistant.chat.events import watchers_key
from assistant.kv import async_redis

logger = logging.getLogger(__name__)

# This process, among the web processes that share Redis.
PROCESS = uuid.uuid4().hex
# Longer than a widget socket stays open; a dead process's count is forgotten after this.
TABS_TTL_SECONDS = 24 * 3600

Send = Callable[[str], Awaitable[None]]

# The contact's widget sockets in this process: how to send one of them a frame.
_here: dict[str, set[Send]] = {}


def tabs_key(contact_id: uuid.UUID | str) -> str:
    return f"tabs:{contact_id}"


async def joined(contact_id: uuid.UUID | str, send: Send) -> None:
    """A widget socket of the contact opened here (after its hello)."""
    _here.setdefault(str(contact_id), set()).add(send)
    async with async_redis().pipeline(transaction=False) as pipe:
        pipe.hincrby(tabs_key(contact_id), PROCESS, 1)
        pipe.expire(tabs_key(contact_id), TABS_TTL_SECONDS)
        await pipe.execute()


async def left(contact_id: uuid.UUID | str, send: Send) -> None:
    """The socket closed."""
    sends = _here.get(str(contact_id))
    if sends is None or send not in sends:
        return
    sends.discard(send)
    if not sends:
        del _here[str(contact_id)]
    # One round trip: a count of 0 reads as no tab (`audience`); the field goes with the hash.
    await async_redis().hincrby(tabs_key(contact_id), PROCESS, -1)


@dataclass(frozen=True)
class Audience:
    """Who sees an answer as it streams, decided once per answer."""

    # A desk shows the conversation: its deltas go to the conversation's group too.
    watchers: bool
    # No desk, and every tab of the contact is in this process: deltas need no channel layer.
    only_here: bool


async def audience(contact_id: uuid.UUID | str, conversation_id: uuid.UUID | str) -> Audience:
    """One Redis round trip: is a desk watching, and are all the contact's tabs here?"""
    async with async_redis().pipeline(transaction=False) as pipe:
        pipe.exists(watchers_key(conversation_id))
        pipe.hgetall(tabs_key(contact_id))
        watched, counts = await pipe.execute()
    elsewhere = any(
        int(count) > 0 for process, count in counts.items() if process.decode() != PROCESS
    )
    watchers = bool(watched)
    return Audience(watchers=watchers, only_here=not watchers and not elsewhere)


async def send_here(contact_id: uuid.UUID | str, text: str) -> None:
    """One encoded event to the contact's sockets in this process, in the order of calls (each
    send is handed to the server before the next call starts)."""
    for send in list(_here.get(str(contact_id), ())):
        try:
            await send(text)
        except Exception:
            # A socket that closed meanwhile; the others still get the event, and this tab
            # gets the whole answer from the database when it resumes.
            logger.debug("A widget socket closed while an answer streamed", exc_info=True)
