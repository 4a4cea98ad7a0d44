"""A circuit breaker per provider, so a dead provider costs one timeout, not one per message."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Literal

from .base import ModelError

logger = logging.getLogger("assistant.llm")

State = Literal["closed", "open", "half_open"]


def counts_against_provider(error: ModelError) -> bool:
    """Only failures that say something about the provider's health open the breaker. A bad
    request or a refused prompt means the provider is up and answering."""
    return error.retryable or error.kind == "authentication"


class CircuitBreaker:
    """Closed: calls pass. After `failures` consecutive failures it opens and calls are skipped
    for `cooldown` seconds. Then one trial call is let through (half-open): its success closes
    the breaker, its failure opens it for another cool-down."""

    def __init__(
        self,
        name: str,
        *,
        failures: int = 3,
        cooldown: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._threshold = failures
        self._cooldown = cooldown
        self._clock = clock
        # Celery may run tasks in threads; the ASGI server does not need this but it is cheap.
        self._lock = threading.Lock()
        self._state: State = "closed"
        self._consecutive = 0
        self._opened_at = 0.0
        self._trial_started: float | None = None

    @property
    def state(self) -> State:
        return self._state

    def allow(self) -> bool:
        with self._lock:
            if self._state == "closed":
                return True
            now = self._clock()
            if self._state == "open":
                if now - self._opened_at < self._cooldown:
                    return False
                self._state = "half_open"
                self._trial_started = now
                logger.info("provider %s: cool-down over, sending a trial call", self.name)
                return True
            # Half-open: one trial at a time. A trial that never reported back (its caller was
            # cancelled) is given up after one cool-down so the breaker cannot stick.
            if self._trial_started is not None and now - self._trial_started < self._cooldown:
                return False
            self._trial_started = now
            return True

    def record_success(self) -> None:
        with self._lock:
            if self._state != "closed":
                logger.warning("provider %s: recovered, circuit closed", self.name)
            self._state = "closed"
            self._consecutive = 0
            self._trial_started = None

    def record_failure(self) -> None:
        with self._lock:
            self._consecutive += 1
            if self._state == "half_open" or self._consecutive >= self._threshold:
                if self._state != "open":
                    logger.warning(
                        "provider %s: %d consecutive failures, circuit open for %gs",
                        self.name,
                        self._consecutive,
                        self._cooldown,
                    )
                self._state = "open"
                self._opened_at = self._clock()
                self._trial_started = None

    def record(self, error: ModelError | None) -> None:
        if error is None or not counts_against_provider(error):
            self.record_success()
        else:
            self.record_failure()

    def release(self) -> None:
        """A call ended without a verdict (the caller went away): let the next one be the trial."""
        with self._lock:
            if self._state == "half_open":
                self._trial_started = None
