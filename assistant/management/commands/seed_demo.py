"""manage.py seed_demo: the demo company, its staff, its articles and a 90-day history.

manage.py seed_demo                   load what is missing (idempotent; `make run` does this)
manage.py seed_demo --no-history      the company without the generated history
manage.py seed_demo --remove-history  delete the generated history, nothing else
"""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from analytics import rollups
from assistant import demo_history
from assistant.chat.models import Inbox
from assistant.demo import DEMO_INBOX_KEY, DEMO_PASSWORD, DEMO_USERS, load_demo_data


class Command(BaseCommand):
    help = (
        "Load the demo company, its inbox, its staff and a 90-day history of conversations "
        "(idempotent); --remove-history deletes the generated history only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port", type=int, default=settings.WEB_PORT, help="Where the demo is served."
        )
        choice = parser.add_mutually_exclusive_group()
        choice.add_argument(
            "--history",
            action="store_true",
            help="Generate the 90-day history if there is none (by default only on the first run).",
        )
        choice.add_argument(
            "--no-history", action="store_true", help="Do not generate the 90-day history."
        )
        choice.add_argument(
            "--remove-history",
            action="store_true",
            help="Delete the generated history (conversations of demo contacts) and exit.",
        )

    def handle(
        self,
        *args: Any,
        port: int,
        history: bool,
        no_history: bool,
        remove_history: bool,
        **options: Any,
    ) -> None:
        if remove_history:
            removed = demo_history.remove_history()
            rollups.rebuild_all()
            self.stdout.write(f"Removed {removed} generated demo conversations.")
            return
        first_run = not Inbox.objects.filter(public_key=DEMO_INBOX_KEY).exists()
        inbox = load_demo_data(port=port)
        self.stdout.write(f"Demo inbox {inbox.name!r} ({inbox.public_key}).")
        users = ", ".join(user.username for user in DEMO_USERS)
        self.stdout.write(f"Demo logins: {users} (password {DEMO_PASSWORD}).")
        if no_history or not (first_run or history):
            return
        started = time.monotonic()
        summary = demo_history.generate_history()
        if not summary.created:
            return
        generated = time.monotonic() - started
        rollups.rebuild_all()
        self.stdout.write(
            f"Demo history: {summary.conversations} conversations, {summary.messages} messages, "
            f"{summary.model_calls} model calls, {summary.tickets} tickets in {generated:.1f} s; "
            f"analytics rollups in {time.monotonic() - started - generated:.1f} s."
        )
