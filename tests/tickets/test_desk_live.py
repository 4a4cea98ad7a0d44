"""The desk's live side: its WebSocket, presence, typing, and what reaches the customer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.testing.websocket import WebsocketCommunicator
from django.test import Client

from assistant.asgi import application
from assistant.chat.models import Conversation
from assistant.db_async import db_async
from tests.chat.conftest import Widget
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)

NOT_FOUND = {"type": "error", "code": "not_found", "message": "No such conversation."}


async def desk_socket(user: Any, origin: str = "http://localhost") -> WebsocketCommunicator:
    headers = [(b"origin", origin.encode())]
    if user is not None:
        client = Client()
        await db_async(client.force_login)(user)
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, "/ws/desk/", headers=headers)


async def frames_until(socket: WebsocketCommunicator, kind: str, timeout: float = 10) -> list[dict]:
    seen = []
    while True:
        frame = json.loads(await socket.receive_from(timeout=timeout))
        seen.append(frame)
        if frame["type"] == kind:
            return seen


async def test_strangers_cannot_open_the_desk_socket(world: Any) -> None:
    for user in (None, world.outsider):
        socket = await desk_socket(user)
        connected, code = await socket.connect()
        assert not connected or code == 4403
        await socket.disconnect()
    # An agent's cookie from a foreign page (cross-site WebSocket hijacking) is refused too.
    socket = await desk_socket(world.agent_a, origin="https://evil.example")
    connected, _ = await socket.connect()
    assert not connected


async def test_an_agent_can_watch_only_their_teams_conversations(world: Any) -> None:
    socket = await desk_socket(world.agent_a)
    connected, _ = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "watch", "conversation_id": str(world.conversation_b.pk)})
    assert await socket.receive_json_from() == NOT_FOUND
    await socket.send_json_to(
        {"type": "watch", "conversation_id": "00000000-0000-4000-8000-000000000000"}
    )
    assert await socket.receive_json_from() == NOT_FOUND
    await socket.send_json_to({"type": "watch", "conversation_id": str(world.conversation_a.pk)})
    presence = await socket.receive_json_from()
    assert presence["type"] == "presence" and [a["name"] for a in presence["agents"]] == ["Alice"]
    await socket.disconnect()


async def test_two_agents_see_each_other_and_the_customer_sees_typing(world: Any) -> None:
    session_token = await db_async(_token_for)(world.conversation_a)
    tab = Widget()
    await tab.hello(session_token)
    alice = await desk_socket(world.agent_a)
    maria = await desk_socket(world.manager)
    await alice.connect()
    await maria.connect()
    conversation_id = str(world.conversation_a.pk)
    await alice.send_json_to({"type": "watch", "conversation_id": conversation_id})
    await alice.receive_json_from()
    await maria.send_json_to({"type": "watch", "conversation_id": conversation_id})
    frames = await frames_until(alice, "presence")
    assert sorted(a["name"] for a in frames[-1]["agents"]) == ["Alice", "Maria"]

    await maria.send_json_to({"type": "typing", "conversation_id": conversation_id, "active": True})
    typing, _ = await tab.receive_until("typing")
    assert typing["author"] == {"kind": "agent", "name": "Maria"} and typing["active"] is True
    frames = await frames_until(alice, "presence")
    assert [a["name"] for a in frames[-1]["agents"] if a["typing"]] == ["Maria"]
    for socket in (alice, maria):
        await socket.disconnect()
    await tab.close()


def _token_for(conversation: Conversation) -> str:
    from assistant.chat import tokens

    return tokens.mint_session_token(
        inbox_id=conversation.inbox_id, contact_id=conversation.contact_id
    )


async def test_a_private_note_never_reaches_the_customer_but_a_reply_does(world: Any) -> None:
    tab = Widget()
    await tab.hello(await db_async(_token_for)(world.conversation_a))
    client = Client()
    await db_async(client.force_login)(world.agent_a)
    url = f"/desk/c/{world.conversation_a.pk}/"
    response = await db_async(client.post)(url + "note", {"text": "internal: refund approved"})
    assert response.status_code == 200
    response = await db_async(client.post)(url + "reply", {"text": "We'll fix it today."})
    assert response.status_code == 204
    frames = await tab.drain(seconds=1.5)
    texts = json.dumps(frames)
    assert "refund approved" not in texts
    replies = [
        f for f in frames if f["type"] == "message" and f["message"]["author"]["kind"] == "agent"
    ]
    assert replies and replies[0]["message"]["text"] == "We'll fix it today."
    assert replies[0]["message"]["author"]["name"] == "Alice"
    # Nor is it in what the customer gets back on reconnecting.
    again = Widget()
    welcome = await again.hello(await db_async(_token_for)(world.conversation_a))
    assert "refund approved" not in json.dumps(welcome)
    await tab.close()
    await again.close()


def test_every_ticket_change_lands_in_the_audit_trail(world: Any) -> None:
    client = Client()
    client.force_login(world.agent_a)
    url = f"/desk/c/{world.conversation_a.pk}/ticket"
    assert client.post(url, {"status": "pending"}).status_code == 200
    assert client.post(url, {"priority": "4"}).status_code == 200
    assert client.post(url, {"tags": "Refund, broken frame"}).status_code == 200
    assert client.post(url, {"assignee": world.agent_a.pk}).status_code == 200
    assert client.post(url, {"priority": "4"}).status_code == 200  # unchanged: no event
    ticket = Ticket.objects.get(pk=world.ticket_a.pk)
    assert (ticket.status, ticket.priority, ticket.tags) == (
        "pending",
        4,
        ["refund", "broken frame"],
    )
    events = list(
        TicketEvent.objects.filter(ticket=ticket, actor=world.agent_a).values_list(
            "kind", "before", "after"
        )
    )
    assert ("status", "open", "pending") in events
    assert ("priority", 2, 4) in events
    assert ("tags", [], ["refund", "broken frame"]) in events
    assert ("assignee", None, world.agent_a.pk) in events
    assert [kind for kind, *_ in events].count("priority") == 1
    assert client.post(url, {"status": "bogus"}).status_code == 400


def test_taking_over_assigns_the_ticket_and_records_it(world: Any) -> None:
    client = Client()
    client.force_login(world.agent_a)
    assert client.post(f"/desk/c/{world.conversation_a.pk}/takeover").status_code == 204
    world.conversation_a.refresh_from_db()
    ticket = Ticket.objects.get(conversation=world.conversation_a)
    assert (world.conversation_a.state, world.conversation_a.assigned_agent_id) == (
        "agent",
        world.agent_a.pk,
    )
    assert ticket.assignee_id == world.agent_a.pk
    assert TicketEvent.objects.filter(ticket=ticket, kind="takeover", actor=world.agent_a).exists()
    assert client.post(f"/desk/c/{world.conversation_a.pk}/resolve").status_code == 204
    world.conversation_a.refresh_from_db()
    ticket.refresh_from_db()
    assert (world.conversation_a.state, ticket.status) == ("resolved", "solved")
