"""The desk's WebSocket: live queues, live transcripts, presence and typing.

Authenticated by the desk's session cookie (Channels' AuthMiddlewareStack) and restricted to
this site's own origins; every subscription is checked against tickets.access, so an agent can
only ever join the groups of inboxes and conversations they may see.
"""

from __future__ import annotations

import json
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from assistant.chat import events
from assistant.chat import services as chat
from assistant.db_async import db_async
from tickets import access, presence

CLOSE_FORBIDDEN = 4403


@db_async
def _desk_context(user: Any) -> tuple[bool, list[int]]:
    if not access.is_desk_user(user):
        return False, []
    return True, list(access.visible_inboxes(user).values_list("pk", flat=True))


@db_async
def _conversation(user: Any, conversation_id: object) -> Any:
    if not isinstance(conversation_id, str):
        return None
    return access.conversation_for(user, conversation_id)


class DeskConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.user = self.scope.get("user")
        self.inbox_ids: list[int] = []
        self.watching: dict[str, Any] = {}
        allowed, inbox_ids = await _desk_context(self.user) if self.user else (False, [])
        if not allowed:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.inbox_ids = inbox_ids
        self.name = self.user.get_short_name() or self.user.get_username()
        for inbox_id in inbox_ids:
            await self.channel_layer.group_add(events.inbox_group(inbox_id), self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for inbox_id in self.inbox_ids:
            await self.channel_layer.group_discard(events.inbox_group(inbox_id), self.channel_name)
        for conversation_id in list(self.watching):
            await self._unwatch(conversation_id)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            frame = json.loads(text_data or "")
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            await self._error("bad_json")
            return
        kind = frame.get("type")
        conversation_id = frame.get("conversation_id")
        if kind == "watch":
            await self._watch(conversation_id)
        elif kind == "unwatch" and conversation_id in self.watching:
            await self._unwatch(conversation_id)
        elif kind in ("typing", "heartbeat") and conversation_id in self.watching:
            typing = frame.get("active") if kind == "typing" else None
            if typing is not None and not isinstance(typing, bool):
                await self._error("invalid")
                return
            await presence.touch(
                conversation_id, user_id=self.user.pk, name=self.name, typing=typing
            )
            if typing is not None:
                conversation = self.watching[conversation_id]
                await db_async(chat.agent_typing)(
                    conversation=conversation, agent=self.user, active=typing
                )
            await self._broadcast_presence(conversation_id)
        elif kind == "ping":
            await self.send(text_data='{"type":"pong"}')
        else:
            await self._error("unknown_type")

    async def _watch(self, conversation_id: object) -> None:
        conversation = await _conversation(self.user, conversation_id)
        if conversation is None:
            # The same answer for "not yours" and "does not exist": nothing leaks.
            await self._error("not_found")
            return
        key = str(conversation.pk)
        self.watching[key] = conversation
        await self.channel_layer.group_add(events.conversation_group(key), self.channel_name)
        await presence.touch(key, user_id=self.user.pk, name=self.name)
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

    async def forward_event(self, envelope: dict[str, Any]) -> None:
        await self.send(text_data=envelope["text"])

    async def _error(self, code: str) -> None:
        await self.send(text_data=events.encode({"type": "error", "code": code}))
