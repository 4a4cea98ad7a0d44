"""Every conversation action through the desk and through the API: the same outcome and the
same refusals, in every state the conversation can be in (issue 18). Both edges call the same
services, which own the rules; before, the API refused a second resolve and a hand-back to an
assistant that already had the conversation while the desk did not (a second resolve from the
desk reopened and re-solved the ticket)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from assistant.chat import services as chat
from assistant.chat.models import Conversation
from tests import factories
from tickets import services
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

ACTIONS = ("takeover", "handback", "resolve")


def _with_assistant(agent: Any) -> Conversation:
    return factories.make_conversation(factories.make_inbox())


def _waiting(agent: Any) -> Conversation:
    conversation = _with_assistant(agent)
    chat.conversation_handoff(conversation_id=conversation.id, reason="customer_request")
    return conversation


def _with_this_agent(agent: Any) -> Conversation:
    conversation = _waiting(agent)
    services.takeover(conversation=conversation, agent=agent)
    return conversation


def _with_this_agent_assistant_off(agent: Any) -> Conversation:
    conversation = _with_this_agent(agent)
    chat.inbox_set_assistant(inbox_id=conversation.inbox_id, enabled=False)
    return conversation


def _resolved(agent: Any) -> Conversation:
    conversation = _with_this_agent(agent)
    services.resolve(conversation=conversation, agent=agent)
    return conversation


STATES: dict[str, Callable[[Any], Conversation]] = {
    "with the assistant": _with_assistant,
    "waiting": _waiting,
    "with this agent": _with_this_agent,
    "with this agent, assistant off": _with_this_agent_assistant_off,
    "resolved": _resolved,
}


def _outcome(conversation: Conversation, refusal: str | None) -> tuple[Any, ...]:
    conversation.refresh_from_db()
    ticket = Ticket.objects.filter(conversation=conversation).first()
    solved = TicketEvent.objects.filter(ticket=ticket, kind="status", after="solved").count()
    return (
        refusal,
        conversation.state,
        ticket.status if ticket else None,
        solved,
        conversation.messages.count(),
    )


def _through_the_desk(agent: Any, conversation: Conversation, action: str) -> tuple[Any, ...]:
    client = Client()
    client.force_login(agent)
    response = client.post(f"/desk/c/{conversation.pk}/{action}")
    assert response.status_code in (204, 400), response.content
    return _outcome(
        conversation, response.content.decode() if response.status_code == 400 else None
    )


def _through_the_api(agent: Any, conversation: Conversation, action: str) -> tuple[Any, ...]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {factories.make_api_key(agent)}")
    response = client.post(f"/api/v1/conversations/{conversation.pk}/{action}")
    assert response.status_code in (200, 409), response.content
    refusal = response.json()["message"] if response.status_code == 409 else None
    return _outcome(conversation, refusal)


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("action", ACTIONS)
def test_the_desk_and_the_api_agree_on_every_action_in_every_state(
    settings: Any, state: str, action: str
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    agent = factories.make_agent("parity-agent", role="admin")

    by_desk = _through_the_desk(agent, STATES[state](agent), action)
    by_api = _through_the_api(agent, STATES[state](agent), action)

    assert by_desk == by_api


@pytest.mark.parametrize(
    ("state", "action", "message"),
    [
        ("resolved", "resolve", "This conversation is already resolved."),
        ("resolved", "takeover", "This conversation is already resolved."),
        ("with the assistant", "handback", "The assistant already has this conversation."),
        ("with this agent, assistant off", "handback", "The assistant is switched off"),
    ],
)
def test_the_refusals_are_the_services_own(
    settings: Any, state: str, action: str, message: str
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    agent = factories.make_agent("parity-agent", role="admin")
    refusal, *_rest = _through_the_desk(agent, STATES[state](agent), action)
    assert refusal is not None and refusal.startswith(message)


def test_a_second_resolve_from_the_desk_leaves_the_solved_ticket_alone(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    agent = factories.make_agent("parity-agent", role="admin")
    conversation = _resolved(agent)
    ticket = Ticket.objects.get(conversation=conversation)
    events_before = TicketEvent.objects.filter(ticket=ticket).count()

    refusal, state, status, solved, _messages = _through_the_desk(agent, conversation, "resolve")

    assert refusal == "This conversation is already resolved."
    assert (state, status, solved) == ("resolved", "solved", 1)
    assert TicketEvent.objects.filter(ticket=ticket).count() == events_before


def _held_by_a_colleague(role: str) -> tuple[Any, Conversation]:
    """A conversation Ada is handling, and a second desk user (of this role) on her team."""
    inbox = factories.make_inbox()
    team = factories.make_team(inboxes=(inbox,))
    ada = factories.make_agent("ada", teams=(team,))
    other = factories.make_agent(f"other-{role}", role=role, teams=(team,))
    conversation = factories.make_conversation(inbox)
    services.takeover(conversation=conversation, agent=ada)
    return other, conversation


@pytest.mark.parametrize("action", ["takeover", "reply"])
def test_an_agent_cannot_take_a_conversation_a_colleague_is_handling(
    settings: Any, action: str
) -> None:
    # Two people answering one customer, each unaware of the other: refused the same way on
    # both edges, and nothing changes (Ada keeps it, no "joined" message, no reply stored).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    outcomes = []
    for through in ("desk", "api"):
        other, conversation = _held_by_a_colleague("agent")
        before = conversation.messages.count()
        if through == "desk":
            client = Client()
            client.force_login(other)
            data = {"text": "I can help"} if action == "reply" else {}
            response = client.post(f"/desk/c/{conversation.pk}/{action}", data)
            assert response.status_code == 400, response.content
            refusal = response.content.decode()
        else:
            api = APIClient()
            api.force_authenticate(other)
            data = {"text": "I can help"} if action == "reply" else {}
            path = "messages" if action == "reply" else action
            response = api.post(f"/api/v1/conversations/{conversation.pk}/{path}", data)
            assert response.status_code == 409, response.content
            refusal = response.json()["message"]
        conversation.refresh_from_db()
        assert conversation.assigned_agent.username == "ada"
        assert conversation.messages.count() == before
        outcomes.append(refusal)
        Conversation.objects.all().delete()
        type(other).objects.all().delete()
    assert outcomes[0] == outcomes[1]
    assert outcomes[0] == "Ada is handling this conversation. A manager can reassign it."


def test_a_manager_can_take_over_from_a_colleague(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    manager, conversation = _held_by_a_colleague("manager")
    client = Client()
    client.force_login(manager)

    response = client.post(f"/desk/c/{conversation.pk}/takeover")

    assert response.status_code == 204, response.content
    conversation.refresh_from_db()
    assert conversation.assigned_agent == manager
    assert Ticket.objects.get(conversation=conversation).assignee == manager
