"""Django for the benchmark scripts: the embedded servers running, and a database of their own.

    from _django import setup      # bench/ is on sys.path when a script here is run
    setup("bench_recall")

Benchmarks create and delete thousands of rows, so they never touch the application's database:
each uses its own database on the same PostgreSQL server (created on first use, migrated every
time). Its name is swapped into settings.DATABASES after the settings are read and before
django.setup() opens any connection, which works the same for the embedded server and for an
external DATABASE_URL and needs no environment variable of its own. The embedded PostgreSQL is
started if it is not running (under VAR_DIR, like `make run`) and stopped at exit only if this
process started it. Redis is started only for the benchmarks that run the web app (the channel
layer and rate limits live there): `setup(name, redis=True)`; `child_environment()` then gives a
child process (a web server) the same database and Redis.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup(database: str, *, redis: bool = False) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    # The documented way for a standalone script to name its settings (as manage.py does).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assistant.settings")
    import django
    from django.conf import settings
    from django.core.management import call_command

    from assistant.embedded import EmbeddedServices

    services = EmbeddedServices(
        var_dir=settings.VAR_DIR,
        postgres=settings.DATABASE_EMBEDDED,
        redis=redis and settings.REDIS_EMBEDDED,
    )
    services.start()
    atexit.register(services.stop)
    _ensure_database(settings.DATABASES["default"], database)
    settings.DATABASES["default"]["NAME"] = database
    django.setup()
    # Per-request HTTP logs (embeddings from the simulator) would drown the report.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)


def child_environment(**extra: str) -> dict[str, str]:
    """The environment for a child process (a web server) on this benchmark's database and on the
    same Redis, after `setup()`."""
    from django.conf import settings

    config = settings.DATABASES["default"]
    host = config.get("HOST") or config.get("OPTIONS", {}).get("host") or ""
    if host.startswith("/"):
        url = f"postgres://{config['USER']}@/{config['NAME']}?host={host}"
    else:
        password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
        port = f":{config['PORT']}" if config.get("PORT") else ""
        url = f"postgres://{config['USER']}{password}@{host}{port}/{config['NAME']}"
    environment = dict(os.environ)
    environment.update(
        {"DATABASE_URL": url, "REDIS_URL": settings.REDIS_URL, "VAR_DIR": str(settings.VAR_DIR)}
    )
    environment.update(extra)
    return environment


def _ensure_database(config: dict[str, Any], name: str) -> None:
    import psycopg
    from psycopg import sql

    params = {
        "dbname": "postgres",
        # A socket directory given in DATABASE_URL's query string lands in OPTIONS.
        "host": config.get("HOST") or config.get("OPTIONS", {}).get("host") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    with psycopg.connect(autocommit=True, **{k: v for k, v in params.items() if v}) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
