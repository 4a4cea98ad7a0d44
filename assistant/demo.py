"""Demo data for ``make run``: the fictional company Northwind Cycles, its inbox and its staff.

Loading is idempotent: running it again changes nothing that exists (passwords included), so a
developer's edits in the admin survive a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.easter import easter
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

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


# When the demo team works, as its help articles say ("Contacting customer service"): Monday to
# Friday 09:00-17:30 and Saturday 10:00-16:00, Dutch time.
DEMO_TIME_ZONE = "Europe/Amsterdam"
DEMO_TEAM_HOURS = {
    **{day: [["09:00", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "sat": [["10:00", "16:00"]],
}


def dutch_public_holidays(year: int) -> dict[date, str]:
    """The holidays the articles name ("Stores and opening hours")."""
    easter_sunday = easter(year)
    return {
        date(year, 1, 1): "New Year's Day",
        easter_sunday + timedelta(days=1): "Easter Monday",
        # King's Day moves to the 26th when the 27th is a Sunday.
        date(year, 4, 26 if date(year, 4, 27).weekday() == 6 else 27): "King's Day",
        easter_sunday + timedelta(days=39): "Ascension Day",
        easter_sunday + timedelta(days=50): "Whit Monday",
        date(year, 12, 25): "Christmas Day",
        date(year, 12, 26): "Boxing Day",
    }


def _load_team_calendar(team: object) -> None:
    from tickets.models import BusinessCalendar, Holiday

    calendar, _ = BusinessCalendar.objects.get_or_create(
        team=team, defaults={"time_zone": DEMO_TIME_ZONE, "weekly_hours": DEMO_TEAM_HOURS}
    )
    this_year = timezone.now().year
    for year in (this_year, this_year + 1):
        for day, name in dutch_public_holidays(year).items():
            Holiday.objects.get_or_create(calendar=calendar, date=day, defaults={"name": name})


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
        # "Online" is their chosen status; they count as online only with the desk open.
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
    _load_team_calendar(team)
    load_demo_articles()
    for title, text in DEMO_CANNED_REPLIES:
        CannedReply.objects.get_or_create(title=title, defaults={"text": text})
    missing = [origin for origin in demo_origins(port) if origin not in inbox.allowed_origins]
    if missing:
        # Served on another port this time: allow it too, keep what an admin configured.
        inbox.allowed_origins = [*inbox.allowed_origins, *missing]
        inbox.save(update_fields=["allowed_origins"])
    return inbox
