"""The one audited model call: the only module that reaches a model provider.

Every call that leaves the system (a summary, a classification, a drafted reply, the embedding of
a customer's question or of an article) goes through here, and so through the same steps:

1. route: the purpose's chain of providers (with fallback and circuit breakers), from the
   process-wide registry;
2. residency: a provider outside the inbox's allowed jurisdictions is never called
   (`ResidencyError`, nothing sent);
3. pseudonymisation: personal data is replaced by placeholders when any provider of the chain is
   external (or the inbox redacts everything);
4. the call itself;
5. restoration: the placeholders in the answer get their real values back;
6. the records: the outbound-call audit (one row per provider the call actually reached) and
   the ModelCall row (what it cost, how fast it was, how it ended; its tokens counted against
   the conversation's budget), in one transaction, whatever the outcome.

A caller cannot skip a step, because the provider registry is not importable anywhere else
(an import-linter contract in pyproject.toml). A streaming caller that stores what the call
produced (the reply turn's answer) hands that storing to the call (`AuditedStream.finish_with`),
so the answer and the records of the call that wrote it are one transaction.

The registry is one per process, because each provider's circuit breaker lives in it: a provider
that timed out must be skipped by every conversation in this process, not only by the one that
saw it. It is keyed on the settings object itself, so a test that swaps ``settings.LLM`` gets a
registry for the new configuration.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import transaction
from django.db.models import Model

from assistant.db_async import db_async
from assistant.llm.base import ModelError
from assistant.llm.config import LLMConfig
from assistant.llm.registry import CallStream, Registry, RoutedEmbedder, RoutedModel
from assistant.llm.types import (
    CallResult,
    ChatOptions,
    Message,
    Passage,
    ProviderInfo,
    StreamEvent,
    TextDelta,
    ToolCallEvent,
    ToolSpec,
)
from assistant.offline_texts import offline_texts
from assistant.privacy.outbound import (
    CallScope,
    PreparedCall,
    ProtectedEmbedder,
    prepare_call,
    protect_embedder,
)
from assistant.privacy.pseudonymize import StreamRestorer
from assistant.privacy.services import (
    prepared_call_rows,
    record_embedding_call,
    record_outbound_call,
)
from assistant.sqlcompose import insert_rows
from assistant.usage.services import NOTHING_SETTLED, Settled, count_call_tokens, model_call_row

T = TypeVar("T")

_current: tuple[LLMConfig, Registry] | None = None


def _registry() -> Registry:
    """The process's registry. Private: a caller that reached it would skip the steps above
    (tests stand a fake provider in through it)."""
    global _current
    config = settings.LLM
    if _current is None or _current[0] is not config:
        # The widget and desk show each answer's sources as links, so the offline responder
        # does not repeat them in its text.
        _current = (
            config,
            Registry(config, offline_cite_inline=False, offline_texts=offline_texts()),
        )
    return _current[1]


def reset() -> None:
    """Forget the registry (and its breakers); the next call builds a fresh one."""
    global _current
    _current = None


async def aclose() -> None:
    """Close the providers' HTTP clients: a Celery task that ran its own event loop must, before
    the loop ends (the clients are bound to it)."""
    await _registry().aclose()


def chain(purpose: str) -> tuple[ProviderInfo, ...]:
    """Who would answer a call for this purpose, in order (the offline responder included)."""
    return _registry().route(purpose).chain


def describe() -> str:
    """The configured providers and routes, in a line each, for the start-up banner."""
    return _registry().describe()


def real_model_first(purpose: str) -> bool:
    """Whether a call for this purpose goes to a language model first, not the offline
    responder (which declines classification and summaries: rules do those)."""
    providers = chain(purpose)
    return bool(providers) and providers[0].kind != "offline"


# --- chat completions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    """A completed call: the router's result (provider, tokens, cost, times) and the answer's
    text with the placeholders' real values put back."""

    result: CallResult
    text: str


async def complete(
    messages: Sequence[Message],
    *,
    purpose: str,
    scope: CallScope,
    route: str | None = None,
    options: ChatOptions | None = None,
    passages: Sequence[Passage] = (),
) -> Completion:
    """One whole answer, through every step above, for async callers (the audit rows are written
    on a database thread). ``route`` names the providers' chain when it is not the purpose's own
    (a drafted reply uses the reply route).

    Raises privacy.policy.ResidencyError when the inbox's rules allow no provider of the chain
    (nothing was sent), and ModelError (with ``.result``) when every provider failed; the audit
    rows are written before it is raised.
    """
    routed, prepared = _prepare(messages, purpose=purpose, route=route, scope=scope)
    try:
        result = await routed.complete(prepared.messages, passages=passages, options=options)
    except ModelError as error:
        await db_async(_record)(
            scope, error.result, route=routed, purpose=purpose, prepared=prepared
        )
        raise
    await db_async(_record)(scope, result, route=routed, purpose=purpose, prepared=prepared)
    return Completion(result, prepared.restore(result.text))


def complete_sync(
    messages: Sequence[Message],
    *,
    purpose: str,
    scope: CallScope,
    route: str | None = None,
    options: ChatOptions | None = None,
    passages: Sequence[Passage] = (),
    own_loop: bool = False,
) -> Completion:
    """`complete` for synchronous callers, the audit rows written in the caller's own thread
    and transaction. ``own_loop``: the caller has no event loop of its own to lend (a Celery
    task): the call runs on a fresh loop, and the providers' clients are closed with it."""
    routed, prepared = _prepare(messages, purpose=purpose, route=route, scope=scope)
    try:
        result = _run(
            lambda: routed.complete(prepared.messages, passages=passages, options=options),
            own_loop=own_loop,
        )
    except ModelError as error:
        _record(scope, error.result, route=routed, purpose=purpose, prepared=prepared)
        raise
    _record(scope, result, route=routed, purpose=purpose, prepared=prepared)
    return Completion(result, prepared.restore(result.text))


def stream(
    messages: Sequence[Message],
    *,
    purpose: str,
    scope: CallScope,
    route: str | None = None,
    tools: Sequence[ToolSpec] = (),
    passages: Sequence[Passage] = (),
    options: ChatOptions | None = None,
) -> AuditedStream:
    """A streaming call through every step above; use as ``async with calls.stream(...) as
    call: async for event in call: ...``. Raises privacy.policy.ResidencyError at once (nothing
    sent) when the inbox's rules allow no provider of the chain."""
    routed, prepared = _prepare(messages, purpose=purpose, route=route, scope=scope)
    return AuditedStream(
        routed.stream(prepared.messages, tools=list(tools), passages=passages, options=options),
        record=functools.partial(_record, scope, route=routed, purpose=purpose, prepared=prepared),
        restorer=prepared.restorer(),
    )


class AuditedStream:
    """The events of one streaming call, with each text delta's and tool call's placeholders
    given their real values back (a placeholder split across deltas is held until it is whole,
    and what is held at the end comes as a last delta). However the block is left (the answer
    finished, the caller broke off, every provider failed, or the task was cancelled) the
    call's records are written on the way out.
    ``result`` is the router's result once the call ended.

    A caller that stores what the call produced says how with `finish_with` before leaving the
    block: that storing runs on the way out too, in the same transaction as the records, and
    what it returned is ``stored``."""

    def __init__(
        self,
        call: CallStream,
        *,
        record: Callable[[CallResult | None, Settled], None],
        restorer: StreamRestorer,
    ) -> None:
        self._call = call
        self._record = record
        self._restorer = restorer
        self._events = self._restored()
        self._store: Callable[[CallResult | None], tuple[Settled, Any]] | None = None
        self.stored: Any = None

    @property
    def result(self) -> CallResult | None:
        return self._call.result

    def finish_with(self, store: Callable[[CallResult | None], tuple[Settled, Any]]) -> None:
        """Store the call's output on the way out: ``store`` gets the call's result, runs on a
        database thread inside the records' transaction, and returns what the records should
        say of the output (`Settled`) and a value for the caller (``stored``)."""
        self._store = store

    async def __aenter__(self) -> AuditedStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            # The caller may have broken off mid-answer: close our generator, then the call's.
            await self._events.aclose()
            await self._call.aclose()
        finally:
            # Shielded: a cancelled turn (a person took over) still records what left.
            await asyncio.shield(db_async(self._settle)(self._call.result))

    def _settle(self, result: CallResult | None) -> None:
        if self._store is None:
            self._record(result, NOTHING_SETTLED)
            return
        try:
            with transaction.atomic():
                settled, self.stored = self._store(result)
                self._record(result, settled)
        except Exception:
            # The call is on record even when storing its output failed.
            self._record(result, NOTHING_SETTLED)
            raise

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        return self._events

    async def _restored(self) -> AsyncIterator[StreamEvent]:
        async for event in self._call:
            if isinstance(event, TextDelta):
                text = self._restorer.feed(event.text)
                if text:
                    yield TextDelta(text)
            elif isinstance(event, ToolCallEvent):
                yield ToolCallEvent(self._restorer.restore_call(event.call))
            else:
                yield event
        if tail := self._restorer.flush():
            yield TextDelta(tail)


def _prepare(
    messages: Sequence[Message], *, purpose: str, route: str | None, scope: CallScope
) -> tuple[RoutedModel, PreparedCall]:
    routed = _registry().route(route or purpose)
    return routed, prepare_call(messages, chain=routed.chain, settings=scope.privacy)


def _record(
    scope: CallScope,
    result: CallResult | None,
    settled: Settled = NOTHING_SETTLED,
    *,
    route: RoutedModel,
    purpose: str,
    prepared: PreparedCall,
) -> None:
    """The call's records, in one transaction (within the caller's, when it has one): the
    outbound-call audit and, when a provider was reached, the ModelCall row."""
    with transaction.atomic(savepoint=False):
        rows: list[Model] = list(
            prepared_call_rows(
                scope=scope, result=result, chain=route.chain, purpose=purpose, prepared=prepared
            )
        )
        if result is not None:
            count_call_tokens(result, conversation_id=scope.conversation_id, settled=settled)
            rows.append(
                model_call_row(
                    result,
                    purpose=purpose,
                    inbox_id=scope.inbox_id,
                    conversation_id=scope.conversation_id,
                    settled=settled,
                )
            )
        # One statement for all of them: this runs for every answer (issue 23).
        insert_rows(rows)


def _run(call: Callable[[], Awaitable[T]], *, own_loop: bool) -> T:
    """Run an async provider call from synchronous code."""

    async def on_callers_loop() -> T:
        return await call()

    if not own_loop:
        # In a thread of the ASGI server this hands the call to the server's loop, whose HTTP
        # clients are reused; elsewhere async_to_sync runs a loop of its own.
        return async_to_sync(on_callers_loop)()

    async def on_own_loop() -> T:
        try:
            return await call()
        finally:
            # The clients are bound to this loop, which ends here.
            await aclose()

    return asyncio.run(on_own_loop())


# --- embeddings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmbeddingSpace:
    """Which model's vectors these are: vectors of different spaces are never compared."""

    provider: str
    model: str
    dimensions: int

    @property
    def key(self) -> str:
        return f"{self.provider}/{self.model}/{self.dimensions or 'default'}"


def embedding_space() -> EmbeddingSpace | None:
    """The configured embeddings model's space, or None when none is configured (search is then
    full text only)."""
    embedder = _registry().embedder()
    return _space(embedder) if embedder is not None else None


def _space(embedder: RoutedEmbedder | ProtectedEmbedder) -> EmbeddingSpace:
    return EmbeddingSpace(embedder.info.name, embedder.info.model, embedder.dimensions)


def leaves_the_process(info: ProviderInfo) -> bool:
    """Whether a call to this provider sends anything out. The embeddings model shipped in its
    wheel computes in this process: nothing leaves, so there is no outbound call to audit (the
    audit log records what left; docs/privacy.md)."""
    return info.kind != "local"


@dataclass(frozen=True)
class Embedded:
    space: EmbeddingSpace
    vectors: tuple[tuple[float, ...], ...]


async def embed_customer_text(text: str, *, scope: CallScope) -> Embedded | None:
    """A customer's or an agent's words as a search vector, under the inbox's rules:
    pseudonymised for an external provider, not sent at all where the inbox's residency list
    refuses the provider, and audited (on a database thread). None when nothing could be
    embedded (no provider configured, refused, or failed): search answers from full text."""
    embedder = protect_embedder(_registry().embedder(), scope.privacy)
    if embedder is None or not text:
        return None
    try:
        result = await embedder.embed([text])
    except ModelError:
        return None
    finally:
        if leaves_the_process(embedder.info):
            await db_async(record_embedding_call)(scope=scope, embedder=embedder)
    return Embedded(_space(embedder), result.vectors)


def embed_customer_text_sync(text: str, *, scope: CallScope) -> Embedded | None:
    """`embed_customer_text` for synchronous callers (a desk view), audited in their thread."""
    return embed_customer_texts_sync([text] if text else [], scope=scope)


def embed_customer_texts_sync(texts: Sequence[str], *, scope: CallScope) -> Embedded | None:
    """Several customers' texts of one inbox in one call (the knowledge-gaps page), under that
    inbox's rules like `embed_customer_text`: pseudonymised, refused by its residency list, and
    audited as one call. None when nothing could be embedded."""
    embedder = protect_embedder(_registry().embedder(), scope.privacy)
    if embedder is None or not texts:
        return None
    try:
        result = _run(lambda: embedder.embed(list(texts)), own_loop=False)
    except ModelError:
        return None
    finally:
        if leaves_the_process(embedder.info):
            record_embedding_call(scope=scope, embedder=embedder)
    return Embedded(_space(embedder), result.vectors)


def embed_company_texts(texts: Sequence[str]) -> Embedded | None:
    """The company's own published texts (article chunks) as vectors, for synchronous callers
    (the indexing task): not personal data, so not pseudonymised; audited with their hash only.
    None when no provider is configured. Raises ModelError when the provider fails, after the
    audit row is written."""
    embedder = _registry().embedder()
    if embedder is None:
        return None
    outcome = "ok"
    try:
        result = _run(lambda: embedder.embed(list(texts)), own_loop=False)
    except ModelError as error:
        outcome = error.kind
        raise
    finally:
        if texts and leaves_the_process(embedder.info):
            record_company_texts(embedder.info, list(texts), outcome)
    return Embedded(_space(embedder), result.vectors)


def record_company_texts(info: ProviderInfo, texts: list[str], outcome: str) -> None:
    """Article text that left for the embeddings provider, in the audit log like every outbound
    call: the company's published content, not a customer's data, so with its hash only and no
    inbox or conversation."""
    record_outbound_call(
        inbox_id=None,
        conversation_id=None,
        provider_info=info,
        purpose="embeddings",
        messages_sent=[Message(role="user", content=text) for text in texts],
        counts={},
        mode="hash",
        redacted=False,
        outcome=outcome,
    )
