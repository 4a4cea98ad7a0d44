"""Stable placeholders for personal data within one conversation, and putting the values back.

    pseudonymizer = Pseudonymizer.from_dict(stored_state, config)   # or Pseudonymizer(config)
    sent = pseudonymizer.redact_messages(prompt)                     # "[EMAIL_1]" instead of ...
    restorer = pseudonymizer.stream_restorer()
    for delta in model_stream: forward(restorer.feed(delta))
    forward(restorer.flush())
    stored_state = pseudonymizer.to_dict()

The same value (after normalisation: an e-mail in any case, a phone number with or without its
country code) always gets the same placeholder in a conversation, so the model can still tell
"the number you gave earlier" from "a new number" and refer to either; restoring puts back the
value as the customer first wrote it. The mapping holds the very data it protects: store it
with the same care as the messages themselves.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from assistant.llm.types import Message, ToolCall

from .detectors import DEFAULT_CONFIG, NAME, DetectorConfig, Span, detect

STATE_VERSION = 1

# A placeholder as the model may write it back. Case is forgiven (some models lower-case
# "[email_1]"); anything else (spaces, missing brackets) is left alone rather than guessed at.
PLACEHOLDER = re.compile(r"\[([A-Za-z][A-Za-z0-9_]*?)_([0-9]+)\]")


def placeholder(kind: str, number: int) -> str:
    return f"[{kind}_{number}]"


class Pseudonymizer:
    """Replaces personal data with `[KIND_N]` placeholders for one conversation."""

    def __init__(self, config: DetectorConfig = DEFAULT_CONFIG) -> None:
        self.config = config
        # (kind, canonical value) -> placeholder, and placeholder -> the value as first written.
        self._placeholders: dict[tuple[str, str], str] = {}
        self._originals: dict[str, str] = {}
        self._next: Counter[str] = Counter()
        # Occurrences replaced by this instance, per kind: what the audit log reports per call.
        self.counts: Counter[str] = Counter()
        self._names: set[str] = set()

    # --- redacting ----------------------------------------------------------------------------

    def spans(self, text: str) -> list[Span]:
        # A name found once (introduced, or with a title) is a known name for the rest of the
        # conversation: "anna schmidt" later in lower case gets the same placeholder.
        config = self.config
        if self._names:
            config = config.with_known_names(*sorted(self._names))
        spans = detect(text, config)
        new = {s.value for s in spans if s.kind == NAME} - self._names
        if new:  # and in the rest of the same text
            spans = detect(text, config.with_known_names(*sorted(new)))
        return spans

    def redact(self, text: str) -> str:
        if not text:
            return text
        pieces: list[str] = []
        position = 0
        for span in self.spans(text):
            pieces.append(text[position : span.start])
            pieces.append(self._placeholder_for(span))
            self.counts[span.kind] += 1
            if span.kind == NAME:
                self._names.add(span.value)
            position = span.end
        pieces.append(text[position:])
        return "".join(pieces)

    def redact_messages(self, messages: Sequence[Message]) -> list[Message]:
        """The messages with content and tool-call arguments redacted, in the same order.

        Conversation turns are numbered before the system message: the system message carries
        this turn's knowledge passages, which change from turn to turn, and numbering the
        customer's own data first keeps its placeholders the same even if the mapping is not
        stored between turns.
        """
        order = sorted(range(len(messages)), key=lambda i: messages[i].role == "system")
        redacted: dict[int, Message] = {}
        for index in order:
            message = messages[index]
            redacted[index] = replace(
                message,
                content=self.redact(message.content),
                tool_calls=tuple(
                    ToolCall(call.id, call.name, self._redact_value(call.arguments))
                    for call in message.tool_calls
                ),
            )
        return [redacted[i] for i in range(len(messages))]

    def take_counts(self) -> dict[str, int]:
        """Counts since the last call (or since creation), then start again from zero."""
        counts = dict(self.counts)
        self.counts.clear()
        return counts

    def _redact_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, Mapping):
            return {key: self._redact_value(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._redact_value(item) for item in value]
        return value

    def _placeholder_for(self, span: Span) -> str:
        key = (span.kind, span.key)
        existing = self._placeholders.get(key)
        if existing is not None:
            return existing
        self._next[span.kind] += 1
        token = placeholder(span.kind, self._next[span.kind])
        self._placeholders[key] = token
        self._originals[token] = span.value
        return token

    # --- restoring ----------------------------------------------------------------------------

    @property
    def mapping(self) -> dict[str, str]:
        """Placeholder -> original value (a copy)."""
        return dict(self._originals)

    def original(self, token: str) -> str | None:
        match = PLACEHOLDER.fullmatch(token)
        if match is None:
            return None
        return self._originals.get(placeholder(match.group(1).upper(), int(match.group(2))))

    def restore(self, text: str) -> str:
        """Known placeholders back to their values; unknown ones (the model invented
        "[PHONE_9]") are left as they are, visibly, rather than filled with a guess."""
        if not self._originals or "[" not in text:
            return text

        def swap(match: re.Match[str]) -> str:
            value = self.original(match.group(0))
            return match.group(0) if value is None else value

        return PLACEHOLDER.sub(swap, text)

    def stream_restorer(self) -> StreamRestorer:
        return StreamRestorer(self)

    def could_start_placeholder(self, tail: str) -> bool:
        """Whether `tail` (starting with "[") may be the beginning of a known placeholder."""
        folded = tail.upper()
        return any(token.startswith(folded) for token in self._originals)

    # --- storage ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable state: the mapping and the next number per kind (not the config,
        which comes from the inbox's settings each time)."""
        return {
            "version": STATE_VERSION,
            "entries": [
                {"kind": kind, "key": key, "placeholder": token, "value": self._originals[token]}
                for (kind, key), token in self._placeholders.items()
            ],
            "next": dict(self._next),
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any] | None, config: DetectorConfig = DEFAULT_CONFIG
    ) -> Pseudonymizer:
        instance = cls(config)
        if not data:
            return instance
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unknown pseudonymizer state version {data.get('version')!r}")
        for entry in data.get("entries", ()):
            kind, key, token, value = (
                str(entry["kind"]),
                str(entry["key"]),
                str(entry["placeholder"]),
                str(entry["value"]),
            )
            instance._placeholders[(kind, key)] = token
            instance._originals[token] = value
        for kind, number in dict(data.get("next", {})).items():
            instance._next[str(kind)] = int(number)
        return instance


class StreamRestorer:
    """Restores placeholders in streamed text, where one may arrive split over several deltas.

    `feed` returns what can be forwarded at once; it holds back only a tail that could still
    become a known placeholder (a "[" followed by at most a placeholder's worth of characters),
    so a reply without placeholders streams with no delay at all. `flush` returns the rest.
    """

    def __init__(self, pseudonymizer: Pseudonymizer) -> None:
        self._pseudonymizer = pseudonymizer
        self._held = ""

    def feed(self, delta: str) -> str:
        text = self._held + delta
        cut = self._cut(text)
        self._held = text[cut:]
        return self._pseudonymizer.restore(text[:cut])

    def flush(self) -> str:
        text, self._held = self._held, ""
        return self._pseudonymizer.restore(text)

    def restore_call(self, call: ToolCall) -> ToolCall:
        """A tool call with the placeholders in its arguments given their values back: an
        action is sent the customer's real address, not "[ADDRESS_1]"."""
        return ToolCall(call.id, call.name, self._restore_value(call.arguments))

    def _restore_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._pseudonymizer.restore(value)
        if isinstance(value, Mapping):
            return {key: self._restore_value(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._restore_value(item) for item in value]
        return value

    def _cut(self, text: str) -> int:
        """Where the forwardable part ends: before a trailing possible placeholder start."""
        bracket = text.rfind("[")
        if bracket == -1:
            return len(text)
        tail = text[bracket:]
        if "]" not in tail and self._pseudonymizer.could_start_placeholder(tail):
            return bracket
        return len(text)
