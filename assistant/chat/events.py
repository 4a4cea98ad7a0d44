"""What the chat side tells connected clients, and through which channel-layer groups.

Every payload crosses processes as plain JSON. Events are encoded once, here, and consumers
forward the text as it is: one encoding per event, not one per connected socket.

Groups:
* ``widget.contact.<contact id>``: every widget tab of one contact.
* ``conversation.<conversation id>``: everyone watching one conversation in the desk.
* ``desk.inbox.<inbox id>``: every desk that lists this inbox's conversations.
"""

from __future__ import annotations

import asyncio
import functools
import json
import uuid
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction

from assistant import outbox
from assistant.chat.attachment_links import attachment_payload
from assistant.chat.models import Attachment, Conversation, Message

# The channel-layer message type; consumers implement it as ``forward_event``.
FORWARD = "forward.event"


def contact_group(contact_id: uuid.UUID | str) -> str:
    return f"widget.contact.{contact_id}"


def conversation_group(conversation_id: uuid.UUID | str) -> str:
    return f"conversation.{conversation_id}"


def watchers_key(conversation_id: uuid.UUID | str) -> str:
    """The Redis hash of the agents whose desks show this conversation (tickets.presence keeps
    it; it is gone a few minutes after the last one leaves or stops sending heartbeats). While
    it exists, the reply turn sends its stream deltas to the conversation's group too
    (assistant/chat/tabs.py, ``audience``)."""
    return f"presence:{conversation_id}"


def inbox_group(inbox_id: int) -> str:
    """Desks showing this inbox's queues: new messages and state changes, never stream tokens."""
    return f"desk.inbox.{inbox_id}"


def message_payload(message: Message, attachments: Sequence[Attachment] = ()) -> dict[str, Any]:
    """The message as the widget and the desk receive it; ``attachments`` are the files it
    carries (the caller knows them: reading them here would cost every message a query)."""
    payload = {
        "id": f"{message.conversation_id}:{message.seq}",
        "conversation_id": str(message.conversation_id),
        "seq": message.seq,
        "client_id": message.client_id,
        "author": {"kind": message.author_kind, "name": message.author_name},
        "text": message.text,
        "citations": message.citations,
        "created_at": message.created_at.isoformat().replace("+00:00", "Z"),
    }
    if attachments:
        payload["attachments"] = [attachment_payload(attachment) for attachment in attachments]
    return payload


def conversation_payload(
    conversation: Conversation, agent_name: str | None = None
) -> dict[str, Any]:
    return {
        "id": str(conversation.id),
        "state": conversation.state,
        "language": conversation.language,
        "agent": agent_name,
        "last_seq": conversation.last_seq,
        "rated": conversation.csat_score is not None,
    }


# Built once: ``json.dumps`` with any non-default option builds a new encoder on every call,
# and the reply turn encodes an event for every piece of an answer.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# A JSON string literal of a str, as the encoder above writes it (the C implementation).
_json_string: Callable[[str], str] = json.encoder.encode_basestring


def encode(event: dict[str, Any]) -> str:
    return _ENCODER.encode(event)


def delta_frames(stream_id: str) -> Callable[[str], str]:
    """How one answer's ``stream_delta`` events are encoded: the same text as ``encode`` gives
    for ``{"type": "stream_delta", "stream_id": stream_id, "text": text}``, without building
    and walking that dict for every piece of the answer (only the text is encoded per piece;
    tests/chat/test_delta_frames.py proves the two agree, escapes included)."""
    prefix = f'{{"type":"stream_delta","stream_id":{_json_string(stream_id)},"text":'
    return lambda text: f"{prefix}{_json_string(text)}}}"


async def publish(
    *,
    contact_id: uuid.UUID | str,
    conversation_id: uuid.UUID | str,
    event: dict[str, Any],
    stop_reply: bool = False,
    inbox_id: int | None = None,
    to_watchers: bool = True,
) -> None:
    """Send one event to the contact's widget tabs and to the conversation's watchers (and to
    the inbox's desks when ``inbox_id`` is given). ``to_watchers=False`` leaves the watchers
    out: the reply turn's stream deltas when no desk shows the conversation (see ``watched``).

    ``stop_reply`` tells the process running this conversation's reply turn to stop it at once
    (a human took over); the consumer that started the turn receives it through its group.
    """
    layer = get_channel_layer()
    envelope: dict[str, Any] = {"type": FORWARD, "text": encode(event)}
    if stop_reply:
        envelope["stop_reply_for"] = str(conversation_id)
    sends = [layer.group_send(contact_group(contact_id), envelope)]
    if to_watchers:
        sends.append(layer.group_send(conversation_group(conversation_id), envelope))
    if inbox_id is not None:
        sends.append(
            layer.group_send(inbox_group(inbox_id), {"type": FORWARD, "text": envelope["text"]})
        )
    # One group_send is two to four Redis round trips; the groups are independent, so they go
    # out together (each group still sees events in order: the next publish waits for these).
    # A lone send (most stream deltas) is awaited as it is: gather would wrap it in a task.
    if len(sends) == 1:
        await sends[0]
    else:
        await asyncio.gather(*sends)


def publish_on_commit(
    *,
    contact_id: uuid.UUID,
    conversation_id: uuid.UUID,
    event: dict[str, Any],
    stop_reply: bool = False,
    inbox_id: int | None = None,
) -> None:
    """Publish after the surrounding transaction commits (never announce what may roll back)."""

    def send() -> None:
        _announce(
            publish,
            contact_id=contact_id,
            conversation_id=conversation_id,
            event=event,
            stop_reply=stop_reply,
            inbox_id=inbox_id,
        )

    transaction.on_commit(send)


async def publish_to_desks(
    *, conversation_id: uuid.UUID | str | None, inbox_id: int, event: dict[str, Any]
) -> None:
    """Desk-only events (notes, ticket changes, presence): never sent to a widget group."""
    layer = get_channel_layer()
    envelope = {"type": FORWARD, "text": encode(event)}
    if conversation_id is not None:
        await layer.group_send(conversation_group(conversation_id), envelope)
    await layer.group_send(inbox_group(inbox_id), envelope)


def publish_to_desks_on_commit(
    *, conversation_id: uuid.UUID | str | None, inbox_id: int, event: dict[str, Any]
) -> None:
    def send() -> None:
        _announce(publish_to_desks, conversation_id=conversation_id, inbox_id=inbox_id, event=event)

    transaction.on_commit(send)


# The channel-layer message type that ends a contact's widget sockets; consumers implement it as
# ``close_contact``. It carries no text for the client: the socket is simply closed.
CLOSE_CONTACT = "close.contact"


def close_contact_on_commit(
    *, contact_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID] = ()
) -> None:
    """After commit, close every widget tab of this contact (its data was erased) and stop any
    reply being written for these conversations."""

    def send() -> None:
        envelope = {"type": CLOSE_CONTACT, "conversations": [str(c) for c in conversation_ids]}
        _announce(get_channel_layer().group_send, contact_group(contact_id), envelope)

    transaction.on_commit(send)


def _announce(send: Callable[..., Coroutine[Any, Any, None]], *args: Any, **kwargs: Any) -> None:
    """Publish from synchronous code whose transaction has committed (see assistant.outbox:
    async callers send it once the code has returned; elsewhere it goes out at once)."""
    outbox.announce(functools.partial(send, *args, **kwargs))
