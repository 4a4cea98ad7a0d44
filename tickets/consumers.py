"""The desk's WebSocket: live queues, live transcripts, presence and typing, and the agent's
alerts (tickets.alerts) with the count of conversations waiting for them.

Authenticated by the desk's session cookie (Channels' AuthMiddlewareStack) and restricted to
this site's own origins; every subscription is checked against tickets.access, so an agent can
only ever join the groups of inboxes and conversations they may see.

Every frame in is parsed with assistant.validation.parse_json and validated by the pydantic
model of its type before anything else looks at it; a refusal is an error frame with one of the
codes in docs/api.md ("The desk socket"), and the socket stays open.
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any, Literal

from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from assistant.chat import events
from assistant.chat import services as chat
from assistant.db_async import db_async
from assistant.validation import MAX_JSON_DEPTH, InvalidInput, Line, parse_json
from tickets import access, online, presence
from tickets.accounts import gate
from tickets.alerts.emit import agent_group
from tickets.alerts.waiting import waiting_count

CLOSE_FORBIDDEN = 4403
logger = logging.getLogger(__name__)

# Far longer than any conversation id (a UUID is 36 characters); a longer value is refused
# before it reaches the database or Redis.
ConversationId = Annotated[Line, Field(min_length=1, max_length=64)]


class _Frame(BaseModel):
    # Unknown fields are ignored, so a newer desk can talk to an older server.
    model_config = ConfigDict(extra="ignore", frozen=True)

    type: str


class _ConversationFrame(_Frame):
    conversation_id: ConversationId


class Watch(_ConversationFrame):
    type: Literal["watch"]


class Unwatch(_ConversationFrame):
    type: Literal["unwatch"]


class Typing(_ConversationFrame):
    type: Literal["typing"]
    active: StrictBool


class Heartbeat(_ConversationFrame):
    type: Literal["heartbeat"]


class Ping(_Frame):
    type: Literal["ping"]


class Waiting(_Frame):
    """Asks for the count of conversations waiting for this agent (the tab title's count)."""

    type: Literal["waiting"]


FRAMES: dict[str, type[_Frame]] = {
    "watch": Watch,
    "unwatch": Unwatch,
    "typing": Typing,
    "heartbeat": Heartbeat,
    "ping": Ping,
    "waiting": Waiting,
}


def _key(conversation_id: str) -> str:
    """A conversation id as this socket keeps it: the UUID's canonical spelling."""
    try:
        return str(uuid.UUID(conversation_id))
    except ValueError:
        return conversation_id


@db_async
def _desk_context(user: Any, session: Any) -> tuple[bool, list[int]]:
    # The same sign-in rule as the pages: a session still owing its second factor gets nothing.
    if not access.is_desk_user(user) or not gate.session_passes(user, session):
        return False, []
    return True, list(access.visible_inboxes(user).values_list("pk", flat=True))


@db_async
def _conversation(user: Any, conversation_id: str) -> Any:
    return access.conversation_for(user, conversation_id)


@db_async
def _waiting_count(user_id: int) -> int:
    return waiting_count(user_id)


class DeskConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.user = self.scope.get("user")
        self.inbox_ids: list[int] = []
        self.watching: dict[str, Any] = {}
        self.at_desk = False
        allowed, inbox_ids = (
            await _desk_context(self.user, self.scope.get("session")) if self.user else (False, [])
        )
        if not allowed:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.inbox_ids = inbox_ids
        self.name = self.user.get_short_name() or self.user.get_username()
        for inbox_id in inbox_ids:
            await self.channel_layer.group_add(events.inbox_group(inbox_id), self.channel_name)
        await self.channel_layer.group_add(agent_group(self.user.pk), self.channel_name)
        # The agent is at the desk while this tab is connected (tickets.online).
        self.at_desk = True
        await online.tab_alive(user_id=self.user.pk, tab=self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if getattr(self, "at_desk", False):
            await online.tab_closed(user_id=self.user.pk, tab=self.channel_name)
            await self.channel_layer.group_discard(agent_group(self.user.pk), self.channel_name)
        for inbox_id in self.inbox_ids:
            await self.channel_layer.group_discard(events.inbox_group(inbox_id), self.channel_name)
        for conversation_id in list(self.watching):
            await self._unwatch(conversation_id)

    # -- frames in -------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        frame = await self._parse(text_data)
        if frame is None:
            return
        try:
            # Every frame (the desk pings every 20 s) is a sign of life of this tab.
            await online.tab_alive(user_id=self.user.pk, tab=self.channel_name)
            await self._handle(frame)
        except Exception:
            # A bug or an outage (Redis, the database), not the desk's fault: said in the error
            # log, and the socket stays open so that the agent keeps their live view.
            logger.exception("Desk frame %r failed", frame.type)
            await self._error("internal", _("Something went wrong on our side; please try again."))

    async def _handle(self, frame: _Frame) -> None:
        if isinstance(frame, Waiting):
            await self._send_waiting()
        elif not isinstance(frame, _ConversationFrame):  # ping
            await self.send(text_data='{"type":"pong"}')
        elif isinstance(frame, Watch):
            await self._watch(frame.conversation_id)
        else:
            key = _key(frame.conversation_id)
            if key not in self.watching:
                await self._error(
                    "not_watching", _("This socket does not watch that conversation.")
                )
            elif isinstance(frame, Unwatch):
                await self._unwatch(key)
            else:
                await self._present(key, typing=frame.active if isinstance(frame, Typing) else None)

    async def _parse(self, text_data: str | None) -> _Frame | None:
        """The frame as its model, or None after answering with an error frame."""
        if text_data is None:
            await self._error("bad_json", _("Frames must be JSON objects sent as text."))
            return None
        try:
            raw = parse_json(text_data)
        except InvalidInput:
            raw = None
        if not isinstance(raw, dict):
            await self._error(
                "bad_json",
                _("Frames must be JSON objects, nested at most %(depth)d levels deep.")
                % {"depth": MAX_JSON_DEPTH},
            )
            return None
        model = FRAMES.get(raw["type"]) if isinstance(raw.get("type"), str) else None
        if model is None:
            await self._error("unknown_type", _("Unknown frame type."))
            return None
        try:
            return model.model_validate(raw)
        except ValidationError as error:
            detail = error.errors(include_url=False, include_input=False)
            field = ".".join(str(part) for part in detail[0]["loc"]) if detail else ""
            await self._error(
                "invalid",
                _("A field is missing or not valid: %(field)s.") % {"field": field},
                field=field,
            )
            return None

    async def _watch(self, conversation_id: str) -> None:
        conversation = await _conversation(self.user, conversation_id)
        if conversation is None:
            # The same answer for "not yours" and "does not exist": nothing leaks.
            await self._error("not_found", _("No such conversation."))
            return
        key = str(conversation.pk)
        self.watching[key] = conversation
        await self.channel_layer.group_add(events.conversation_group(key), self.channel_name)
        await presence.touch(key, user_id=self.user.pk, name=self.name)
        await self._broadcast_presence(key)

    async def _present(self, key: str, *, typing: bool | None) -> None:
        """A heartbeat (typing None) or a typing change in a watched conversation."""
        await presence.touch(key, user_id=self.user.pk, name=self.name, typing=typing)
        if typing is not None:
            await chat.agent_typing(conversation=self.watching[key], agent=self.user, active=typing)
        await self._broadcast_presence(key)

    async def _unwatch(self, conversation_id: str) -> None:
        self.watching.pop(conversation_id, None)
        await self.channel_layer.group_discard(
            events.conversation_group(conversation_id), self.channel_name
        )
        await presence.leave(conversation_id, user_id=self.user.pk)
        await self._broadcast_presence(conversation_id)

    async def _broadcast_presence(self, conversation_id: str) -> None:
        event = {
            "type": "presence",
            "conversation_id": conversation_id,
            "agents": await presence.agents(conversation_id),
        }
        await self.channel_layer.group_send(
            events.conversation_group(conversation_id),
            {"type": events.FORWARD, "text": events.encode(event)},
        )

    async def _send_waiting(self) -> None:
        count = await _waiting_count(self.user.pk)
        await self.send(text_data=events.encode({"type": "waiting", "count": count}))

    async def forward_event(self, envelope: dict[str, Any]) -> None:
        await self.send(text_data=envelope["text"])

    async def _error(self, code: str, message: str, **extra: Any) -> None:
        await self.send(
            text_data=events.encode({"type": "error", "code": code, "message": message, **extra})
        )
