"""Plain data passed into and out of model clients.

Everything here is a frozen dataclass so events and results can be shared between tasks, logged,
and compared in tests without anyone mutating them along the way. Nothing here knows about HTTP,
Django or a particular provider.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]
Hosting = Literal["internal", "external"]
# "reply_b" is the second arm of a model comparison: an inbox may send a share of its new
# conversations to it (see assistant/chat/models.py, Inbox.model_split_percent).
Purpose = Literal["reply", "reply_b", "summary", "classification", "embeddings"]
Outcome = Literal["ok", "error", "cancelled"]

CHAT_PURPOSES: tuple[Purpose, ...] = ("reply", "reply_b", "summary", "classification")
PURPOSES: tuple[Purpose, ...] = (*CHAT_PURPOSES, "embeddings")


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A complete tool call: the arguments are already assembled from the stream and parsed."""

    id: str
    name: str
    arguments: Mapping[str, Any]

    def to_openai(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": json.dumps(self.arguments)},
        }


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message: `tool_calls` only on assistant messages, `tool_call_id` on tool ones."""

    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None

    @classmethod
    def system(cls, content: str) -> Message:
        return cls("system", content)

    @classmethod
    def user(cls, content: str) -> Message:
        return cls("user", content)

    @classmethod
    def assistant(cls, content: str = "", tool_calls: tuple[ToolCall, ...] = ()) -> Message:
        return cls("assistant", content, tool_calls=tool_calls)

    @classmethod
    def tool(cls, tool_call_id: str, content: str) -> Message:
        return cls("tool", content, tool_call_id=tool_call_id)

    def to_openai(self) -> dict[str, Any]:
        data: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            data["tool_calls"] = [call.to_openai() for call in self.tool_calls]
            # OpenAI-compatible servers accept null content next to tool calls; some reject "".
            data["content"] = self.content or None
        if self.tool_call_id is not None:
            data["tool_call_id"] = self.tool_call_id
        return data


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A function the model may call; `parameters` is a JSON Schema object."""

    name: str
    description: str
    parameters: Mapping[str, Any] = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )

    def to_openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": dict(self.parameters),
            },
        }


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """Per-call knobs. None means "the provider's default"."""

    max_output_tokens: int | None = None
    temperature: float | None = None
    # The customer's language (a Django code such as "de"): models are told it in the prompt;
    # the offline responder, which reads no prompt, says its own words in it.
    language: str | None = None
    # The customer's question as the knowledge search read it, typos corrected ("warrenty" ->
    # "warranty"). The offline responder chooses and quotes its passage by these words; models
    # read the customer's own words in the prompt and ignore it.
    question: str | None = None
    # False while the customer already waits for a person: the offline responder's "don't know"
    # then offers no person (the reply turn restates the wait instead).
    offer_person: bool = True


@dataclass(frozen=True, slots=True)
class Passage:
    """A knowledge-base passage retrieved for this turn.

    The caller renders passages into the prompt for real models; the same passages are also passed
    to `stream(passages=...)` so the offline responder (which has no language model to read the
    prompt) can answer from them. Network providers ignore the argument.
    """

    id: str
    title: str
    text: str
    url: str = ""
    language: str = ""  # the article's language (a Django code); "" when not known


@dataclass(frozen=True, slots=True)
class Usage:
    """Token usage of one call. `reported` is False when the provider sent no usage at all,
    in which case the cost is unknown rather than zero."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    reported: bool = True

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


# --- stream events ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of answer text, forwarded as soon as it arrives."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallEvent:
    """A tool call, emitted once its arguments are complete."""

    call: ToolCall


@dataclass(frozen=True, slots=True)
class Finished:
    """The last event of every successful stream."""

    usage: Usage
    finish_reason: str
    provider: str
    model: str


StreamEvent = TextDelta | ToolCallEvent | Finished


# --- provider description and call records ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """Who answers and where the data goes: what the data-protection work needs to know."""

    name: str
    # "local": computed in this process (the embeddings model shipped in its wheel).
    kind: Literal["openai_compatible", "offline", "local"]
    model: str
    hosting: Hosting
    jurisdiction: str
    region: str = ""
    base_url: str = ""


@dataclass(frozen=True, slots=True)
class Attempt:
    """One provider tried while serving a call (including ones skipped by an open breaker)."""

    provider: str
    model: str
    outcome: Literal["ok", "error", "skipped", "cancelled"]
    error_kind: str = ""
    error_message: str = ""
    duration: float = 0.0


@dataclass(frozen=True, slots=True)
class CallResult:
    """Everything a ModelCall row needs about one routed call, successful or not.

    Times are in seconds. `cost` is None when the price of the model is unknown (never a guessed
    zero). `provider`/`model` name the one that answered, or the last one tried when all failed.
    """

    purpose: str
    provider: str
    model: str
    hosting: Hosting
    jurisdiction: str
    region: str
    outcome: Outcome
    fallback_used: bool
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    cost: Decimal | None
    currency: str | None
    time_to_first_token: float | None
    duration: float
    finish_reason: str | None
    text: str
    tool_calls: tuple[ToolCall, ...]
    attempts: tuple[Attempt, ...]
    error_kind: str = ""
    error_message: str = ""


@dataclass(frozen=True, slots=True)
class Embeddings:
    """Vectors for a batch of texts, in input order, with what the call cost."""

    vectors: tuple[tuple[float, ...], ...]
    usage: Usage
    provider: str
    model: str
    dimensions: int
    cost: Decimal | None = None
    currency: str | None = None
