"""Bounded retries for calls to a model provider, and the one Retry-After parser of the project.

The retry loop itself is tenacity's: which errors are worth another try, how long to wait, and
when to give up are the three policies below, each a plain function of tenacity's retry state.

- worth another try: a ModelError that says so (rate limits, 5xx, timeouts, dropped
  connections, malformed streams; never a refusal, a bad request or a spent quota);
- how long to wait: what the provider asked for in Retry-After, else exponential backoff with
  full jitter, so many conversations hitting the same limit do not retry in lockstep;
- when to give up: after `max_retries` retries, when the provider asks for a longer pause than
  MAX_RETRY_WAIT (the next provider of the fallback chain serves the customer sooner), or when
  the wait would not leave time for another attempt within the call's total budget.

The Retry-After parser is plain Python too, so that the webhooks (tickets) read the header
exactly as the model client does; this package is the lowest layer, which every other may use.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
    wait_random_exponential,
)

from .base import ModelError

logger = logging.getLogger("assistant.llm")

# Retrying is only worth it when the wait is short; a provider asking for a longer pause is
# better served by the next provider in the fallback chain.
MAX_RETRY_WAIT = 5.0
# Full jitter: the n-th retry waits a uniform random time up to 0.4 * 2^(n-1) seconds (0.4,
# 0.8, 1.6 ...), on average what the hand-written backoff waited (0.2 * 2^(n-1) * 0.5..1.5),
# and never more than the cap.
_BACKOFF = wait_random_exponential(multiplier=0.4, max=MAX_RETRY_WAIT)


# --- Retry-After ----------------------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header value (RFC 9110, section 10.2.3): either
    delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT"), which is read
    against `now` (this machine's clock) and is 0 once past. None when the header is absent or
    malformed (a negative, infinite or unparsable value): the caller then uses its own backoff.

    Fractional seconds ("1.5") are accepted although the RFC has only integers: some APIs send
    them, and honouring them is closer to what was asked than ignoring them."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until(text, now)
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def _seconds_until(http_date: str, now: datetime | None) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are always in GMT; "-0000" parses as naive
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def retry_after_from_headers(headers: Mapping[str, str]) -> float | None:
    """What a model provider asked for: OpenAI-style `retry-after-ms` (milliseconds, more
    precise, so it wins) or the standard `retry-after`. `headers` must match names without
    regard to case, as httpx's do."""
    milliseconds = parse_retry_after(headers.get("retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000
    return parse_retry_after(headers.get("retry-after"))


# --- the retry policy -------------------------------------------------------------------------


def _worth_retrying(error: BaseException) -> bool:
    return isinstance(error, ModelError) and error.retryable


def _wait(state: RetryCallState) -> float:
    """What the provider asked for, else exponential backoff with full jitter."""
    error = state.outcome.exception() if state.outcome is not None else None
    if isinstance(error, ModelError) and error.retry_after is not None:
        return error.retry_after
    return float(_BACKOFF(state))


def _past_budget(deadline: float) -> Callable[[RetryCallState], bool]:
    """A stop condition: the planned wait (tenacity computes it before asking whether to stop)
    is longer than we would ever wait, or would use up what is left of the call's budget."""

    def stop(state: RetryCallState) -> bool:
        wait = state.upcoming_sleep
        remaining = deadline - asyncio.get_running_loop().time()
        return wait > MAX_RETRY_WAIT or wait >= remaining

    return stop


def provider_retrying(
    *,
    provider: str,
    max_retries: int,
    deadline: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AsyncRetrying:
    """The retry loop for one call to `provider`, whose total budget ends at `deadline` (on the
    running loop's clock). The last error is raised as it is when the loop gives up. `sleep`
    is for tests, which record the waits instead of sleeping them.

        async for attempt in provider_retrying(provider=..., max_retries=..., deadline=...):
            with attempt:
                ...  # one try; raise ModelError to have it judged
    """

    def log(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        logger.warning(
            "model call to %s failed (%s); retry %d/%d in %.2fs",
            provider,
            error,
            state.attempt_number,
            max_retries,
            state.upcoming_sleep,
        )

    return AsyncRetrying(
        retry=retry_if_exception(_worth_retrying),
        wait=_wait,
        stop=stop_any(stop_after_attempt(max_retries + 1), _past_budget(deadline)),
        before_sleep=log,
        reraise=True,
        sleep=sleep,
    )
