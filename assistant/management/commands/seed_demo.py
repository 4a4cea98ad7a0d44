from typing import Any

from django.core.management.base import BaseCommand

from assistant.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_data


class Command(BaseCommand):
    help = "Load the demo company, its inbox and its staff (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        inbox = load_demo_data()
        self.stdout.write(f"Demo inbox {inbox.name!r} ({inbox.public_key}).")
        users = ", ".join(user.username for user in DEMO_USERS)
        self.stdout.write(f"Demo logins: {users} (password {DEMO_PASSWORD}).")
