"""``manage.py serve``: the whole product on one machine (what ``make run`` calls).

It starts the embedded PostgreSQL and Redis when no URL is configured, migrates, loads the demo
data, then runs the ASGI server, a Celery worker, Celery beat and the mail fetcher as child
processes and prints where everything is. Ctrl-C (or SIGTERM) stops the children, then the
embedded servers it started, so nothing is left running.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assistant import calls
from assistant.embedded import EmbeddedServices
from assistant.webserver import web_command

CHILD_STOP_TIMEOUT = 15.0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def child_commands(host: str, port: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "web": web_command(host, port),
        "worker": [
            python, "-m", "celery", "-A", "assistant", "worker",
            "--loglevel", "INFO", "--concurrency", "2", "--hostname", "worker@%h",
        ],
        "beat": [
            python, "-m", "celery", "-A", "assistant", "beat",
            "--loglevel", "INFO", "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME,
        ],
        # Fetches the inboxes' IMAP mailboxes (assistant/mail/fetcher.py; idle without any).
        "mail": [python, str(settings.BASE_DIR / "manage.py"), "fetch_mail"],
    }  # fmt: skip


class Command(BaseCommand):
    help = (
        "Run the product: embedded services, migrations, demo data, web server, worker, beat "
        "and the mail fetcher."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.WEB_HOST)
        parser.add_argument("--port", type=int, default=settings.WEB_PORT)
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo data.")

    def handle(self, *args: Any, host: str, port: int, no_demo: bool, **options: Any) -> None:
        if not port_is_free(host, port):
            raise CommandError(
                f"Port {port} on {host} is already in use (is another `make run` going?). "
                f"Stop that process or choose another port: WEB_PORT={port + 1} make run"
            )
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        services = EmbeddedServices(
            var_dir=settings.VAR_DIR,
            postgres=settings.DATABASE_EMBEDDED,
            redis=settings.REDIS_EMBEDDED,
        )
        children: dict[str, subprocess.Popen[bytes]] = {}
        # SIGTERM (from a process manager) is handled like Ctrl-C, and Ctrl-C is handled even
        # when the shell started us with SIGINT ignored (as it does for background jobs).
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGINT, _interrupt)
        try:
            self.stdout.write("Starting embedded services…" if services.postgres or services.redis
                              else "Using external PostgreSQL and Redis.")  # fmt: skip
            services.start()
            call_command("migrate", interactive=False, verbosity=0)
            if not no_demo:
                call_command("seed_demo", port=port, verbosity=0)
            for name, command in child_commands(host, port).items():
                children[name] = subprocess.Popen(command)
            self._announce(host, port, no_demo)
            self._wait(children)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            self._stop(children)
            services.stop()
            self.stdout.write("Stopped.")

    def _announce(self, host: str, port: int, no_demo: bool) -> None:
        base = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"
        database = (
            f"embedded PostgreSQL in {settings.VAR_DIR / 'postgres'}"
            if settings.DATABASE_EMBEDDED
            else "PostgreSQL from DATABASE_URL"
        )
        redis = (
            f"embedded Redis at {settings.REDIS_URL}"
            if settings.REDIS_EMBEDDED
            else "Redis from REDIS_URL"
        )
        lines = [
            "",
            f"  Model:      {calls.describe()}",
            f"  Database:   {database}",
            f"  Redis:      {redis}",
            f"  Product:    {base}/",
            f"  Demo site:  {base}/demo/",
            f"  Admin:      {base}/admin/",
            f"  Health:     {base}/healthz   {base}/readyz",
        ]
        if not no_demo:
            from assistant.demo import (
                DEMO_MAIL_ADDRESS,
                DEMO_PASSWORD,
                DEMO_USERS,
                demo_relay_command,
            )

            logins = ", ".join(user.username for user in DEMO_USERS)
            lines.append(f"  Logins:     {logins} (password: {DEMO_PASSWORD})")
            relay = demo_relay_command(base)
            if relay:
                lines.append(f"  E-mail:     {DEMO_MAIL_ADDRESS} by relay (docs/email.md):")
                lines.append(f"              {relay}")
                lines.append(f"  Replies:    {_outgoing_mail()}")
        lines.append("  Press Ctrl-C to stop everything.\n")
        self.stdout.write("\n".join(lines))

    def _wait(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    raise CommandError(f"The {name} process exited with code {child.returncode}.")
            time.sleep(0.5)

    def _stop(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + CHILD_STOP_TIMEOUT
        for child in children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _outgoing_mail() -> str:
    """Where the e-mails the product sends (answers, replies, notices) go, for the banner."""
    backend = settings.EMAIL_BACKEND
    if backend == "django.core.mail.backends.filebased.EmailBackend":
        return f"written to {settings.EMAIL_FILE_PATH}/, one file per message"
    if backend == "django.core.mail.backends.console.EmailBackend":
        return "printed in this terminal (EMAIL_URL=filemail://var/mail writes them to var/mail/)"
    return f"sent through {backend} ({settings.EMAIL_HOST}:{settings.EMAIL_PORT})"
