"""Browser tests: Debian's Chromium driven by Playwright, against a real server process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.live import LiveServer

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    # This machine has no internet: background fetches would only fail noisily.
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    """Chromium for one test module. Not for the whole session: Playwright's sync API keeps an
    event loop running in this thread while it is open, and other tests' async_to_sync calls
    refuse to run beside it."""
    from playwright.sync_api import sync_playwright

    # With that loop running Django refuses ORM calls from the test body; the test itself is
    # plain synchronous code, so this is safe (the pytest-playwright + Django recipe).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture(scope="module")
def simulated_web_server(
    live_server_environment: dict[str, str], model_simulator: Any
) -> Iterator[LiveServer]:
    """A web server whose model is the simulator (paced like a hosted model), then offline."""
    environment = {
        **live_server_environment,
        "OPENAI_BASE_URL": model_simulator.base_url,
        "OPENAI_API_KEY": "sk-simulator",
        "OPENAI_MODEL": "qwen-plus",
        "LLM_FIRST_TOKEN_TIMEOUT": "3",
        "LLM_TOTAL_TIMEOUT": "20",
    }
    with LiveServer(environment, name="web-simulated") as server:
        yield server


def in_thread(function: Any, /, **kwargs: Any) -> Any:
    """Run a service from a plain thread: services broadcast with async_to_sync, which refuses
    to run in this thread, where Playwright's event loop is running."""
    from django.db import connections

    def run() -> Any:
        try:
            return function(**kwargs)
        finally:
            connections.close_all()  # this thread's connection would outlive the test database

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=30)
