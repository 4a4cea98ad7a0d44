"""``manage.py backup [--output FILE]``: one consistent pg_dump of the database (custom format).

pg_dump reads the whole database in one repeatable-read snapshot, so the web and the workers can
keep running while it runs. Redis holds nothing that needs a backup (docs/operations.md)."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assistant.management.commands.pg_tools import binary, libpq_environment


class Command(BaseCommand):
    help = "Back up the database into one file (pg_dump custom format)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", help="the file to write (default var/backups/<time>.dump)")

    def handle(self, *args: Any, output: str | None = None, **options: Any) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = Path(output) if output else settings.VAR_DIR / "backups" / f"{stamp}.dump"
        target.parent.mkdir(parents=True, exist_ok=True)
        command = [binary("pg_dump"), "--format=custom", "--no-owner", f"--file={target}"]
        result = subprocess.run(
            command, env={**os.environ, **libpq_environment()}, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        self.stdout.write(str(target))
