"""A chat model and an embedder for any OpenAI-compatible endpoint, over the official SDK.

Qwen in Alibaba Cloud Model Studio, vLLM, Ollama, llama.cpp server and OpenAI itself all speak
this protocol; they differ only in base URL, key, model name and labels (see config.py).

The SDK's own resilience defaults (a 10-minute timeout, two silent retries) are wrong for a live
chat, so they are switched off and replaced here by explicit deadlines and bounded retries:

- connect: how long to wait for a TCP/TLS connection;
- first token: how long to wait for the first piece of the answer, and afterwards the longest
  silence tolerated between two chunks (a stream that stalls is as dead as one that never starts);
- total: the budget for the whole call, retries included, so a caller knows its worst case.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import openai
from openai import AsyncOpenAI

from .base import ModelError, redact_secrets
from .config import ProviderConfig
from .retry import provider_retrying, retry_after_from_headers
from .types import (
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

EMBEDDING_BATCH = 10  # Model Studio's text-embedding-v4 accepts at most 10 inputs per request.

_REFUSAL_CODES = frozenset(
    {"data_inspection_failed", "datainspectionfailed", "content_filter", "content_policy_violation"}
)
_QUOTA_CODES = frozenset({"insufficient_quota", "arrearage", "billing_hard_limit_reached"})


class ClientPool:
    """One AsyncOpenAI client per event loop for one provider.

    An httpx connection pool belongs to the loop that opened it; Celery tasks that each call
    asyncio.run() would otherwise reuse sockets of a dead loop. Within one loop (the ASGI server)
    every call shares one client and its keep-alive connections.
    """

    def __init__(self, config: ProviderConfig) -> None:
        self._config = config
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncOpenAI] = (
            weakref.WeakKeyDictionary()
        )

    def get(self) -> AsyncOpenAI:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            cfg = self._config
            timeout = openai.Timeout(cfg.total_timeout, connect=cfg.connect_timeout)
            client = AsyncOpenAI(
                # Self-hosted servers often need no key, but the SDK insists on one.
                api_key=cfg.api_key or "not-needed",
                base_url=cfg.base_url,
                timeout=timeout,
                max_retries=0,  # retries are ours: bounded, logged, and never after text was sent
                default_headers=dict(cfg.default_headers) or None,
                # Our own HTTP client rather than the SDK's default wrapper: the wrapper's
                # finalizer schedules its close on whatever loop is running when it is
                # collected, which fails noisily once its own loop is gone (asyncio.run per
                # Celery task).
                http_client=openai.DefaultAsyncHttpxClient(timeout=timeout),
            )
            self._clients[loop] = client
        return client

    async def aclose(self) -> None:
        """Close the client of the running loop (others close with their loops)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.close()


def provider_info(config: ProviderConfig, model: str) -> ProviderInfo:
    return ProviderInfo(
        name=config.name,
        kind=config.kind,
        model=model,
        hosting=config.hosting,
        jurisdiction=config.jurisdiction,
        region=config.region,
        base_url=config.base_url,
    )


class OpenAICompatibleModel:
    """Streams chat completions from one provider and one model."""

    def __init__(
        self,
        config: ProviderConfig,
        *,
        model: str | None = None,
        clients: ClientPool | None = None,
    ) -> None:
        self._config = config
        self._model = model or config.model
        self._clients = clients or ClientPool(config)
        self._info = provider_info(config, self._model)

    @property
    def info(self) -> ProviderInfo:
        return self._info

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        options: ChatOptions | None = None,
        passages: Sequence[Passage] | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """Yield the answer as it arrives. `passages` is ignored: the caller has already rendered
        them into the prompt, which is all a language model needs."""
        del passages
        request = self._request(messages, tools, options or ChatOptions())
        deadline = asyncio.get_running_loop().time() + self._config.total_timeout
        events, first = await self._first_event(request, deadline)
        # Only the wait for the first event is retried: retrying after text reached the
        # caller would repeat the beginning of the answer to the customer.
        async with aclosing(events):
            yield first
            async for event in events:
                yield event

    async def _first_event(
        self, request: dict[str, Any], deadline: float
    ) -> tuple[AsyncGenerator[StreamEvent, None], StreamEvent]:
        """A stream that has produced its first event, and that event; failures before it are
        retried within the call's budget (see retry.py)."""
        cfg = self._config
        async for attempt in provider_retrying(
            provider=cfg.name, max_retries=cfg.max_retries, deadline=deadline
        ):
            with attempt:
                events = self._stream_once(request, deadline)
                try:
                    first = await anext(events)
                except BaseException:
                    await events.aclose()
                    raise
                return events, first
        raise AssertionError("tenacity either returns an attempt's result or raises")

    def _request(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] | None,
        options: ChatOptions,
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self._model,
            "messages": [message.to_openai() for message in messages],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if tools:
            request["tools"] = [tool.to_openai() for tool in tools]
        if options.max_output_tokens is not None:
            request["max_tokens"] = options.max_output_tokens
        if options.temperature is not None:
            request["temperature"] = options.temperature
        if self._config.extra_body:
            # Merged into the JSON body, as the SDK's own `extra_body` option does.
            request.update(self._config.extra_body)
        return request

    async def _stream_once(
        self, request: dict[str, Any], deadline: float
    ) -> AsyncIterator[StreamEvent]:
        cfg = self._config
        loop = asyncio.get_running_loop()
        first_deadline = min(loop.time() + cfg.first_token_timeout, deadline)
        client = self._clients.get()
        try:
            # No `yield` happens inside a timeout block: a deadline firing while the consumer
            # runs would cancel the consumer's code instead of this request.
            async with asyncio.timeout_at(first_deadline):
                # The SDK's own request path (auth, headers, SSE decoding, error events,
                # errors mapped to exceptions) with `cast_to=object`, so each chunk arrives as
                # the plain dict that json.loads made: building ChatCompletionChunk models took
                # a tenth of the web process's CPU per streamed answer (bench/ws_streaming.py
                # --profile) and most of the client's (bench/model_client_cost.py), and we read
                # four fields of them.
                stream = await client.post(
                    "/chat/completions",
                    body=request,
                    cast_to=object,
                    options={"security": {"bearer_auth": True}},
                    stream=True,
                    stream_cls=openai.AsyncStream[object],
                )
        except TimeoutError:
            raise self._timeout_error(first_deadline >= deadline, started=False) from None
        except openai.APIError as exc:
            raise map_openai_error(exc, cfg.name, secrets=(cfg.api_key or "",)) from exc

        calls = _ToolCallAssembler(cfg.name)
        usage: Usage | None = None
        finish_reason: str | None = None
        produced = False
        started = False  # any content, reasoning or tool-call piece received
        chunks = aiter(stream)
        limit = first_deadline
        try:
            # One deadline for the whole read, moved on after every chunk (entering a timeout
            # block per chunk cost a tenth of a millisecond per answer more, bench/ws_streaming.py
            # --profile), and disarmed while a piece is with the caller: a deadline firing then
            # would cancel the caller's code instead of this request.
            async with asyncio.timeout_at(limit) as watchdog:
                while True:
                    try:
                        chunk = await anext(chunks)
                    except StopAsyncIteration:
                        break
                    except openai.APIError as exc:
                        raise map_openai_error(exc, cfg.name, secrets=(cfg.api_key or "",)) from exc
                    except ValueError as exc:  # a data line that is not JSON
                        raise ModelError(
                            f"unreadable chunk in the stream: {exc}",
                            kind="malformed",
                            provider=cfg.name,
                        ) from exc
                    content = None
                    if not isinstance(chunk, dict):
                        raise ModelError(
                            f"a chunk of the stream is not a JSON object: {chunk!r:.80}",
                            kind="malformed",
                            provider=cfg.name,
                        )
                    if chunk.get("usage"):
                        usage = _usage(chunk["usage"])
                    for choice in _objects(chunk.get("choices"))[:1]:
                        delta = choice.get("delta")
                        if isinstance(delta, dict):
                            content = delta.get("content")
                            if content and isinstance(content, str):
                                started = produced = True
                            else:
                                content = None
                            if delta.get("tool_calls"):
                                started = True
                                calls.add(_objects(delta["tool_calls"]))
                            # Self-hosted Qwen3 may stream its reasoning separately; it is not
                            # part of the answer, but it proves the model is alive.
                            if delta.get("reasoning_content") or delta.get("reasoning"):
                                started = True
                        if choice.get("finish_reason"):
                            finish_reason = str(choice["finish_reason"])
                    if content is not None:
                        watchdog.reschedule(None)
                        yield TextDelta(content)
                    if started:
                        limit = min(loop.time() + cfg.first_token_timeout, deadline)
                    watchdog.reschedule(limit)
        except TimeoutError:
            raise self._timeout_error(limit >= deadline, started=started) from None
        finally:
            await stream.close()

        tool_calls = calls.complete()
        if finish_reason == "content_filter" and not produced and not tool_calls:
            raise ModelError(
                "the provider's content filter withheld the answer",
                kind="refused",
                provider=cfg.name,
            )
        for call in tool_calls:
            yield ToolCallEvent(call)
        yield Finished(
            usage=usage if usage is not None else Usage(reported=False),
            finish_reason=finish_reason or ("tool_calls" if tool_calls else "stop"),
            provider=cfg.name,
            model=self._model,
        )

    def _timeout_error(self, total: bool, *, started: bool) -> ModelError:
        cfg = self._config
        if total:
            message = f"no complete answer within the total timeout of {cfg.total_timeout:g}s"
        elif started:
            message = f"the stream stalled for more than {cfg.first_token_timeout:g}s"
        else:
            message = f"no first token within {cfg.first_token_timeout:g}s"
        return ModelError(message, kind="timeout", provider=cfg.name)


class OpenAICompatibleEmbedder:
    """Embeddings over the same endpoint and client pool as the chat model."""

    def __init__(
        self,
        config: ProviderConfig,
        *,
        model: str | None = None,
        clients: ClientPool | None = None,
    ) -> None:
        embedding_model = model or config.embedding_model
        if not embedding_model:
            raise ValueError(f"provider {config.name!r} has no embedding model")
        self._config = config
        self._model = embedding_model
        self._clients = clients or ClientPool(config)
        self._info = provider_info(config, embedding_model)

    @property
    def info(self) -> ProviderInfo:
        return self._info

    @property
    def dimensions(self) -> int:
        return self._config.embedding_dimensions or 0

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        vectors: list[tuple[float, ...]] = []
        input_tokens = 0
        reported = True
        for start in range(0, len(texts), EMBEDDING_BATCH):
            batch = list(texts[start : start + EMBEDDING_BATCH])
            batch_vectors, tokens = await self._embed_batch(batch)
            vectors.extend(batch_vectors)
            if tokens is None:
                reported = False
            else:
                input_tokens += tokens
        return Embeddings(
            vectors=tuple(vectors),
            usage=Usage(input_tokens=input_tokens, reported=reported),
            provider=self._config.name,
            model=self._model,
            dimensions=len(vectors[0]) if vectors else self.dimensions,
        )

    async def _embed_batch(self, batch: list[str]) -> tuple[list[tuple[float, ...]], int | None]:
        cfg = self._config
        kwargs: dict[str, Any] = {
            "model": self._model,
            "input": batch,
            # The SDK asks for base64 by default, which some compatible servers do not support.
            "encoding_format": "float",
        }
        if cfg.embedding_dimensions:
            kwargs["dimensions"] = cfg.embedding_dimensions
        response = await self._embed_with_retries(kwargs)
        ordered = sorted(response.data, key=lambda item: item.index)
        vectors = [tuple(float(x) for x in item.embedding) for item in ordered]
        if len(vectors) != len(batch):
            raise ModelError(
                f"asked for {len(batch)} embeddings, got {len(vectors)}",
                kind="malformed",
                provider=cfg.name,
            )
        if cfg.embedding_dimensions and any(len(v) != cfg.embedding_dimensions for v in vectors):
            raise ModelError(
                f"the model returned {len(vectors[0])}-dimensional vectors but "
                f"EMBEDDING_DIMENSIONS is {cfg.embedding_dimensions}",
                kind="bad_request",
                provider=cfg.name,
            )
        tokens = response.usage.prompt_tokens if response.usage is not None else None
        return vectors, tokens

    async def _embed_with_retries(self, kwargs: dict[str, Any]) -> Any:
        """The SDK's embeddings response; failures are retried within the call's budget."""
        cfg = self._config
        deadline = asyncio.get_running_loop().time() + cfg.total_timeout
        async for attempt in provider_retrying(
            provider=cfg.name, max_retries=cfg.max_retries, deadline=deadline
        ):
            with attempt:
                return await self._embed_once(kwargs, deadline)
        raise AssertionError("tenacity either returns an attempt's result or raises")

    async def _embed_once(self, kwargs: dict[str, Any], deadline: float) -> Any:
        """One embeddings request, its failures as ModelError."""
        cfg = self._config
        try:
            async with asyncio.timeout_at(deadline):
                return await self._clients.get().embeddings.create(**kwargs)
        except TimeoutError:
            raise ModelError(
                f"no embeddings within {cfg.total_timeout:g}s", kind="timeout", provider=cfg.name
            ) from None
        except openai.APIError as exc:
            raise map_openai_error(exc, cfg.name, secrets=(cfg.api_key or "",)) from exc


# --- assembling tool calls -------------------------------------------------------------------


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class _ToolCallAssembler:
    """Joins tool-call fragments by their index: the id and name come once, the JSON arguments
    arrive in arbitrary pieces, and several calls may be interleaved."""

    def __init__(self, provider: str) -> None:
        self._provider = provider
        self._calls: dict[int, _PartialCall] = {}
        self._last_index = 0

    def add(self, fragments: Sequence[Mapping[str, Any]]) -> None:
        for fragment in fragments:
            index = fragment.get("index")
            if not isinstance(index, int):
                index = self._last_index
            self._last_index = index
            call = self._calls.setdefault(index, _PartialCall())
            if fragment.get("id"):
                call.id = str(fragment["id"])
            function = fragment.get("function")
            if isinstance(function, dict):
                if function.get("name") and not call.name:
                    call.name = str(function["name"])
                if function.get("arguments"):
                    call.arguments.append(str(function["arguments"]))

    def complete(self) -> list[ToolCall]:
        result = []
        for index in sorted(self._calls):
            partial = self._calls[index]
            raw = "".join(partial.arguments).strip() or "{}"
            try:
                arguments = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ModelError(
                    f"tool call {partial.name!r} has arguments that are not valid JSON: {exc}",
                    kind="malformed",
                    provider=self._provider,
                ) from exc
            if not isinstance(arguments, dict):
                raise ModelError(
                    f"tool call {partial.name!r} arguments are not a JSON object",
                    kind="malformed",
                    provider=self._provider,
                )
            if not partial.name:
                raise ModelError(
                    "a tool call arrived without a function name",
                    kind="malformed",
                    provider=self._provider,
                )
            result.append(ToolCall(id=partial.id or f"call_{index}", name=partial.name,
                                   arguments=arguments))  # fmt: skip
        return result


# --- mapping SDK errors ----------------------------------------------------------------------


def map_openai_error(
    exc: openai.APIError, provider: str, *, secrets: Sequence[str] = ()
) -> ModelError:
    """Translate an SDK exception into a ModelError that says whether retrying can help."""
    message = redact_secrets(_provider_message(exc), secrets)
    code = str(getattr(exc, "code", "") or "").lower()

    if isinstance(exc, openai.APITimeoutError):
        return ModelError(message, kind="timeout", provider=provider)
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__
        detail = f" ({type(cause).__name__}: {cause})" if cause else ""
        return ModelError(message + detail, kind="connection", provider=provider)
    if isinstance(exc, openai.APIResponseValidationError):
        return ModelError(message, kind="malformed", provider=provider)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        retry_after = retry_after_from_headers(exc.response.headers)
        if code in _REFUSAL_CODES or _mentions_refusal(message):
            kind, retryable = "refused", False
        elif status == 429:
            # An exhausted quota or unpaid bill will not recover in seconds.
            kind, retryable = "rate_limited", code not in _QUOTA_CODES
        elif status in (401, 403):
            kind, retryable = "authentication", False
        elif status == 408:
            kind, retryable = "timeout", True
        elif status == 409 or status >= 500:
            kind, retryable = "server_error", True
        else:
            kind, retryable = "bad_request", False
        return ModelError(
            message,
            kind=kind,  # type: ignore[arg-type]
            retryable=retryable,
            provider=provider,
            status_code=status,
            retry_after=retry_after,
        )
    # An error object inside an otherwise healthy stream: the provider failed mid-answer.
    if code in _REFUSAL_CODES or _mentions_refusal(message):
        return ModelError(message, kind="refused", provider=provider)
    return ModelError(message, kind="server_error", provider=provider)


def _provider_message(exc: openai.APIError) -> str:
    body = exc.body
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping) and isinstance(inner.get("message"), str):
            return inner["message"]
        if isinstance(body.get("message"), str):
            return body["message"]
    return exc.message or type(exc).__name__


def _mentions_refusal(message: str) -> bool:
    lowered = message.lower()
    return "inappropriate content" in lowered or "data_inspection_failed" in lowered


def _objects(value: Any) -> list[dict[str, Any]]:
    """The JSON objects in a list from a chunk. Anything else in their place is skipped: a
    provider's odd field costs that field, not the answer."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _usage(raw: Any) -> Usage:
    if not isinstance(raw, dict):
        return Usage(reported=False)
    details = raw.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    return Usage(
        input_tokens=_count(raw.get("prompt_tokens")),
        output_tokens=_count(raw.get("completion_tokens")),
        cached_input_tokens=_count(cached),
    )


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    return max(int(value), 0)
