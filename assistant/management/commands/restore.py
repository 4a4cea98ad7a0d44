"""``manage.py restore FILE [--into DBNAME]``: load a backup made by ``manage.py backup``.

Objects of the backup that already exist are dropped first (--clean --if-exists), so restoring
over the same database gives the backup's state. ``--into`` restores into another, existing
(empty) database instead, to check a backup without touching the live one."""

from __future__ import annotations

import os
import subprocess
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from assistant.management.commands.pg_tools import binary, libpq_environment


class Command(BaseCommand):
    help = "Restore the database from a file made by `manage.py backup`."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--into", help="an existing database to restore into instead")

    def handle(self, *args: Any, file: str, into: str | None = None, **options: Any) -> None:
        command = [
            binary("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={libpq_environment(dbname=into)['PGDATABASE']}",
            file,
        ]
        result = subprocess.run(
            command,
            env={**os.environ, **libpq_environment(dbname=into)},
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        self.stdout.write(f"restored {file}")
