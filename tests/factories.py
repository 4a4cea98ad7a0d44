"""Factories shared by every test: build real rows with sensible defaults."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from assistant.chat import services
from assistant.chat.models import Inbox

SITE = "https://shop.example.com"
OTHER_SITE = "https://other.example.net"
_counter = itertools.count(1)


def make_inbox(**fields: Any) -> Inbox:
    n = next(_counter)
    defaults: dict[str, Any] = {
        "name": f"Shop {n}",
        "public_key": f"pk_test_{n}",
        "allowed_origins": [SITE],
        "greeting": "Hello! How can we help?",
        "instructions": "Be brief.",
    }
    defaults.update(fields)
    return Inbox.objects.create(**defaults)


def make_session(
    inbox: Inbox, *, visitor: str | None = None, identity: dict | None = None, language: str = "en"
) -> services.Session:
    origin = inbox.allowed_origins[0] if inbox.allowed_origins else None
    return services.session_start(
        inbox_key=inbox.public_key,
        origin=origin,
        visitor_secret=visitor,
        identity=identity,
        language=language,
    )


def make_user(username: str, *, group: str = "agents", **fields: Any) -> AbstractUser:
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(
        username=username, password="pw-" + username, **fields
    )
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


# ---------------------------------------------------------------------------------------------
# The human side: teams, desk staff, conversations with a customer message, tickets
# ---------------------------------------------------------------------------------------------


def make_team(name: str | None = None, *, inboxes: tuple = (), members: tuple = ()) -> Any:
    from tickets.models import Team

    team = Team.objects.create(name=name or f"Team {next(_counter)}")
    team.inboxes.add(*inboxes)
    team.members.add(*members)
    return team


def make_agent(username: str, *, role: str = "agent", teams: tuple = ()) -> AbstractUser:
    """A desk user with this role (agent, manager, admin) in these teams."""
    from tickets.models import AgentProfile

    user = make_user(username, first_name=username.capitalize())
    AgentProfile.objects.create(user=user, role=role)
    for team in teams:
        team.members.add(user)
    return user


def make_conversation(inbox: Inbox, *, text: str = "Where is my order?", client_id: str = "c1"):
    """A new contact's conversation with the assistant, holding one customer message."""
    session = make_session(inbox)
    stored = services.customer_message_create(
        contact_id=session.contact.id, text=text, client_id=client_id
    )
    return stored.conversation


def make_ticket(conversation=None, *, inbox: Inbox | None = None, subject: str = "Help") -> Any:
    """The conversation's ticket (as a handoff makes it), or a ticket of a new contact."""
    from tickets import services as ticket_services

    if conversation is not None:
        ticket, _changed = ticket_services.ticket_for_conversation(conversation_id=conversation.id)
        return ticket
    assert inbox is not None
    contact = make_session(inbox).contact
    return ticket_services.ticket_create(inbox=inbox, contact=contact, subject=subject, by=None)


def make_api_key(user: Any, *, scope: str = "read_write", name: str = "Test token") -> str:
    """A new API token for ``user``; returns the key (the database keeps only its digest)."""
    from tickets.apitokens import tokens

    return tokens.issue(name=name, user=user, scope=scope)[1]
