"""Secrets never reach a log line or an error report.

Two places can leak them: a log message that includes a URL, a header or an exception text
(httpx errors quote the request; a connection error quotes the DSN), and Django's error reports
(the 500 e-mail and the debug page list settings). Both go through `scrub`:

- the values of the configured secrets themselves (Django's SECRET_KEY, model API keys, database
  and Redis passwords), wherever they appear;
- credentials in URLs (`redis://:password@host`, `postgres://user:password@host`);
- `Authorization:` / `Bearer` / `Token` values and `api_key=`-style pairs;
- strings shaped like provider keys (`sk-...`).

`SecretsLogFilter` is attached to every handler in settings.LOGGING (Celery workers use the same
configuration, see assistant/celery.py); `SafeReporterFilter` is Django's
DEFAULT_EXCEPTION_REPORTER_FILTER.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

MASK = "********"
# Shorter values would mask ordinary words; no real secret is this short.
_MIN_SECRET_LENGTH = 8

_PATTERNS = (
    # scheme://user:password@host -> scheme://user:********@host
    (re.compile(r"(?P<keep>\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+(?=@)", re.I), r"\g<keep>"),
    (re.compile(r"(?P<keep>\b(?:authorization|proxy-authorization)\s*[:=]\s*)[^\r\n,;]+", re.I),
     r"\g<keep>"),
    (re.compile(r"(?P<keep>\b(?:bearer|token)\s+)[A-Za-z0-9._~+/=-]{8,}", re.I), r"\g<keep>"),
    (re.compile(
        r"(?P<keep>\b(?:api[_-]?key|apikey|secret|password|passwd|access[_-]?token)"
        r"[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&}]+",
        re.I,
    ), r"\g<keep>"),
    (re.compile(r"(?P<keep>)\bsk-[A-Za-z0-9_-]{12,}"), r"\g<keep>"),
)  # fmt: skip


@cache
def configured_secrets() -> tuple[str, ...]:
    """The secret values in the settings, longest first (so a longer one masks whole)."""
    from django.conf import settings

    values: list[str] = [str(getattr(settings, "SECRET_KEY", "") or "")]
    for database in getattr(settings, "DATABASES", {}).values():
        values.append(str(database.get("PASSWORD") or ""))
    llm = getattr(settings, "LLM", None)
    for provider in getattr(llm, "providers", {}).values():
        values.append(str(getattr(provider, "api_key", "") or ""))
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        password = _url_password(str(getattr(settings, name, "") or ""))
        values.append(password)
    unique = {v for v in values if len(v) >= _MIN_SECRET_LENGTH}
    return tuple(sorted(unique, key=len, reverse=True))


def _url_password(url: str) -> str:
    match = re.match(r"[a-z][a-z0-9+.-]*://[^\s:/@]*:([^\s@/]+)@", url, re.I)
    return match.group(1) if match else ""


def scrub(text: str, secrets: Iterable[str] | None = None) -> str:
    """The text with every secret value and credential-shaped string masked."""
    for secret in configured_secrets() if secrets is None else secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, keep in _PATTERNS:
        text = pattern.sub(keep + MASK, text)
    return text


class SecretsLogFilter(logging.Filter):
    """Masks secrets in a record's message and traceback before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the handler's problem to report
            return True
        scrubbed = scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


class SafeReporterFilter(SafeExceptionReporterFilter):
    """Django's filter (settings named like KEY, TOKEN, PASS, SECRET are hidden), plus secret
    values and URL credentials inside any other setting or local variable."""

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str):
            return scrub(cleansed)
        return cleansed

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        return [
            (name, scrub(value) if isinstance(value, str) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]


class SafeExceptionReporter(ExceptionReporter):
    """Django's error report (500 e-mail, debug page) with secrets masked in the exception's
    own text too: a connection error quotes the URL it failed to reach."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if isinstance(data.get("exception_value"), str):
            data["exception_value"] = scrub(data["exception_value"])
        return data

    # The report quotes the request, which may hold lone surrogates (from a JSON "\ud800"
    # escape), and a response must be encodable: such characters are shown as escapes instead
    # of failing the page (which, before assistant/http_handler.py, also kept the request's
    # database connection out of the pool).
    def get_traceback_html(self) -> str:
        return _encodable(super().get_traceback_html())

    def get_traceback_text(self) -> str:
        return _encodable(super().get_traceback_text())


def _encodable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
