"""Demo data for ``make run``: the fictional company Northwind Cycles, its inbox and its staff.

Loading is idempotent: running it again changes nothing that exists (passwords included), so a
developer's edits in the admin survive a restart.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from assistant.chat.models import Inbox
from assistant.knowledge.demo import load_demo_articles

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
    role: str
    is_superuser: bool = False


DEMO_USERS = (
    DemoUser("admin", "Ada", "Admin", "admin", is_superuser=True),
    DemoUser("manager", "Mina", "Manager", "manager"),
    DemoUser("agent", "Alex", "Agent", "agent"),
    DemoUser("agent2", "Sam", "Support", "agent"),
)

DEMO_CANNED_REPLIES = (
    (
        "Greeting",
        "Hi {customer_name}, this is {agent_name} from Northwind Cycles. I'm looking into it now.",
    ),
    (
        "Order number",
        "Could you send me your order number (it starts with NW-)? Then I can check right away.",
    ),
    ("Closing", "Is there anything else I can help you with, {customer_name}? Happy riding!"),
)


@transaction.atomic
def load_demo_data(*, port: int = 8000) -> Inbox:
    from tickets.models import AgentProfile, CannedReply, Team

    user_model = get_user_model()
    team, _ = Team.objects.get_or_create(name="Northwind support")
    for demo in DEMO_USERS:
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
        AgentProfile.objects.get_or_create(
            user=user, defaults={"role": demo.role, "availability": "online"}
        )
        team.members.add(user)
    inbox, _ = Inbox.objects.get_or_create(
        public_key=DEMO_INBOX_KEY,
        defaults={
            "name": "Northwind Cycles website",
            "allowed_origins": demo_origins(port),
            # No greeting of its own: the default one speaks the visitor's language.
            "greeting": "",
            "instructions": "You are the support assistant of Northwind Cycles, a bicycle shop. "
            "Be brief, friendly and precise.",
        },
    )
    team.inboxes.add(inbox)
    load_demo_articles()
    for title, text in DEMO_CANNED_REPLIES:
        CannedReply.objects.get_or_create(title=title, defaults={"text": text})
    missing = [origin for origin in demo_origins(port) if origin not in inbox.allowed_origins]
    if missing:
        # Served on another port this time: allow it too, keep what an admin configured.
        inbox.allowed_origins = [*inbox.allowed_origins, *missing]
        inbox.save(update_fields=["allowed_origins"])
    return inbox
