"""Builds model clients from an LLMConfig and routes each purpose through its fallback chain.

registry = Registry(config)
call = registry.route("reply").stream(messages, passages=passages)
async for event in call:            # TextDelta / ToolCallEvent / Finished
    ...
call.result                         # CallResult: what the ModelCall row stores
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field

from .base import ChatModel, Embedder, ModelError
from .breaker import CircuitBreaker
from .config import OFFLINE, LLMConfig, ProviderConfig, RouteStep
from .local_embeddings import LocalEmbedder
from .offline import DEFAULT_TEXTS, OfflineResponder
from .openai_compatible import ClientPool, OpenAICompatibleEmbedder, OpenAICompatibleModel
from .pricing import PriceTable
from .types import (
    CHAT_PURPOSES,
    Attempt,
    CallResult,
    ChatOptions,
    Embeddings,
    Finished,
    Message,
    Passage,
    ProviderInfo,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallEvent,
    ToolSpec,
    Usage,
)

logger = logging.getLogger("assistant.llm")


@dataclass(frozen=True, slots=True)
class ChainStep:
    """One link of a fallback chain: a model and the breaker of its provider."""

    model: ChatModel
    breaker: CircuitBreaker


@dataclass
class _Progress:
    """What the current attempt has produced so far."""

    text: list[str] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    first_token_at: float | None = None
    finished: Finished | None = None


class CallStream:
    """The events of one routed call. Iterate it; afterwards (also after an error or when the
    caller stops early) `result` holds the CallResult for the ModelCall row."""

    def __init__(self, route: RoutedModel, run: Callable[[CallStream], AsyncIterator[StreamEvent]]):
        self.route = route
        self.result: CallResult | None = None
        self._events = run(self)

    def __aiter__(self) -> CallStream:
        return self

    async def __anext__(self) -> StreamEvent:
        return await self._events.__anext__()

    async def aclose(self) -> None:
        await self._events.aclose()

    async def __aenter__(self) -> CallStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class RoutedModel:
    """A ChatModel for one purpose that walks its fallback chain.

    A provider is skipped while its breaker is open. A failure before anything was forwarded
    moves on to the next provider; the offline responder, usually last, cannot fail.
    """

    def __init__(self, purpose: str, steps: Sequence[ChainStep], prices: PriceTable) -> None:
        if not steps:
            raise ValueError(f"route {purpose!r} has no providers")
        self.purpose = purpose
        self._steps = tuple(steps)
        self._prices = prices

    @property
    def info(self) -> ProviderInfo:
        """The preferred provider (the first in the chain)."""
        return self._steps[0].model.info

    @property
    def chain(self) -> tuple[ProviderInfo, ...]:
        return tuple(step.model.info for step in self._steps)

    def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        options: ChatOptions | None = None,
        passages: Sequence[Passage] | None = None,
    ) -> CallStream:
        def run(call: CallStream) -> AsyncIterator[StreamEvent]:
            return self._run(call, messages, tools, options, passages)

        return CallStream(self, run)

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        options: ChatOptions | None = None,
        passages: Sequence[Passage] | None = None,
    ) -> CallResult:
        """Non-streaming convenience for workers. Raises ModelError (with `.result` set) when
        every provider failed."""
        async with self.stream(messages, tools=tools, options=options, passages=passages) as call:
            async for _ in call:
                pass
        assert call.result is not None
        return call.result

    async def _run(
        self,
        call: CallStream,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] | None,
        options: ChatOptions | None,
        passages: Sequence[Passage] | None,
    ) -> AsyncIterator[StreamEvent]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        attempts: list[Attempt] = []
        errors: list[ModelError] = []
        last_tried = self._steps[0].model.info

        for position, step in enumerate(self._steps):
            info = step.model.info
            if not step.breaker.allow():
                attempts.append(
                    Attempt(info.name, info.model, "skipped", "unavailable", "circuit open")
                )
                continue
            attempt_started = loop.time()
            last_tried = info
            progress = _Progress()
            try:
                async with aclosing(
                    step.model.stream(messages, tools=tools, options=options, passages=passages)
                ) as events:
                    async for event in events:
                        if isinstance(event, Finished):
                            progress.finished = event
                        else:
                            if progress.first_token_at is None:
                                progress.first_token_at = loop.time()
                            if isinstance(event, TextDelta):
                                progress.text.append(event.text)
                            elif isinstance(event, ToolCallEvent):
                                progress.tool_calls.append(event.call)
                        yield event
                if progress.finished is None:
                    raise ModelError(
                        "the stream ended without a final event", kind="malformed",
                        provider=info.name,
                    )  # fmt: skip
            except (GeneratorExit, asyncio.CancelledError):
                # The caller stopped reading (customer left) or was cancelled: no verdict on the
                # provider, but the call is still recorded.
                step.breaker.release()
                attempts.append(
                    Attempt(
                        info.name, info.model, "cancelled", duration=loop.time() - attempt_started
                    )
                )
                call.result = self._result(
                    info, progress, attempts, position, started, loop.time(), None, "cancelled"
                )
                raise
            except Exception as exc:
                # Anything else a provider raises (a parsing bug, an SDK surprise) is treated as
                # that provider failing, so the chain still reaches a provider that can answer.
                error = exc if isinstance(exc, ModelError) else _unexpected(exc, info.name)
                step.breaker.record(error)
                errors.append(error)
                attempts.append(
                    Attempt(info.name, info.model, "error", error.kind, error.message,
                            loop.time() - attempt_started)
                )  # fmt: skip
                if progress.first_token_at is not None:
                    # Text already reached the customer: switching providers now would splice
                    # two different answers together, so the failure surfaces to the caller,
                    # who apologises or hands off.
                    error.result = call.result = self._result(
                        info, progress, attempts, position, started, loop.time(), error
                    )
                    if error is exc:
                        raise
                    raise error from exc
                continue
            step.breaker.record_success()
            attempts.append(
                Attempt(info.name, info.model, "ok", duration=loop.time() - attempt_started)
            )
            call.result = self._result(info, progress, attempts, position, started, loop.time())
            return

        summary = "; ".join(
            f"{a.provider}: {a.error_kind} {a.error_message}".strip() for a in attempts
        )
        error = ModelError(
            f"every provider for {self.purpose} failed ({summary})",
            kind="unavailable",
            retryable=any(e.retryable for e in errors)
            or any(a.outcome == "skipped" for a in attempts),
        )
        error.result = call.result = self._result(
            last_tried, _Progress(), attempts, len(self._steps) - 1, started, loop.time(), error
        )
        raise error

    def _result(
        self,
        info: ProviderInfo,
        progress: _Progress,
        attempts: list[Attempt],
        position: int,
        started: float,
        ended: float,
        error: ModelError | None = None,
        outcome: str | None = None,
    ) -> CallResult:
        finished = progress.finished
        usage = finished.usage if finished else None
        cost = (
            self._prices.cost(info.model, usage, region=info.region or None)
            if usage is not None
            else None
        )
        return CallResult(
            purpose=self.purpose,
            provider=info.name,
            model=finished.model if finished else info.model,
            hosting=info.hosting,
            jurisdiction=info.jurisdiction,
            region=info.region,
            outcome=outcome or ("error" if error else "ok"),  # type: ignore[arg-type]
            fallback_used=position > 0,
            input_tokens=usage.input_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            cached_input_tokens=usage.cached_input_tokens if usage else 0,
            cost=cost.amount if cost else None,
            currency=cost.currency if cost else None,
            time_to_first_token=(
                progress.first_token_at - started if progress.first_token_at is not None else None
            ),
            duration=ended - started,
            finish_reason=finished.finish_reason if finished else None,
            text="".join(progress.text),
            tool_calls=tuple(progress.tool_calls),
            attempts=tuple(attempts),
            error_kind=error.kind if error else "",
            error_message=error.message if error else "",
        )


def _unexpected(exc: Exception, provider: str) -> ModelError:
    logger.exception("unexpected error from model provider %s", provider)
    return ModelError(
        f"unexpected {type(exc).__name__}: {exc}", kind="server_error", provider=provider
    )


class RoutedEmbedder:
    """The embeddings provider behind its breaker, with the cost of each call filled in.

    There is deliberately no fallback: vectors from another model are not comparable with the
    ones already stored.
    """

    def __init__(self, embedder: Embedder, breaker: CircuitBreaker, prices: PriceTable) -> None:
        self._embedder = embedder
        self._breaker = breaker
        self._prices = prices

    @property
    def info(self) -> ProviderInfo:
        return self._embedder.info

    @property
    def dimensions(self) -> int:
        return self._embedder.dimensions

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        if not texts:
            return Embeddings((), Usage(), self.info.name, self.info.model, self.dimensions)
        if not self._breaker.allow():
            raise ModelError(
                "embeddings provider is cooling down after repeated failures",
                kind="unavailable",
                retryable=True,
                provider=self.info.name,
            )
        try:
            result = await self._embedder.embed(texts)
        except ModelError as error:
            self._breaker.record(error)
            raise
        except (GeneratorExit, asyncio.CancelledError):
            self._breaker.release()
            raise
        self._breaker.record_success()
        cost = self._prices.cost(result.model, result.usage, region=self.info.region or None)
        return Embeddings(
            vectors=result.vectors,
            usage=result.usage,
            provider=result.provider,
            model=result.model,
            dimensions=result.dimensions,
            cost=cost.amount if cost else None,
            currency=cost.currency if cost else None,
        )


class Registry:
    """Owns the clients, breakers and price table built from one LLMConfig.

    Create one per process (the breakers are in-memory, per process) and share it.
    """

    def __init__(
        self,
        config: LLMConfig,
        *,
        prices: PriceTable | None = None,
        clock: Callable[[], float] = time.monotonic,
        offline_chunk_delay: float = 0.02,
        offline_cite_inline: bool = True,
        offline_texts: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.config = config
        self.prices = prices or PriceTable.load(*config.price_files)
        self._offline_chunk_delay = offline_chunk_delay
        self._offline_cite_inline = offline_cite_inline
        self._offline_texts = offline_texts or DEFAULT_TEXTS
        self._pools = {
            name: ClientPool(provider)
            for name, provider in config.providers.items()
            if provider.kind == "openai_compatible"
        }
        self.breakers = {
            name: CircuitBreaker(
                name, failures=config.breaker_failures, cooldown=config.breaker_cooldown,
                clock=clock,
            )
            for name in config.providers
        }  # fmt: skip
        self._routes: dict[str, RoutedModel] = {}
        self._embedder: RoutedEmbedder | None = None

    def route(self, purpose: str) -> RoutedModel:
        """The model for "reply", "summary" or "classification"."""
        if purpose not in CHAT_PURPOSES:
            raise ValueError(f"unknown purpose {purpose!r}; expected one of {CHAT_PURPOSES}")
        if purpose not in self._routes:
            steps = self.config.routes.get(purpose, (RouteStep(OFFLINE),))
            self._routes[purpose] = RoutedModel(
                purpose,
                [
                    ChainStep(self._chat_model(step, purpose), self.breakers[step.provider])
                    for step in steps
                ],
                self.prices,
            )
        return self._routes[purpose]

    def embedder(self) -> RoutedEmbedder | None:
        """The embeddings provider, or None when none is configured (search is then lexical)."""
        steps = self.config.routes.get("embeddings", ())
        if not steps:
            return None
        if self._embedder is None:
            step = steps[0]
            provider = self.config.providers[step.provider]
            embedder: Embedder = (
                LocalEmbedder()
                if provider.kind == "local"
                else OpenAICompatibleEmbedder(
                    provider, model=step.model, clients=self._pools[step.provider]
                )
            )
            self._embedder = RoutedEmbedder(embedder, self.breakers[step.provider], self.prices)
        return self._embedder

    @property
    def offline_only(self) -> bool:
        return all(
            step.provider == OFFLINE
            for purpose in CHAT_PURPOSES
            for step in self.config.routes.get(purpose, ())
        )

    def describe(self) -> str:
        """One line for the start-up log saying which providers are active."""
        if self.offline_only:
            return (
                "LLM: offline responder only (no DASHSCOPE_API_KEY or OPENAI_BASE_URL set) - "
                "replies quote the knowledge base or offer a human; " + self._embeddings_label()
            )
        parts = []
        for purpose in CHAT_PURPOSES:
            steps = self.config.routes.get(purpose, (RouteStep(OFFLINE),))
            chain = " -> ".join(self._label(step) for step in steps)
            parts.append(f"{purpose}={chain}")
        parts.append(self._embeddings_label())
        return "LLM: " + "; ".join(parts)

    def _embeddings_label(self) -> str:
        embed_steps = self.config.routes.get("embeddings", ())
        if not embed_steps:
            return "embeddings=none (search is full text only)"
        step = embed_steps[0]
        provider = self.config.providers[step.provider]
        model = step.model or provider.embedding_model
        if provider.kind == "local":
            return f"embeddings={step.provider}/{model} (in this process, nothing sent)"
        return f"embeddings={step.provider}/{model} ({provider.embedding_dimensions or '?'} dims)"

    async def aclose(self) -> None:
        """Close the HTTP clients opened on the running event loop."""
        for pool in self._pools.values():
            await pool.aclose()

    def _label(self, step: RouteStep) -> str:
        provider = self.config.providers[step.provider]
        if provider.kind == "offline":
            return "offline"
        where = provider.jurisdiction or "jurisdiction not set"
        return f"{step.provider}/{step.model or provider.model} [{provider.hosting}, {where}]"

    def _chat_model(self, step: RouteStep, purpose: str) -> ChatModel:
        provider: ProviderConfig = self.config.providers[step.provider]
        if provider.kind == "offline":
            return OfflineResponder(
                purpose=purpose,
                chunk_delay=self._offline_chunk_delay,
                cite_inline=self._offline_cite_inline,
                texts=self._offline_texts,
            )
        return OpenAICompatibleModel(provider, model=step.model, clients=self._pools[step.provider])
