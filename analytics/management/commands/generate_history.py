"""manage.py generate_history --conversations 1000000: realistic history for analytics."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from analytics import history, rollups


class Command(BaseCommand):
    help = (
        "Generate realistic support history (conversations, messages, model calls, tickets) in "
        "three extra inboxes, replacing history generated earlier, then refresh the rollups."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--conversations", type=int, default=10_000)
        parser.add_argument("--days", type=int, default=730, help="length of the history")
        parser.add_argument("--seed", type=float, default=0.42, help="in [-1, 1]")
        parser.add_argument(
            "--no-rollups", action="store_true", help="leave the rollups to Celery beat"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        result = history.generate(
            conversations=options["conversations"], days=options["days"], seed=options["seed"]
        )
        if result.reused:
            self.stdout.write(f"{result.conversations} generated conversations already there.")
        else:
            self.stdout.write(
                f"Generated {result.conversations} conversations, {result.messages} messages, "
                f"{result.model_calls} model calls, {result.tickets} tickets "
                f"in {time.monotonic() - started:.0f} s."
            )
        if not options["no_rollups"]:
            began = time.monotonic()
            rollups.rebuild_all()
            self.stdout.write(f"Rollups rebuilt in {time.monotonic() - began:.0f} s.")
