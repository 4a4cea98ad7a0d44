"""Fixtures for the model-client tests: a real simulator server on a free loopback port.

These tests need neither Django nor a database; the simulator runs in a background thread under
uvicorn, and the real `openai` client talks to it over HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from assistant.llm.config import LLMConfig, ProviderConfig, RouteStep, offline_provider
from assistant.llm.openai_compatible import ClientPool, OpenAICompatibleModel
from assistant.llm.registry import Registry
from assistant.llm.simulator import Rule, RunningSimulator, run_in_thread

LONG_ANSWER = " ".join(f"word{i}" for i in range(40))

RULES = [
    Rule.from_dict(
        {
            "pattern": r"\bhuman\b",
            "tool_calls": [
                {"name": "handoff", "arguments": {"reason": "customer asked", "priority": 2}}
            ],
        }
    ),
    Rule.from_dict(
        {
            "pattern": "order status",
            "reply": "Let me look that up.",
            "interleave": True,
            "tool_calls": [
                {
                    "name": "lookup_order",
                    "arguments": {"order_id": "A-1001", "include": ["items", "shipping"]},
                },
                {"name": "lookup_customer", "arguments": {"note": '客户 "VIP" {braces}'}},
            ],
        }
    ),
    Rule.from_dict({"pattern": "long answer", "reply": LONG_ANSWER}),
]


@pytest.fixture(scope="session")
def simulator_server() -> Iterator[RunningSimulator]:
    # Unpaced by default so most tests are fast; tests about pacing ask for it per request.
    with run_in_thread(ttft=0.0, tokens_per_second=0, rules=RULES, embedding_dimensions=64) as sim:
        yield sim


@pytest.fixture
def simulator(simulator_server: RunningSimulator) -> Iterator[RunningSimulator]:
    simulator_server.app.reset()
    yield simulator_server
    simulator_server.app.reset()


@pytest.fixture
async def make_model(
    simulator: RunningSimulator,
) -> AsyncIterator[Callable[..., OpenAICompatibleModel]]:
    """Build a model on the simulator; its HTTP client is closed when the test ends."""
    pools: list[ClientPool] = []

    def make(**overrides: Any) -> OpenAICompatibleModel:
        provider = sim_provider(simulator, **overrides)
        pools.append(ClientPool(provider))
        return OpenAICompatibleModel(provider, clients=pools[-1])

    yield make
    for pool in pools:
        await pool.aclose()


@pytest.fixture
async def make_registry() -> AsyncIterator[Callable[..., Registry]]:
    registries: list[Registry] = []

    def make(config: LLMConfig, clock: Callable[[], float] | None = None) -> Registry:
        registry = Registry(config, offline_chunk_delay=0, **({"clock": clock} if clock else {}))
        registries.append(registry)
        return registry

    yield make
    for registry in registries:
        await registry.aclose()


def sim_provider(sim: RunningSimulator, name: str = "sim", **overrides: Any) -> ProviderConfig:
    """A provider pointing at the simulator, with short timeouts and no retries by default."""
    provider = ProviderConfig(
        name=name,
        kind="openai_compatible",
        model="qwen-plus",
        base_url=sim.base_url,
        api_key="test-key-0123456789",
        embedding_model="text-embedding-v4",
        embedding_dimensions=64,
        hosting="external",
        jurisdiction="Singapore",
        region="intl",
        connect_timeout=1.0,
        first_token_timeout=2.0,
        total_timeout=5.0,
        max_retries=0,
    )
    return replace(provider, **overrides)


def fault_headers(fault: str) -> dict[str, str]:
    return {"X-Simulator-Fault": fault}


def config_with(
    providers: list[ProviderConfig],
    reply: list[str],
    *,
    embeddings: list[str] | None = None,
    breaker_failures: int = 3,
    breaker_cooldown: float = 30.0,
) -> LLMConfig:
    by_name = {p.name: p for p in providers}
    by_name.setdefault("offline", offline_provider())
    return LLMConfig(
        providers=by_name,
        routes={
            "reply": tuple(RouteStep.parse(s) for s in reply),
            "embeddings": tuple(RouteStep.parse(s) for s in embeddings or []),
        },
        breaker_failures=breaker_failures,
        breaker_cooldown=breaker_cooldown,
    )
