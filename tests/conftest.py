"""Shared test fixtures: the embedded servers, a real Celery worker, and the browser.

The embedded PostgreSQL and Redis under ``var/test`` (see ``[tool.pytest_env]`` in
pyproject.toml) are started once per run and stopped at the end if this run started them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

from assistant.embedded import EmbeddedServices

ROOT = Path(__file__).resolve().parent.parent

# Property tests check behaviour, not speed: Hypothesis' default 200 ms deadline per example
# fails them on a busy CI machine (a slow example is not a wrong one; speed is measured in bench/).
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")
_services: EmbeddedServices | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _services
    _services = EmbeddedServices(
        var_dir=settings.VAR_DIR,
        postgres=settings.DATABASE_EMBEDDED,
        redis=settings.REDIS_EMBEDDED,
    )
    _services.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _services is not None:
        _services.stop()


# ---------------------------------------------------------------------------------------------
# Processes that share the test database
# ---------------------------------------------------------------------------------------------


def child_process_environment(database_name: str) -> dict[str, str]:
    """Environment for a child process (worker, web server) that must see the test database."""
    from django.db import connection

    database = connection.settings_dict
    host = database["HOST"] or database.get("OPTIONS", {}).get("host", "")
    if host.startswith("/"):
        url = f"postgres://{database['USER']}@/{database_name}?host={host}"
    else:
        password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
        port = f":{database['PORT']}" if database["PORT"] else ""
        url = f"postgres://{database['USER']}{password}@{host}{port}/{database_name}"
    environment = dict(os.environ)
    environment.update({"DATABASE_URL": url, "DEBUG": "true", "VAR_DIR": str(settings.VAR_DIR)})
    if settings.REDIS_EMBEDDED:
        environment["REDIS_URL"] = settings.REDIS_URL
    return environment


def start_celery_worker(
    environment: dict[str, str], name: str, queues: str = "celery"
) -> subprocess.Popen[bytes]:
    """A real ``celery worker`` process; returns once it answers a ping."""
    from assistant.celery import app

    log_path = settings.VAR_DIR / f"test-worker-{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "assistant", "worker", "--pool", "solo",
             "--loglevel", "INFO", "--hostname", f"{name}-{os.getpid()}@%h", "--without-gossip",
             "--without-mingle", "--queues", queues],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    try:
        while not any(name in reply_name for reply in _ping(app) for reply_name in reply):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The Celery worker did not start:\n{log_path.read_text()[-3000:]}")
    except BaseException:
        # Never leave a worker behind: it would run later tests' tasks against their tables.
        process.kill()
        process.wait()
        raise
    return process


def _ping(app: Any) -> list[dict[str, Any]]:
    # A fresh broker connection, not one from the app's pool: after a test restarted Redis the
    # pooled ones are dead, and kombu finds out only by failing a command.
    with app.connection_for_write() as connection:
        return app.control.ping(timeout=0.5, connection=connection)


def purge_queued_tasks() -> None:
    """Drop tasks queued by earlier tests (their rows are gone), over a fresh connection."""
    from assistant.celery import app

    with app.connection_for_write() as connection:
        app.control.purge(connection=connection)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def celery_worker_process(
    django_db_setup: Any, django_db_blocker: Any
) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``celery worker`` process on the test database and the test Redis, for one test.

    Not for the whole session: a worker left running would pick up the tasks that later tests
    queue (every handoff queues an escalation) and write to tables those tests are emptying.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        environment = child_process_environment(connection.settings_dict["NAME"])
    # Tasks queued by earlier tests (their rows are gone) must not reach this worker.
    purge_queued_tasks()
    process = start_celery_worker(environment, "test")
    yield process
    stop_process(process)


# ---------------------------------------------------------------------------------------------
# The browser: Debian's Chromium driven by Playwright; never a downloaded browser.
# ---------------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_skipped_browser_tests: list[str] = []


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium): browser test skipped")
    return CHROMIUM


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: they are the slowest, and nothing after them can be disturbed by
    the event loop Playwright's sync API runs while a browser is open. Tests that restart Redis
    run after them: this process's pooled connections to the old server are dead afterwards."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("restarts_redis") is not None,
            "tests/browser/" in item.nodeid.replace("\\", "/"),
        )
    )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "Chromium is not installed" in str(report.longrepr):
        _skipped_browser_tests.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _skipped_browser_tests:
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(
            f"{len(_skipped_browser_tests)} browser tests did not run because Debian's chromium "
            "is not installed. Install it with: apt-get install chromium",
            red=True,
        )


# ---------------------------------------------------------------------------------------------
# Isolation between tests
# ---------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Rate-limit counters live in Redis across tests; each test starts with none."""
    from assistant.kv import sync_redis

    client = sync_redis()
    for key in client.scan_iter("ratelimit:*"):
        client.delete(key)
    yield


@pytest.fixture(autouse=True)
def _nobody_at_the_desk() -> Iterator[None]:
    """Desk tabs (tickets.online) live in Redis across tests; each test starts with none open."""
    from assistant.kv import sync_redis
    from tickets.online import ONLINE_KEY

    sync_redis().delete(ONLINE_KEY)
    yield


@pytest.fixture(autouse=True)
def _database_calls_finish() -> Iterator[None]:
    """Reply turns outlive the socket that started them, and when a test's event loop closes it
    cancels them: a database call they had started goes on in its thread. The test's teardown
    must not flush the database under it (a deadlock, and the next test inherits its rows).
    pytest-django's database fixture is a plugin's autouse fixture, set up before this one, so
    it is torn down after this wait."""
    yield
    from assistant.db_async import finish_started_calls

    finish_started_calls()


@pytest.fixture(autouse=True)
def _fresh_model_registry() -> Iterator[None]:
    """Breakers and clients live in the process-wide registry; tests that change settings.LLM
    must not see another test's registry."""
    from assistant import calls

    calls.reset()
    yield
    calls.reset()


# ---------------------------------------------------------------------------------------------
# A real web server on the test database
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server_environment(django_db_setup: Any, django_db_blocker: Any) -> dict[str, str]:
    from django.db import connection

    with django_db_blocker.unblock():
        return child_process_environment(connection.settings_dict["NAME"])


@pytest.fixture(scope="session")
def web_server(live_server_environment: dict[str, str]) -> Iterator[Any]:
    """One web process (the production ASGI server) for the whole run, on the offline model."""
    from tests.live import LiveServer

    with LiveServer(live_server_environment) as server:
        yield server


# ---------------------------------------------------------------------------------------------
# The model provider: the simulator, a real OpenAI-compatible server that the openai SDK calls
# ---------------------------------------------------------------------------------------------

SIMULATOR_RULES = [
    {"pattern": "tell me a long story", "reply": " ".join(f"word{i}" for i in range(120))},
]


@pytest.fixture(scope="session")
def model_simulator() -> Iterator[Any]:
    from assistant.llm.simulator import Rule, run_in_thread

    rules = [Rule.from_dict(rule) for rule in SIMULATOR_RULES]
    with run_in_thread(
        ttft=0.05, tokens_per_second=200, rules=rules, embedding_dimensions=64
    ) as sim:
        yield sim


@pytest.fixture
def simulated_llm(settings: Any, model_simulator: Any) -> Iterator[Any]:
    """settings.LLM pointing at the simulator (then the offline responder), as production
    would point at Qwen; short timeouts so failure paths stay quick."""
    from assistant import calls
    from assistant.llm.config import build_llm_config

    def configure(**overrides: Any) -> None:
        options: dict[str, Any] = {
            "dashscope_api_key": None,
            "openai_base_url": model_simulator.base_url,
            "openai_api_key": "sk-simulator",
            "openai_model": "qwen-plus",
            "first_token_timeout": 2.0,
            "total_timeout": 10.0,
            "max_retries": 0,
        }
        options.update(overrides)
        settings.LLM = build_llm_config(**options)
        calls.reset()

    model_simulator.app.reset()
    configure()
    yield SimpleNamespace(
        app=model_simulator.app, base_url=model_simulator.base_url, configure=configure
    )
    model_simulator.app.reset()
