"""The process-wide model registry, built from settings.

One registry per process, because each provider's circuit breaker lives in it: a provider that
timed out must be skipped by every conversation in this process (replies, summaries, knowledge
embeddings alike), not only by the one that saw it. It is keyed on the settings object itself,
so a test that swaps ``settings.LLM`` gets a registry for the new configuration.
"""

from __future__ import annotations

from django.conf import settings

from assistant.llm.config import LLMConfig
from assistant.llm.registry import Registry

_current: tuple[LLMConfig, Registry] | None = None


def registry() -> Registry:
    global _current
    config = settings.LLM
    if _current is None or _current[0] is not config:
        # The widget and desk show each answer's sources as links, so the offline responder
        # does not repeat them in its text.
        _current = (config, Registry(config, offline_cite_inline=False))
    return _current[1]


def reset_registry() -> None:
    """Forget the registry (and its breakers); the next call builds a fresh one."""
    global _current
    _current = None
