"""Fixtures for the API and webhook tests: two teams' worlds, their people and their tokens."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from assistant.chat import services as chat
from tests import factories

# Child processes started by the shared fixtures (the Celery worker) read their settings from
# the environment when they start, which is after every conftest has been imported: the worker
# may then deliver to the local test receiver on 127.0.0.1 and retries quickly. This process's
# own settings were loaded before, and its tests flip these through the `settings` fixture.
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")
os.environ.setdefault("WEBHOOK_RETRY_BASE_SECONDS", "0.2")


@pytest.fixture(autouse=True)
def _fresh_api_throttles() -> Iterator[None]:
    """API request budgets live in the Redis cache across tests; each test starts with none."""
    from assistant.kv import sync_redis

    client = sync_redis()
    for key in client.scan_iter("cache:*throttle_*"):
        client.delete(key)
    yield


@dataclass
class World:
    """Team A serves inbox A, team B inbox B. Each inbox has a customer's conversation, handed
    off to a human, with its ticket and a private note."""

    inbox_a: Any
    inbox_b: Any
    team_a: Any
    team_b: Any
    agent_a: Any
    agent_b: Any
    manager: Any
    admin: Any
    outsider: Any
    conversation_a: Any
    conversation_b: Any
    ticket_a: Any
    ticket_b: Any
    note_a: Any

    @property
    def contact_a(self) -> Any:
        return self.conversation_a.contact

    @property
    def contact_b(self) -> Any:
        return self.conversation_b.contact

    def person(self, name: str) -> Any:
        return None if name == "anonymous" else getattr(self, name)

    def client(self, name: str) -> APIClient:
        """An API client with this person's token (none for "anonymous")."""
        client = APIClient()
        user = self.person(name)
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {factories.make_api_key(user)}")
        return client


def _handed_off(inbox: Any, text: str) -> Any:
    conversation = factories.make_conversation(inbox, text=text)
    chat.conversation_handoff(conversation_id=conversation.id, reason="customer_request")
    conversation.refresh_from_db()
    return conversation


@pytest.fixture
def world(db: Any, settings: Any) -> World:
    from tickets import services as ticket_services

    # The factories set real passwords; the production hasher's 1M rounds would make this
    # fixture (five people, used by well over a hundred tests) take seconds each time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    inbox_a, inbox_b = factories.make_inbox(name="Shop A"), factories.make_inbox(name="Shop B")
    team_a = factories.make_team("Team A", inboxes=(inbox_a,))
    team_b = factories.make_team("Team B", inboxes=(inbox_b,))
    conversation_a = _handed_off(inbox_a, "My bike arrived broken")
    conversation_b = _handed_off(inbox_b, "Where is my refund?")
    ticket_a = factories.make_ticket(conversation_a)
    agent_a = factories.make_agent("alice", teams=(team_a,))
    return World(
        inbox_a=inbox_a,
        inbox_b=inbox_b,
        team_a=team_a,
        team_b=team_b,
        agent_a=agent_a,
        agent_b=factories.make_agent("bob", teams=(team_b,)),
        manager=factories.make_agent("maria", role="manager", teams=(team_a,)),
        admin=factories.make_agent("ada", role="admin"),
        outsider=factories.make_user("oscar"),
        conversation_a=conversation_a,
        conversation_b=conversation_b,
        ticket_a=ticket_a,
        ticket_b=factories.make_ticket(conversation_b),
        note_a=ticket_services.note_add(ticket=ticket_a, author=agent_a, text="VIP, be kind"),
    )
