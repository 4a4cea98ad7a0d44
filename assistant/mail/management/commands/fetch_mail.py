"""``manage.py fetch_mail``: fetch every enabled address's IMAP mailbox until stopped.

`manage.py serve` (``make run``) starts it as the ``mail`` process; in production it runs as
one process beside the workers (one is enough: each mailbox is one connection, and two
processes fetching the same mailbox would only store each message once anyway).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from assistant.mail.fetcher import Supervisor

# How often the list of addresses is re-read: a new or changed address starts this soon.
RECONCILE_SECONDS = 10.0


class Command(BaseCommand):
    help = "Fetch mail by IMAP for every enabled e-mail address, waiting in IDLE or polling."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reconcile-seconds",
            type=float,
            default=RECONCILE_SECONDS,
            help="How often to re-read the addresses (new, changed or disabled ones).",
        )

    def handle(self, *args: Any, reconcile_seconds: float, **options: Any) -> None:
        stop = threading.Event()

        def _stop(signum: int, frame: object) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        self.stdout.write("Fetching mail (IMAP); Ctrl-C to stop.")
        Supervisor().run(stop, every=reconcile_seconds)
        self.stdout.write("Stopped fetching mail.")
