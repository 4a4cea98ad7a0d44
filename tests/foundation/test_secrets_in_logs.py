"""Secrets never reach a log line or an error report: model API keys, the secret key, database
and Redis passwords, Authorization headers, credentials in URLs."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.test import RequestFactory
from django.views.debug import get_exception_reporter_class

from assistant.llm.config import build_llm_config
from assistant.secrets_filter import MASK, configured_secrets, scrub
from tests.conftest import ROOT

API_KEY = "sk-live-0123456789abcdefABCDEF"


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ("connect to redis://:hunter2hunter2@cache:6379/0 failed", "hunter2hunter2"),
        ("postgres://app:s3cr3t-pass@db:5432/app", "s3cr3t-pass"),
        ("headers={'Authorization': 'Bearer abcdefgh12345678'}", "abcdefgh12345678"),
        ("Authorization: Token 0123456789abcdef", "0123456789abcdef"),
        ("POST /v1?api_key=ABCDEF0123456789&x=1", "ABCDEF0123456789"),
        ('{"password": "correct horse battery"}', "correct horse"),
        (f"client error with key {API_KEY}", API_KEY),
    ],
)
def test_credential_shaped_strings_are_masked(text: str, leaked: str) -> None:
    scrubbed = scrub(text, secrets=())
    assert leaked not in scrubbed and MASK in scrubbed


def test_ordinary_text_is_left_alone() -> None:
    text = "Order NW-12345 shipped to https://shop.example.com/track?id=99, token bucket empty"
    assert scrub(text, secrets=()) == text


def test_a_configured_key_is_masked_wherever_it_appears(settings: Any) -> None:
    settings.LLM = build_llm_config(dashscope_api_key="qk-0000-1111-2222-3333")
    configured_secrets.cache_clear()
    try:
        assert "qk-0000" not in scrub("retrying with qk-0000-1111-2222-3333 in the header")
        assert settings.SECRET_KEY not in scrub(f"key={settings.SECRET_KEY}")
    finally:
        configured_secrets.cache_clear()


def test_a_log_line_and_its_traceback_never_show_the_api_key() -> None:
    """The real logging configuration, in a fresh process configured like production."""
    script = (
        "import django, logging; django.setup()\n"
        "log = logging.getLogger('assistant.test')\n"
        f"log.warning('calling the model with %s', '{API_KEY}')\n"
        "try:\n"
        f"    raise RuntimeError('401 for key {API_KEY} at redis://:pw-0123456789@host')\n"
        "except RuntimeError:\n"
        "    log.exception('model call failed')\n"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "assistant.settings",
        "DASHSCOPE_API_KEY": API_KEY,
    }
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    output = completed.stdout + completed.stderr
    assert "calling the model with" in output and "model call failed" in output
    assert "RuntimeError" in output  # the traceback is still there, only masked
    assert API_KEY not in output and "pw-0123456789" not in output


def test_an_error_report_hides_the_key_in_settings_locals_and_the_message(settings: Any) -> None:
    settings.LLM = build_llm_config(dashscope_api_key=API_KEY)
    configured_secrets.cache_clear()
    request = RequestFactory().get("/desk/")
    try:
        api_key = API_KEY  # a local variable a traceback would show  # noqa: F841
        raise ConnectionError(f"could not reach the model with {API_KEY}")
    except ConnectionError:
        reporter = get_exception_reporter_class(request)(request, *sys.exc_info())
        report = reporter.get_traceback_text() + reporter.get_traceback_html()
    finally:
        configured_secrets.cache_clear()
    assert "could not reach the model" in report
    assert API_KEY not in report
