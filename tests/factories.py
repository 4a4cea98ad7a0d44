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
