"""Routes, fallback chains and circuit breakers, over the simulator."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.llm.base import ModelError
from assistant.llm.breaker import CircuitBreaker
from assistant.llm.offline import OfflineResponder
from assistant.llm.pricing import PriceTable
from assistant.llm.registry import ChainStep, RoutedModel
from assistant.llm.simulator import RunningSimulator
from assistant.llm.types import Finished, Message, Passage, ProviderInfo, TextDelta

from .conftest import config_with, fault_headers, sim_provider

REFUNDS = Passage("kb-1", "Refund policy", "Refunds are issued within 14 days of purchase.", "")
QUESTION = [Message.user("How long do refunds take?")]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_successful_call_yields_everything_a_model_call_row_needs(
    simulator: RunningSimulator, make_registry
):
    registry = make_registry(config_with([sim_provider(simulator)], ["sim", "offline"]))

    call = registry.route("reply").stream([Message.user("Give me a long answer")])
    events = [event async for event in call]

    result = call.result
    assert result is not None
    assert isinstance(events[-1], Finished)
    assert (result.provider, result.model, result.outcome) == ("sim", "qwen-plus", "ok")
    assert (result.hosting, result.jurisdiction, result.region) == (
        "external",
        "Singapore",
        "intl",
    )
    assert result.fallback_used is False
    assert result.input_tokens > 0 and result.output_tokens > 0
    expected = (result.input_tokens * Decimal("0.40") + result.output_tokens * Decimal("1.20")) / (
        10**6
    )
    assert (result.cost, result.currency) == (expected, "USD")
    assert result.time_to_first_token is not None
    assert 0 < result.time_to_first_token <= result.duration
    assert result.text.startswith("word0 word1")
    assert [a.outcome for a in result.attempts] == ["ok"]


async def test_the_chain_falls_back_when_the_first_provider_fails_before_any_text(
    simulator: RunningSimulator, make_registry
):
    broken = sim_provider(simulator, name="broken", default_headers=fault_headers("500"))
    registry = make_registry(config_with([broken], ["broken", "offline"]))

    call = registry.route("reply").stream(QUESTION, passages=[REFUNDS])
    text = "".join([e.text async for e in call if isinstance(e, TextDelta)])

    assert "14 days" in text
    result = call.result
    assert result is not None
    assert (result.provider, result.fallback_used, result.outcome) == ("offline", True, "ok")
    assert result.cost == Decimal("0")
    assert [(a.provider, a.outcome, a.error_kind) for a in result.attempts] == [
        ("broken", "error", "server_error"),
        ("offline", "ok", ""),
    ]


async def test_the_chain_can_fall_back_to_another_network_provider(
    simulator: RunningSimulator, make_registry
):
    broken = sim_provider(simulator, name="primary", default_headers=fault_headers("503"))
    spare = sim_provider(simulator, name="spare", model="qwen-flash")
    registry = make_registry(config_with([broken, spare], ["primary", "spare", "offline"]))

    result = await registry.route("reply").complete([Message.user("Give me a long answer")])

    assert (result.provider, result.model, result.fallback_used) == ("spare", "qwen-flash", True)


async def test_a_failure_after_text_was_forwarded_surfaces_instead_of_falling_back(
    simulator: RunningSimulator, make_registry
):
    registry = make_registry(config_with([sim_provider(simulator)], ["sim", "offline"]))
    call = registry.route("reply").stream([Message.user("Give me a long answer [[fault:drop]]")])
    forwarded = []

    with pytest.raises(ModelError) as caught:
        async for event in call:
            forwarded.append(event)

    assert forwarded, "some text reached the caller before the drop"
    result = call.result
    assert result is not None and caught.value.result is result
    assert (result.provider, result.outcome, result.error_kind) == ("sim", "error", "connection")
    assert result.text == "".join(e.text for e in forwarded)
    assert [a.provider for a in result.attempts] == ["sim"]  # the offline responder never ran


async def test_when_every_provider_fails_the_error_carries_the_result(
    simulator: RunningSimulator, make_registry
):
    broken = sim_provider(simulator, default_headers=fault_headers("500"))
    registry = make_registry(config_with([broken], ["sim"]))

    with pytest.raises(ModelError) as caught:
        await registry.route("reply").complete(QUESTION)

    assert (caught.value.kind, caught.value.retryable) == ("unavailable", True)
    result = caught.value.result
    assert result is not None
    assert (result.provider, result.outcome, result.cost) == ("sim", "error", None)


async def test_the_breaker_opens_after_consecutive_failures_and_a_trial_closes_it(
    simulator: RunningSimulator, make_registry
):
    clock = FakeClock()
    config = config_with(
        [sim_provider(simulator)], ["sim", "offline"], breaker_failures=2, breaker_cooldown=30
    )
    registry = make_registry(config, clock)
    route = registry.route("reply")
    simulator.app.queue_fault("500", count=2)

    for _ in range(2):
        assert (await route.complete(QUESTION, passages=[REFUNDS])).provider == "offline"
    assert registry.breakers["sim"].state == "open"

    # While open, the provider is not even asked.
    skipped = await route.complete(QUESTION, passages=[REFUNDS])
    assert simulator.app.stats.chat_requests == 2
    assert (skipped.attempts[0].provider, skipped.attempts[0].outcome) == ("sim", "skipped")
    assert skipped.fallback_used

    clock.now += 31
    recovered = await route.complete(QUESTION, passages=[REFUNDS])
    assert (recovered.provider, recovered.fallback_used) == ("sim", False)
    assert registry.breakers["sim"].state == "closed"


async def test_a_failed_trial_opens_the_breaker_for_another_cool_down(
    simulator: RunningSimulator, make_registry
):
    clock = FakeClock()
    config = config_with(
        [sim_provider(simulator)], ["sim", "offline"], breaker_failures=1, breaker_cooldown=10
    )
    registry = make_registry(config, clock)
    route = registry.route("reply")
    simulator.app.queue_fault("503", count=2)

    await route.complete(QUESTION)
    clock.now += 11
    await route.complete(QUESTION)  # the trial fails
    await route.complete(QUESTION)  # skipped: open again

    assert simulator.app.stats.chat_requests == 2
    assert registry.breakers["sim"].state == "open"


async def test_a_dead_provider_costs_one_timeout_not_one_per_message(
    simulator: RunningSimulator, make_registry
):
    hanging = sim_provider(
        simulator, first_token_timeout=0.3, default_headers=fault_headers("hang")
    )
    registry = make_registry(config_with([hanging], ["sim", "offline"], breaker_failures=1))
    route = registry.route("reply")

    first = await route.complete(QUESTION, passages=[REFUNDS])
    later = [await route.complete(QUESTION, passages=[REFUNDS]) for _ in range(3)]

    assert first.attempts[0].error_kind == "timeout"
    # Skipped means no request was sent (on a loaded machine the first one may even have timed
    # out before the server counted it).
    assert all(r.attempts[0].outcome == "skipped" for r in later)
    assert simulator.app.stats.chat_requests <= 1
    assert all(r.provider == "offline" for r in [first, *later])


async def test_bad_requests_do_not_open_the_breaker(simulator: RunningSimulator, make_registry):
    registry = make_registry(
        config_with([sim_provider(simulator)], ["sim", "offline"], breaker_failures=1)
    )
    simulator.app.queue_fault("400", count=3)

    for _ in range(3):
        await registry.route("reply").complete(QUESTION)

    assert registry.breakers["sim"].state == "closed"
    assert simulator.app.stats.chat_requests == 3


async def test_a_caller_that_stops_reading_gets_a_cancelled_result(
    simulator: RunningSimulator, make_registry
):
    registry = make_registry(config_with([sim_provider(simulator)], ["sim", "offline"]))

    async with registry.route("reply").stream([Message.user("Give me a long answer")]) as call:
        async for _ in call:
            break

    assert call.result is not None
    assert call.result.outcome == "cancelled"
    assert registry.breakers["sim"].state == "closed"


def test_a_half_open_breaker_lets_one_trial_through_at_a_time():
    clock = FakeClock()
    breaker = CircuitBreaker("p", failures=1, cooldown=5, clock=clock)
    breaker.record_failure()
    assert not breaker.allow()

    clock.now += 6
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # everyone else waits for its verdict
    breaker.release()  # the trial's caller went away
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed" and breaker.allow()


async def test_describe_names_the_active_providers(simulator: RunningSimulator, make_registry):
    registry = make_registry(
        config_with([sim_provider(simulator)], ["sim", "offline"], embeddings=["sim"])
    )

    line = registry.describe()

    assert "reply=sim/qwen-plus [external, Singapore] -> offline" in line
    assert "embeddings=sim/text-embedding-v4 (64 dims)" in line
    assert "\n" not in line


async def test_the_embedder_reports_the_cost_of_its_calls(
    simulator: RunningSimulator, make_registry
):
    registry = make_registry(
        config_with([sim_provider(simulator)], ["sim", "offline"], embeddings=["sim"])
    )
    embedder = registry.embedder()
    assert embedder is not None

    result = await embedder.embed(["hello world"])

    assert result.cost == result.usage.input_tokens * Decimal("0.07") / 10**6
    assert result.currency == "USD"


class ExplodingModel:
    """A provider client with a bug: it raises something that is not a ModelError."""

    info = ProviderInfo("buggy", "openai_compatible", "m", "internal", "")

    async def stream(self, messages, *, tools=None, options=None, passages=None):
        raise KeyError("choices")
        yield  # pragma: no cover - makes this an async generator


async def test_an_unexpected_exception_counts_as_a_provider_failure_and_falls_back():
    route = RoutedModel(
        "reply",
        [
            ChainStep(ExplodingModel(), CircuitBreaker("buggy")),
            ChainStep(OfflineResponder(chunk_delay=0), CircuitBreaker("offline")),
        ],
        PriceTable.load(),
    )

    result = await route.complete(QUESTION, passages=[REFUNDS])

    assert (result.provider, result.fallback_used) == ("offline", True)
    assert result.attempts[0].error_kind == "server_error"
    assert "KeyError" in result.attempts[0].error_message
