"""Demo data for ``make run``: the fictional company Northwind Cycles, its inbox and its staff.

Loading is idempotent: running it again changes nothing that exists (passwords included), so a
developer's edits in the admin survive a restart.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from assistant.chat.models import Inbox

DEMO_PASSWORD = "demo-pass-2026"
DEMO_INBOX_KEY = "pk_demo_northwind"


def demo_origins(port: int) -> list[str]:
    """Where the demo page is served from, so its widget is on the inbox's allowlist."""
    return [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    group: str
    is_superuser: bool = False


DEMO_USERS = (
    DemoUser("admin", "Ada", "Admin", "admins", is_superuser=True),
    DemoUser("manager", "Mina", "Manager", "managers"),
    DemoUser("agent", "Alex", "Agent", "agents"),
    DemoUser("agent2", "Sam", "Support", "agents"),
)


@transaction.atomic
def load_demo_data(*, port: int = 8000) -> Inbox:
    user_model = get_user_model()
    for demo in DEMO_USERS:
        group, _ = Group.objects.get_or_create(name=demo.group)
        user, created = user_model.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": f"{demo.username}@northwind.example",
                "is_staff": True,
                "is_superuser": demo.is_superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(group)
    inbox, _ = Inbox.objects.get_or_create(
        public_key=DEMO_INBOX_KEY,
        defaults={
            "name": "Northwind Cycles website",
            "allowed_origins": demo_origins(port),
            "greeting": "Hi! I'm Northwind's assistant. Ask me about orders, deliveries, "
            "returns or your bike, or ask for a person at any time.",
            "instructions": "You are the support assistant of Northwind Cycles, a bicycle shop. "
            "Be brief, friendly and precise.",
        },
    )
    missing = [origin for origin in demo_origins(port) if origin not in inbox.allowed_origins]
    if missing:
        # Served on another port this time: allow it too, keep what an admin configured.
        inbox.allowed_origins = [*inbox.allowed_origins, *missing]
        inbox.save(update_fields=["allowed_origins"])
    return inbox
