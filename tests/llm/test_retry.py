"""Retries of model calls (tenacity) and the Retry-After parser that the webhooks share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from assistant.llm import ModelError
from assistant.llm.retry import (
    MAX_RETRY_WAIT,
    parse_retry_after,
    provider_retrying,
    retry_after_from_headers,
)

NOW = datetime(2026, 10, 21, 7, 28, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("1.5", 1.5),
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        ("Wed, 21 Oct 2026 07:29:00 GMT", 60.0),
        # A date already past means "now"; the obsolete RFC 850 and asctime forms are read too.
        ("Wed, 21 Oct 2026 07:00:00 GMT", 0.0),
        ("Wednesday, 21-Oct-26 07:28:10 GMT", 10.0),
        ("Wed Oct 21 07:28:20 2026", 20.0),
    ],
)
def test_retry_after_is_read_as_seconds_or_as_an_http_date(value: str, seconds: float) -> None:
    assert parse_retry_after(value, now=NOW) == pytest.approx(seconds)


@pytest.mark.parametrize("value", [None, "", "soon", "-3", "nan", "inf", "12 seconds", "32 Oct"])
def test_a_missing_or_malformed_retry_after_is_none(value: str | None) -> None:
    assert parse_retry_after(value, now=NOW) is None


def test_the_providers_millisecond_header_wins_over_the_standard_one() -> None:
    assert retry_after_from_headers({"retry-after-ms": "50", "retry-after": "1"}) == 0.05
    assert retry_after_from_headers({"retry-after": "2"}) == 2.0
    assert retry_after_from_headers({"retry-after-ms": "soon", "retry-after": "2"}) == 2.0
    assert retry_after_from_headers({}) is None


class Failing:
    """A call that fails with `errors` in turn, then succeeds."""

    def __init__(self, *errors: ModelError) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "answer"


def busy(retry_after: float | None = None) -> ModelError:
    return ModelError("busy", kind="rate_limited", retry_after=retry_after)


async def run(
    call: Callable[[], object], *, max_retries: int, budget: float = 60.0
) -> tuple[object, list[float]]:
    """The call's result under the policy, and the waits it asked for (none is slept)."""
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    deadline = asyncio.get_running_loop().time() + budget
    async for attempt in provider_retrying(
        provider="sim", max_retries=max_retries, deadline=deadline, sleep=record
    ):
        with attempt:
            return await call(), waits  # type: ignore[misc]
    raise AssertionError("unreachable")


async def test_retries_are_bounded_and_the_last_error_is_raised_as_it_is() -> None:
    call = Failing(*(busy() for _ in range(5)))
    with pytest.raises(ModelError, match="busy"):
        await run(call, max_retries=2)
    assert call.calls == 3


async def test_a_retry_after_within_the_cap_is_waited_for() -> None:
    result, waits = await run(Failing(busy(retry_after=1.25)), max_retries=1)
    assert (result, waits) == ("answer", [1.25])


async def test_a_longer_retry_after_goes_to_the_next_provider_instead_of_waiting() -> None:
    call = Failing(busy(retry_after=MAX_RETRY_WAIT + 1))
    with pytest.raises(ModelError):
        await run(call, max_retries=3)
    assert call.calls == 1


async def test_no_wait_is_started_that_would_outlast_the_calls_budget() -> None:
    call = Failing(busy(retry_after=1.0))
    with pytest.raises(ModelError):
        await run(call, max_retries=3, budget=0.5)
    assert call.calls == 1


async def test_errors_that_cannot_improve_are_not_retried() -> None:
    call = Failing(ModelError("no", kind="bad_request"), ModelError("no", kind="refused"))
    with pytest.raises(ModelError, match="no"):
        await run(call, max_retries=3)
    assert call.calls == 1


async def test_the_backoff_grows_with_full_jitter_under_the_cap() -> None:
    rounds = [(await run(Failing(busy(), busy(), busy()), max_retries=3))[1] for _ in range(30)]
    for waits in rounds:
        assert len(waits) == 3
        for number, wait in enumerate(waits):
            assert 0 <= wait <= min(0.4 * 2**number, MAX_RETRY_WAIT)
    # Jitter: many conversations hitting the same limit do not retry in lockstep.
    assert len({waits[0] for waits in rounds}) > 20
