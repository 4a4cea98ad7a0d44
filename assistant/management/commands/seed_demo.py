from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from assistant.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_data


class Command(BaseCommand):
    help = "Load the demo company, its inbox and its staff (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port", type=int, default=settings.WEB_PORT, help="Where the demo is served."
        )

    def handle(self, *args: Any, port: int, **options: Any) -> None:
        inbox = load_demo_data(port=port)
        self.stdout.write(f"Demo inbox {inbox.name!r} ({inbox.public_key}).")
        users = ", ".join(user.username for user in DEMO_USERS)
        self.stdout.write(f"Demo logins: {users} (password {DEMO_PASSWORD}).")
