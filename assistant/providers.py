"""The process-wide model registry, built once from settings.

One registry per process, because each provider's circuit breaker lives in it: a provider that
timed out must be skipped by every conversation in this process, not only the one that saw it.
"""

from __future__ import annotations

import functools

from django.conf import settings

from assistant.llm.registry import Registry


@functools.cache
def registry() -> Registry:
    return Registry(settings.LLM)


def reset_registry() -> None:
    """Forget the registry (tests that change settings.LLM call this)."""
    registry.cache_clear()
