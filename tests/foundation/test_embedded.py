"""The embedded-server manager on a private directory: start, start again, crash, stop."""

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest

from assistant import embedded


@pytest.fixture
def var_dir() -> Iterator[Path]:
    # A short path under /tmp: unix socket paths are limited to 107 characters.
    directory = Path(tempfile.mkdtemp(prefix="emb-", dir="/tmp"))
    yield directory
    embedded.stop_redis(directory)
    embedded.stop_postgres(directory)
    shutil.rmtree(directory, ignore_errors=True)


def _query(var_dir: Path, sql: str) -> object:
    conninfo = f"host={embedded.postgres_socket_dir(var_dir)} user=postgres dbname=assistant"
    with psycopg.connect(conninfo) as connection:
        return connection.execute(sql).fetchone()[0]


def _redis(var_dir: Path):
    import redis

    return redis.Redis(unix_socket_path=str(embedded.redis_socket_path(var_dir)))


def _wait_gone(pid: int) -> None:
    deadline = time.monotonic() + 10
    while psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, f"process {pid} did not exit"
        time.sleep(0.05)


def test_postgres_starts_once_survives_a_crash_and_stops_cleanly(var_dir: Path) -> None:
    assert embedded.start_postgres(var_dir) is True
    first_pid = embedded.postgres_pid(var_dir)
    assert _query(var_dir, "SELECT 41 + 1") == 42

    # A second start finds the running server and leaves it alone.
    assert embedded.start_postgres(var_dir) is False
    assert embedded.postgres_pid(var_dir) == first_pid

    # kill -9 leaves a stale postmaster.pid; the next start recovers.
    os.kill(first_pid, signal.SIGKILL)
    _wait_gone(first_pid)
    assert embedded.postgres_pid(var_dir) is None
    assert embedded.start_postgres(var_dir) is True
    assert embedded.postgres_pid(var_dir) not in (None, first_pid)
    assert _query(var_dir, "SELECT 1") == 1

    pid = embedded.postgres_pid(var_dir)
    assert embedded.stop_postgres(var_dir) is True
    _wait_gone(pid)
    assert embedded.postgres_pid(var_dir) is None
    leftovers = [
        p
        for p in psutil.process_iter(["cmdline"])
        if str(var_dir) in " ".join(p.info["cmdline"] or [])
    ]
    assert leftovers == []


def test_redis_starts_once_survives_a_crash_and_stops_cleanly(var_dir: Path) -> None:
    assert embedded.start_redis(var_dir) is True
    first_pid = embedded.redis_pid(var_dir)
    _redis(var_dir).set("kept", "yes")
    assert embedded.start_redis(var_dir) is False

    os.kill(first_pid, signal.SIGKILL)
    _wait_gone(first_pid)
    # The socket and pid files are stale now; starting again must still work.
    assert embedded.redis_socket_path(var_dir).exists()
    assert embedded.start_redis(var_dir) is True
    assert _redis(var_dir).ping()

    pid = embedded.redis_pid(var_dir)
    assert embedded.stop_redis(var_dir) is True
    _wait_gone(pid)
    assert embedded.redis_pid(var_dir) is None
    assert not embedded.redis_socket_path(var_dir).exists()


def test_redis_keeps_acknowledged_writes_across_a_clean_restart(var_dir: Path) -> None:
    embedded.start_redis(var_dir)
    _redis(var_dir).rpush("queue", "task-1")
    embedded.stop_redis(var_dir)
    embedded.start_redis(var_dir)
    assert _redis(var_dir).lrange("queue", 0, -1) == [b"task-1"]


def test_the_services_object_stops_only_what_it_started(var_dir: Path) -> None:
    embedded.start_redis(var_dir)
    with embedded.EmbeddedServices(var_dir=var_dir, postgres=False, redis=True) as services:
        assert services.started == []
    assert embedded.redis_pid(var_dir) is not None


def test_a_socket_path_too_long_is_refused_with_advice(tmp_path: Path) -> None:
    deep = tmp_path / ("x" * 120)
    with pytest.raises(embedded.EmbeddedServiceError, match="DATABASE_URL"):
        embedded.start_postgres(deep)
