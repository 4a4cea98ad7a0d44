"""The one protocol every model client implements, and the one error type they raise."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

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

if TYPE_CHECKING:
    from .types import CallResult

ErrorKind = Literal[
    "rate_limited",  # 429: the provider asks us to slow down
    "server_error",  # 5xx, or an error event inside the stream
    "timeout",  # connect, first token, stall or total deadline exceeded
    "connection",  # refused, reset, or dropped mid-stream
    "malformed",  # a chunk or tool-call argument that is not valid JSON
    "bad_request",  # 400/404/422: our request is wrong, sending it again will not help
    "authentication",  # 401/403: key missing, wrong, or without access to the model
    "refused",  # the provider's content filter rejected the input or the output
    "unavailable",  # circuit breaker open, or every provider in a route failed
]

RETRYABLE_KINDS: frozenset[str] = frozenset(
    {"rate_limited", "server_error", "timeout", "connection", "malformed"}
)


class ModelError(Exception):
    """A model call failed. `retryable` says whether trying again (later or elsewhere) could help.

    The message is the provider's own explanation with anything that looks like a credential
    removed, so it is safe to log and to store on a ModelCall row.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind,
        retryable: bool | None = None,
        provider: str = "",
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.message = redact_secrets(message)
        self.kind: ErrorKind = kind
        self.retryable = kind in RETRYABLE_KINDS if retryable is None else retryable
        self.provider = provider
        self.status_code = status_code
        self.retry_after = retry_after
        # Set by the router when a routed call fails, so a caller that only catches the error
        # can still store the ModelCall row for the failed attempt.
        self.result: CallResult | None = None
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f"{self.provider}: " if self.provider else ""
        status = f" (HTTP {self.status_code})" if self.status_code else ""
        return f"{where}{self.kind}{status}: {self.message}"


# Keys and bearer tokens that providers sometimes echo back in error messages ("Incorrect API key
# provided: sk-abc...") must never reach logs or the database.
_SECRET_PATTERNS = (
    re.compile(r"\bsk-[A-Za-z0-9_\-*]{4,}"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._\-*]{8,}"),
    re.compile(r"(?i)(api[_-]?key[\"'=: ]+)[A-Za-z0-9._\-*]{8,}"),
)


def redact_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(
            lambda m: (m.group(1) if m.re.groups else "") + "[redacted]",
            text,
        )
    return text


@runtime_checkable
class ChatModel(Protocol):
    """An async streaming chat model.

    `stream()` yields TextDelta as text arrives, a ToolCallEvent per complete tool call, and finally
    exactly one Finished. It raises ModelError on failure. `passages` are the knowledge passages of
    this turn: network models ignore them (the caller already put them in the prompt), the offline
    responder answers from them.
    """

    @property
    def info(self) -> ProviderInfo: ...

    def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        options: ChatOptions | None = None,
        passages: Sequence[Passage] | None = None,
    ) -> AsyncIterator[StreamEvent]: ...


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors of a fixed dimension."""

    @property
    def info(self) -> ProviderInfo: ...

    @property
    def dimensions(self) -> int: ...

    async def embed(self, texts: Sequence[str]) -> Embeddings: ...


@dataclass(frozen=True, slots=True)
class Completion:
    """The whole answer of a non-streaming call."""

    text: str
    tool_calls: tuple[ToolCall, ...]
    usage: Usage
    finish_reason: str
    provider: str
    model: str


async def complete(
    model: ChatModel,
    messages: Sequence[Message],
    *,
    tools: Sequence[ToolSpec] | None = None,
    options: ChatOptions | None = None,
    passages: Sequence[Passage] | None = None,
) -> Completion:
    """Non-streaming convenience for workers: drain the stream and return the whole answer.

    It is built on `stream()` on purpose, so workers get exactly the same timeouts, retries and
    error mapping as the live chat path.
    """
    parts: list[str] = []
    calls: list[ToolCall] = []
    finished: Finished | None = None
    async for event in model.stream(messages, tools=tools, options=options, passages=passages):
        if isinstance(event, TextDelta):
            parts.append(event.text)
        elif isinstance(event, ToolCallEvent):
            calls.append(event.call)
        elif isinstance(event, Finished):
            finished = event
    if finished is None:
        raise ModelError(
            "the stream ended without a final event", kind="malformed", provider=model.info.name
        )
    return Completion(
        text="".join(parts),
        tool_calls=tuple(calls),
        usage=finished.usage,
        finish_reason=finished.finish_reason,
        provider=finished.provider,
        model=finished.model,
    )
