"""Conversations through the API: transcript, replies, takeover, handback, resolve, contacts."""

from __future__ import annotations

import pytest

from assistant.chat import services as chat
from assistant.chat.models import Conversation, Message
from tests import factories
from tests.tickets.conftest import World
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_transcript_comes_in_order_and_catches_up_after_a_seq(world: World) -> None:
    client = world.client("agent_a")
    url = f"/api/v1/conversations/{world.conversation_a.pk}/messages"
    messages = client.get(url).json()["results"]
    assert [m["seq"] for m in messages] == sorted(m["seq"] for m in messages)
    assert messages[0]["author"] == {"kind": "customer", "name": ""}
    assert messages[0]["text"] == "My bike arrived broken"
    assert messages[0]["id"] == f"{world.conversation_a.pk}:1"
    later = client.get(url, {"after_seq": 1}).json()["results"]
    assert [m["seq"] for m in later] == [m["seq"] for m in messages[1:]]
    assert client.get(url, {"after_seq": -1}).status_code == 400


def test_a_reply_reaches_the_customer_and_takes_the_conversation_over(world: World) -> None:
    client = world.client("agent_a")
    url = f"/api/v1/conversations/{world.conversation_a.pk}/messages"
    response = client.post(url, {"text": "  Sorry! A new one ships today.  "}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["author"] == {"kind": "agent", "name": "Alice"}
    assert body["text"] == "Sorry! A new one ships today."
    world.conversation_a.refresh_from_db()
    assert world.conversation_a.state == Conversation.State.AGENT
    assert world.conversation_a.assigned_agent == world.agent_a
    # The customer's side reads the same stored message.
    customer_view = chat.messages_after(conversation=world.conversation_a, last_seq=0)
    assert customer_view[-1].text == "Sorry! A new one ships today."
    world.ticket_a.refresh_from_db()
    assert world.ticket_a.assignee == world.agent_a


@pytest.mark.parametrize(
    "body", [{}, {"text": ""}, {"text": "   "}, {"text": "x" * 4001}, {"text": ["a"]}]
)
def test_a_bad_reply_is_a_400(world: World, body: dict) -> None:
    response = world.client("agent_a").post(
        f"/api/v1/conversations/{world.conversation_a.pk}/messages", body, format="json"
    )
    assert response.status_code == 400
    assert "text" in response.json()["errors"]


def test_takeover_handback_and_resolve(world: World) -> None:
    client = world.client("agent_a")
    base = f"/api/v1/conversations/{world.conversation_a.pk}"

    taken = client.post(f"{base}/takeover")
    assert taken.status_code == 200
    assert taken.json()["state"] == "agent"
    assert taken.json()["assigned_agent"]["id"] == world.agent_a.pk
    assert taken.json()["ticket"] == world.ticket_a.pk

    back = client.post(f"{base}/handback")
    assert back.status_code == 200 and back.json()["state"] == "bot"
    again = client.post(f"{base}/handback")
    assert again.status_code == 409
    assert again.json()["error"] == "with_assistant"

    resolved = client.post(f"{base}/resolve")
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"
    world.ticket_a.refresh_from_db()
    assert world.ticket_a.status == Ticket.Status.SOLVED
    kinds = list(world.ticket_a.events.values_list("kind", flat=True))
    assert {"takeover", "handback", "status"} <= set(kinds)

    for action in ("resolve", "takeover", "handback"):
        refused = client.post(f"{base}/{action}")
        assert refused.status_code == 409, action
        assert refused.json()["error"] == "conversation_resolved"
    late_reply = client.post(f"{base}/messages", {"text": "Hello?"}, format="json")
    assert late_reply.status_code == 409
    assert kinds == list(world.ticket_a.events.values_list("kind", flat=True))


def test_resolving_a_conversation_without_a_ticket_gives_it_one(world: World) -> None:
    conversation = factories.make_conversation(world.inbox_a, text="Quick question")
    response = world.client("agent_a").post(f"/api/v1/conversations/{conversation.pk}/resolve")
    assert response.status_code == 200
    ticket = Ticket.objects.get(conversation=conversation)
    assert response.json()["ticket"] == ticket.pk
    assert ticket.status == Ticket.Status.SOLVED


def test_conversation_filters(world: World) -> None:
    client = world.client("admin")
    bot = factories.make_conversation(world.inbox_a, text="Hello bot")
    waiting = client.get("/api/v1/conversations", {"state": "waiting"}).json()["results"]
    assert {c["id"] for c in waiting} == {
        str(world.conversation_a.pk),
        str(world.conversation_b.pk),
    }
    in_a = client.get("/api/v1/conversations", {"inbox": world.inbox_a.pk}).json()["results"]
    assert {c["id"] for c in in_a} == {str(world.conversation_a.pk), str(bot.pk)}
    bad = client.get("/api/v1/conversations", {"state": "sleeping"})
    assert bad.status_code == 400 and "state" in bad.json()["errors"]


def test_a_contact_and_their_conversations(world: World) -> None:
    client = world.client("agent_a")
    contact = client.get(f"/api/v1/contacts/{world.contact_a.pk}").json()
    assert contact["id"] == str(world.contact_a.pk)
    assert contact["inbox"] == world.inbox_a.pk
    assert "visitor_secret_hash" not in contact
    conversations = client.get(f"/api/v1/contacts/{world.contact_a.pk}/conversations").json()
    assert [c["id"] for c in conversations["results"]] == [str(world.conversation_a.pk)]


def test_system_messages_are_labelled_and_nothing_private_leaks(world: World) -> None:
    client = world.client("agent_a")
    messages = client.get(f"/api/v1/conversations/{world.conversation_a.pk}/messages").json()
    kinds = {m["author"]["kind"] for m in messages["results"]}
    assert kinds <= {choice for choice, _label in Message.Author.choices}
    assert "system" in kinds  # the handoff notice
