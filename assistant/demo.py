"""Demo data for ``make run``: the fictional company Northwind Cycles, its inbox and its staff.

Loading is idempotent: running it again changes nothing that exists (passwords included), so a
developer's edits in the admin survive a restart.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.easter import easter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assistant.actions.models import Action
from assistant.actions.services import secret_set
from assistant.chat.models import Inbox
from assistant.demo_orders import demo_api_key
from assistant.knowledge.demo import load_demo_articles
from assistant.mail import credentials
from assistant.mail.models import MailAccount

DEMO_PASSWORD = "demo-pass-2026"
DEMO_INBOX_KEY = "pk_demo_northwind"
# The demo inbox's address. Mail reaches it only through the relay endpoint (never an external
# IMAP server): `make run` prints the curl command that posts a message (docs/email.md).
DEMO_MAIL_ADDRESS = "support@northwind.example"


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


ORDER_ID = {"type": "string", "description": "The order number, such as NW-1042."}
# The demo inbox's actions, calling the demo order API (assistant/demo_orders.py) on this
# server: order status (a read), change the delivery address and start a return (changes, which
# the customer confirms in the chat).
DEMO_ACTIONS: tuple[dict, ...] = (
    {
        "name": "order_status",
        "description": "Look up the signed-in customer's orders: status, carrier, expected "
        "delivery and delivery address. Without an order number it lists all their orders.",
        "parameters": {"type": "object", "properties": {"order_id": ORDER_ID}},
        "method": "GET",
        "path": "/demo/api/orders",
    },
    {
        "name": "change_delivery_address",
        "description": "Change the delivery address of one of the signed-in customer's orders "
        "that has not shipped yet.",
        "parameters": {
            "type": "object",
            "properties": {
                "order_id": ORDER_ID,
                "address": {"type": "string", "description": "The new address, in full."},
            },
            "required": ["order_id", "address"],
        },
        "method": "POST",
        "path": "/demo/api/orders/{order_id}/address",
        "changes_data": True,
        "confirmation_text": "Change the delivery address of order {order_id} to {address}?",
    },
    {
        "name": "start_return",
        "description": "Start a return for one of the signed-in customer's delivered orders; "
        "a return label is e-mailed to them.",
        "parameters": {
            "type": "object",
            "properties": {
                "order_id": ORDER_ID,
                "reason": {"type": "string", "description": "Why, in the customer's words."},
            },
            "required": ["order_id", "reason"],
        },
        "method": "POST",
        "path": "/demo/api/orders/{order_id}/return",
        "changes_data": True,
        "confirmation_text": "Start a return for order {order_id} (reason: {reason})?",
    },
)


def _load_demo_actions(inbox: Inbox, port: int) -> None:
    """The three actions, pointed at this server; kept as an admin left them once created."""
    for definition in DEMO_ACTIONS:
        fields = {k: v for k, v in definition.items() if k not in ("name", "path")}
        url = f"http://127.0.0.1:{port}{definition['path']}"
        action = Action.objects.filter(inbox=inbox, name=definition["name"]).first()
        if action is not None:
            if action.url.startswith("http://127.0.0.1:") and action.url != url:
                # Served on another port this time: follow it, keep everything else.
                Action.objects.filter(pk=action.pk).update(url=url)
            continue
        action = Action(
            inbox=inbox,
            name=definition["name"],
            url=url,
            secret_header_name="X-Demo-Key",
            identity_fields=["customer_id"],
            timeout_seconds=5,
            **fields,
        )
        secret_set(action=action, value=demo_api_key())
        action.save()


def demo_relay_key() -> str:
    """The demo address's relay key, derived from SECRET_KEY: each installation has its own,
    and it is the same at every start, so `make run` can print it."""
    digest = hmac.new(settings.SECRET_KEY.encode(), b"demo-mail-relay", hashlib.sha256)
    return credentials.RELAY_KEY_MARKER + "demo_" + digest.hexdigest()[:32]


def _load_demo_mail_address(inbox: Inbox) -> None:
    account, created = MailAccount.objects.get_or_create(
        inbox=inbox,
        defaults={"address": DEMO_MAIL_ADDRESS, "signature": "Northwind Cycles support"},
    )
    if created or not account.relay_key_hash:
        credentials.relay_key_install(account=account, key=demo_relay_key())


def demo_relay_command(base_url: str) -> str | None:
    """The curl command that posts a message to the demo address, while its relay key is still
    the demo's own (an admin who rotated it has a key this cannot know)."""
    account = MailAccount.objects.filter(address=DEMO_MAIL_ADDRESS, enabled=True).first()
    if account is None or not credentials.relay_key_matches(account, demo_relay_key()):
        return None
    return (
        f"curl -H 'Authorization: Bearer {demo_relay_key()}' "
        f"-H 'Content-Type: message/rfc822' --data-binary @message.eml "
        f"{base_url}/mail/inbound/{DEMO_MAIL_ADDRESS}/"
    )


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
            # What customers see as the widget's title; the name above is the desk's.
            "display_name": "Northwind Cycles",
            "allowed_origins": demo_origins(port),
            # No greeting of its own: the default one speaks the visitor's language.
            "greeting": "",
            "instructions": "You are the support assistant of Northwind Cycles, a bicycle shop. "
            "Be brief, friendly and precise.",
        },
    )
    team.inboxes.add(inbox)
    _load_team_calendar(team)
    _load_demo_actions(inbox, port)
    _load_demo_mail_address(inbox)
    load_demo_articles()
    for title, text in DEMO_CANNED_REPLIES:
        CannedReply.objects.get_or_create(title=title, defaults={"text": text})
    missing = [origin for origin in demo_origins(port) if origin not in inbox.allowed_origins]
    if missing:
        # Served on another port this time: allow it too, keep what an admin configured.
        inbox.allowed_origins = [*inbox.allowed_origins, *missing]
        inbox.save(update_fields=["allowed_origins"])
    return inbox
