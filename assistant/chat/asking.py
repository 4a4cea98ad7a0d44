"""A customer's message and the turn that answers it, begun in one database call.

Storing the message and reading the turn's context were two calls into the database threads,
each a pooled connection checked out and given back, a thread hop each way and a transaction
(issue 23). Here the call that stores the message (and commits it) goes on, on the same thread
and connection, to take the conversation's reply lock and read the turn's context, in the
order the turn itself takes them (lock, then context), so the turn sees what it saw before.
When the lock is held by a running turn, nothing more is read: that turn answers the message
(`reply.answer_conversation` re-checks when it ends), as before.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Sequence

from assistant import kv
from assistant.chat import reply, services, turns
from assistant.db_async import db_async

# Releases of locks whose turn never began, kept until they are done (a task nobody holds may be
# collected before it runs).
_releasing: set[asyncio.Task[None]] = set()


@db_async
def customer_message_with_turn(
    *,
    contact_id: uuid.UUID,
    text: str,
    client_id: str,
    attachment_ids: Sequence[uuid.UUID] = (),
) -> tuple[services.StoredCustomerMessage, reply.ClaimedTurn | None]:
    """`services.customer_message_create`, and the turn it asks for claimed when the
    assistant answers in the conversation's state and no turn is running (else None)."""
    stored = services.customer_message_create(
        contact_id=contact_id, text=text, client_id=client_id, attachment_ids=attachment_ids
    )
    conversation_id = stored.conversation.id
    # A message of files alone asks for no turn (the assistant reads words, not files), so
    # no lock is taken that no turn would give back.
    if not stored.message.text or stored.conversation.state not in reply.ANSWERED_STATES:
        return stored, None
    name = reply.lock_name(conversation_id)
    token = kv.try_lock(name, timeout=reply.LOCK_SECONDS)
    if token is None:
        return stored, None
    try:
        context = reply.turn_context(conversation_id)
    except BaseException:
        kv.release_lock(name, token=token)
        raise
    return stored, reply.ClaimedTurn(conversation_id, token, context)


def start_turn(conversation_id: uuid.UUID, claimed: reply.ClaimedTurn | None) -> None:
    """Answer the conversation in a turn of this process, beginning with the ``claimed`` one."""
    task = turns.start(
        conversation_id, functools.partial(reply.answer_conversation, claimed=claimed)
    )
    if claimed is not None:
        task.add_done_callback(functools.partial(_release_if_never_taken, claimed))


def _release_if_never_taken(claimed: reply.ClaimedTurn, _task: asyncio.Task[None]) -> None:
    """A turn cancelled before its first step (a person took over at that moment) never ran
    the code that releases its lock: give it back, or the conversation's next turn would wait
    for it to expire."""
    if claimed.taken:
        return
    release = asyncio.ensure_future(claimed.held_lock().release())
    _releasing.add(release)
    release.add_done_callback(_releasing.discard)
