"""The widget's WebSocket: a thin consumer that parses frames and calls one service each.

The protocol is documented in docs/widget-protocol.md. Nothing is trusted before a valid
``hello``: the first frame must carry a session token minted by the session endpoint, and the
connection's Origin must be on that token's inbox allowlist.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer

from assistant.chat import (
    acting,
    asking,
    confirmations,
    events,
    frames,
    ratelimit,
    services,
    tabs,
    tokens,
    turns,
)
from assistant.chat.models import Contact, Conversation
from assistant.db_async import db_async

logger = logging.getLogger(__name__)

HELLO_TIMEOUT = 10.0
HISTORY_LIMIT = 500

CLOSE_BAD_HELLO = 4400
CLOSE_BAD_TOKEN = 4401
CLOSE_ORIGIN = 4403
CLOSE_HELLO_TIMEOUT = 4408
# The contact's data was erased: the widget forgets everything it stored and starts afresh.
CLOSE_ERASED = 4410


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


@db_async
def _load_contact(claims: tokens.SessionClaims) -> Contact | None:
    return (
        Contact.objects.select_related("inbox")
        .filter(pk=claims.contact_id, inbox_id=claims.inbox_id)
        .first()
    )


@db_async
def _welcome(contact_id: uuid.UUID, last_seq: int, conversation_id: str | None) -> dict[str, Any]:
    conversation = services.current_conversation(contact_id=contact_id)
    if conversation is None:
        return {"type": "welcome", "conversation": None, "messages": [], "agent": None}
    if conversation_id != str(conversation.id):
        last_seq = 0  # the client's sequence numbers belong to another conversation
    agent = services.agent_name(conversation)
    messages = services.messages_after(
        conversation=conversation, last_seq=last_seq, limit=HISTORY_LIMIT
    )
    return {
        "type": "welcome",
        "conversation": events.conversation_payload(conversation, agent),
        "messages": [events.message_payload(m, m.attachments.all()) for m in messages],
        "agent": agent,
        # Action confirmation cards still waiting for a click (docs/widget-protocol.md).
        "action_cards": acting.pending_cards(
            contact_id=contact_id, conversation_id=conversation.id
        ),
    }


def _limits(contact: Contact, ip: str) -> list[tuple[ratelimit.Limit, str]]:
    return [
        (ratelimit.per_minute("visitor"), str(contact.id)),
        (ratelimit.per_minute("ip"), ip),
        (ratelimit.per_minute("inbox"), str(contact.inbox_id)),
    ]


class WidgetConsumer(AsyncWebsocketConsumer):
    contact: Contact | None = None

    async def connect(self) -> None:
        self.origin = _header(self.scope, b"origin")
        client = self.scope.get("client") or ("unknown", 0)
        self.ip = str(client[0])
        self.conversation_id: str | None = None
        await self.accept()
        self.hello_timer = asyncio.get_running_loop().call_later(
            HELLO_TIMEOUT, lambda: asyncio.ensure_future(self._close_if_anonymous())
        )

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels (4.2+) runs close_old_connections() in a thread before every handler: one
        # hop into the shared thread-sensitive executor per event, including every streamed
        # token forwarded from the group, where each delta queued behind other sockets' database
        # work (B1 in docs/benchmarks.md). Nothing here touches the database outside
        # db_async, which closes stale connections itself, on its own threads.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def _close_if_anonymous(self) -> None:
        if self.contact is None:
            await self.close(code=CLOSE_HELLO_TIMEOUT)

    async def disconnect(self, code: int) -> None:
        self.hello_timer.cancel()
        if self.contact is not None:
            await self._leave(self.contact)

    async def _leave(self, contact: Contact) -> None:
        await tabs.left(contact.id, self.send_text)
        await self.channel_layer.group_discard(events.contact_group(contact.id), self.channel_name)

    async def send_text(self, text: str) -> None:
        """One encoded event to this socket (the reply turn's, when this process holds every tab
        of the contact: assistant/chat/tabs.py)."""
        await self.send(text_data=text)

    # -- frames in -------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            frame = frames.parse(text_data)
        except frames.FrameError as refusal:
            if self.contact is None:
                # Before hello nothing but a valid hello is answered (docs/widget-protocol.md).
                await self.close(code=CLOSE_BAD_HELLO)
            else:
                logger.info("Refused a widget frame (%s): %s", refusal.code, refusal.message)
                await self._error(refusal.code, refusal.message, client_id=refusal.client_id)
            return
        if self.contact is None:
            if isinstance(frame, frames.Hello):
                await self.on_hello(frame)
            else:
                await self.close(code=CLOSE_BAD_HELLO)
            return
        try:
            await self._handle(frame)
        except Exception:
            # A bug, not the client's fault: said in the error log, and the socket stays open
            # so that the customer keeps their conversation and may try again.
            logger.exception("Widget frame %r failed", frame.type)
            await self._error("internal", "Something went wrong on our side; please try again.")

    async def _handle(self, frame: frames.ClientFrame) -> None:
        match frame:
            case frames.ChatMessage():
                await self.on_message(frame)
            case frames.Typing():
                await self.on_typing(frame)
            case frames.Handoff():
                await self.on_handoff()
            case frames.Rate():
                await self.on_rate(frame)
            case frames.Resume():
                await self._send_welcome(frame.last_seq, frame.conversation_id)
            case frames.Ping():
                await self.send(text_data='{"type":"pong"}')
            case frames.Email():
                await self.on_email(frame)
            case frames.ActionDecision():
                await self.on_action_decision(frame)
            case frames.Hello():
                await self._error("invalid", "Already authenticated.")

    async def on_hello(self, frame: frames.Hello) -> None:
        try:
            claims = tokens.read_session_token(frame.token)
        except tokens.InvalidToken:
            await self.close(code=CLOSE_BAD_TOKEN)
            return
        contact = await _load_contact(claims)
        if contact is None:
            await self.close(code=CLOSE_BAD_TOKEN)
            return
        if not contact.inbox.allows_origin(self.origin):
            await self.close(code=CLOSE_ORIGIN)
            return
        self.contact = contact
        self.hello_timer.cancel()
        # Join before reading the gap: a message committed in between arrives twice at worst,
        # and clients drop a sequence number they already have.
        await self.channel_layer.group_add(events.contact_group(contact.id), self.channel_name)
        await tabs.joined(contact.id, self.send_text)
        await self._send_welcome(frame.last_seq, frame.conversation_id)

    async def _send_welcome(self, last_seq: int, conversation_id: str | None) -> None:
        assert self.contact is not None
        welcome = await _welcome(self.contact.id, last_seq, conversation_id)
        if welcome["conversation"] is not None:
            self.conversation_id = welcome["conversation"]["id"]
        await self.send(text_data=events.encode(welcome))

    async def on_message(self, frame: frames.ChatMessage) -> None:
        assert self.contact is not None
        client_id, text = frame.client_id, frame.text
        if len(text) > services.MAX_MESSAGE_CHARS:
            await self._error(
                "too_long",
                f"Messages can be at most {services.MAX_MESSAGE_CHARS} characters.",
                client_id=client_id,
            )
            return
        verdict = await ratelimit.ahit(_limits(self.contact, self.ip))
        if not verdict.allowed:
            await self._error(
                "rate_limited",
                "Too many messages; please wait a moment.",
                client_id=client_id,
                retry_after=verdict.retry_after,
            )
            return
        try:
            stored, claimed = await asking.customer_message_with_turn(
                contact_id=self.contact.id,
                text=text,
                client_id=client_id,
                attachment_ids=frame.attachments,
            )
        except services.ChatError as error:
            await self._error(error.code, error.message, client_id=client_id)
            return
        self.conversation_id = str(stored.conversation.id)
        ack = {
            "type": "ack",
            "client_id": client_id,
            "seq": stored.message.seq,
            "conversation_id": self.conversation_id,
        }
        await self.send(text_data=events.encode(ack))
        # The assistant reads words, not files: a message of files alone waits for the
        # customer's words or a person (docs/attachments.md).
        answerable = bool(stored.message.text)
        if answerable and stored.conversation.state in (
            Conversation.State.BOT,
            Conversation.State.WAITING,
        ):
            # While the customer waits for a person the turn answers or acknowledges too
            # (reply.ReplyTurn.while_waiting). Always start one: if a turn is already running,
            # this one finds the lock taken and ends at once, and the running turn answers the
            # new message before it lets go.
            asking.start_turn(stored.conversation.id, claimed)

    async def on_typing(self, frame: frames.Typing) -> None:
        assert self.contact is not None
        if self.conversation_id is None:
            return
        event = {
            "type": "typing",
            "author": {"kind": "customer", "name": self.contact.name},
            "active": frame.active,
        }
        # Only agents care that the customer is typing; the other tabs of this visitor don't.
        await self.channel_layer.group_send(
            events.conversation_group(self.conversation_id),
            {"type": events.FORWARD, "text": events.encode(event)},
        )

    async def on_handoff(self) -> None:
        assert self.contact is not None
        conversation = await db_async(services.customer_handoff_request)(contact_id=self.contact.id)
        self.conversation_id = str(conversation.id)

    async def on_email(self, frame: frames.Email) -> None:
        assert self.contact is not None
        try:
            await db_async(services.contact_email_set)(
                contact_id=self.contact.id, email=frame.email
            )
        except services.ChatError as error:
            await self._error(error.code, error.message)

    async def on_action_decision(self, frame: frames.ActionDecision) -> None:
        assert self.contact is not None
        try:
            call_id = uuid.UUID(frame.call_id)
        except ValueError:
            call_id = None
        # A card that is not this contact's, was decided already or is too old: said once, and
        # nothing runs (assistant/chat/confirmations.py).
        if call_id is None or not await confirmations.decide(
            contact_id=self.contact.id, call_id=call_id, confirm=frame.decision == "confirm"
        ):
            await self._error("action_unavailable", "This request can no longer be confirmed.")

    async def on_rate(self, frame: frames.Rate) -> None:
        assert self.contact is not None
        try:
            await db_async(services.conversation_rate)(
                contact_id=self.contact.id, score=frame.score, comment=frame.comment
            )
        except services.ChatError as error:
            await self._error(error.code, error.message)

    # -- events out ------------------------------------------------------------------------

    async def forward_event(self, envelope: dict[str, Any]) -> None:
        await self.send(text_data=envelope["text"])
        if envelope.get("stop_reply_for"):
            turns.stop(uuid.UUID(envelope["stop_reply_for"]))

    async def close_contact(self, envelope: dict[str, Any]) -> None:
        """The contact's data was erased: stop their replies and end the socket (4410). The
        token names a contact that no longer exists, so a reconnect is refused (4401)."""
        for value in envelope.get("conversations", ()):
            turns.stop(uuid.UUID(value))
        if self.contact is not None:
            await self._leave(self.contact)
        # Nothing more is served on this socket, whatever frames are still in flight.
        self.contact = None
        await self.close(code=CLOSE_ERASED)

    async def _error(
        self, code: str, message: str, *, client_id: str | None = None, **extra: Any
    ) -> None:
        frame = {"type": "error", "code": code, "message": message, **extra}
        if client_id is not None:
            frame["client_id"] = client_id
        await self.send(text_data=events.encode(frame))
