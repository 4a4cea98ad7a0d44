"""One call's data protection in one step: residency, redaction, and what to restore. Plain Python.

prepared = prepare_call(prompt, chain=route.chain, settings=privacy, state=stored_state)
call = route.stream(prepared.messages, ...)
restorer = prepared.restorer()        # feed() each delta, flush() at the end
... record_call_result(..., messages_sent=prepared.messages, counts=prepared.counts,
                       redacted=prepared.redacted, mode=privacy.audit_payload_mode)
stored_state = prepared.state()
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.llm.base import Embedder
from assistant.llm.types import Embeddings, Message, ProviderInfo

from .policy import (
    PrivacySettings,
    ProviderLike,
    ResidencyError,
    check_chain_residency,
    check_residency,
    must_redact,
    must_redact_chain,
)
from .pseudonymize import Pseudonymizer, StreamRestorer


@dataclass(frozen=True, slots=True)
class PreparedCall:
    """What to send, and how to read the answer back."""

    messages: list[Message]
    pseudonymizer: Pseudonymizer
    redacted: bool
    counts: dict[str, int]

    def restorer(self) -> StreamRestorer:
        return self.pseudonymizer.stream_restorer()

    def restore(self, text: str) -> str:
        return self.pseudonymizer.restore(text)

    def state(self) -> dict[str, Any]:
        return self.pseudonymizer.to_dict()


def prepare_call(
    messages: Sequence[Message],
    *,
    chain: Sequence[ProviderLike],
    settings: PrivacySettings,
    state: Mapping[str, Any] | None = None,
) -> PreparedCall:
    """Check residency for every provider that may answer (raises policy.ResidencyError), then
    redact the messages if any of them is external (or the inbox redacts everything)."""
    check_chain_residency(settings.allowed_jurisdictions, chain)
    pseudonymizer = Pseudonymizer.from_dict(state, settings.detector)
    if must_redact_chain(chain, redact_internal=settings.redact_internal):
        sent = pseudonymizer.redact_messages(messages)
        return PreparedCall(sent, pseudonymizer, True, pseudonymizer.take_counts())
    return PreparedCall(list(messages), pseudonymizer, False, {})


@dataclass(frozen=True, slots=True)
class CallScope:
    """Whose data a call carries: the inbox's rules apply to it, and the audit log names it."""

    inbox_id: int | None
    conversation_id: Any
    privacy: PrivacySettings


class ProtectedEmbedder:
    """An embeddings provider seen through an inbox's rules, for embedding a customer's words
    (the knowledge search of a reply turn): the text is pseudonymised before it leaves when the
    provider is external, and what was sent is kept for the audit log.

    Placeholders do little harm to a search vector ("my card [CARD_1] was charged twice" is
    still about a double charge); the raw number would be a copy of the card in someone else's
    logs. Residency is checked by `protect_embedder` before this is built.
    """

    def __init__(self, inner: Embedder, privacy: PrivacySettings) -> None:
        self._inner = inner
        self._privacy = privacy
        self.redacted = must_redact(inner.info.hosting, redact_internal=privacy.redact_internal)
        self.sent: list[str] = []
        self.counts: dict[str, int] = {}
        self.outcome = ""

    @property
    def info(self) -> ProviderInfo:
        return self._inner.info

    @property
    def dimensions(self) -> int:
        return self._inner.dimensions

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        texts = list(texts)
        if self.redacted:
            pseudonymizer = Pseudonymizer(self._privacy.detector)
            texts = [pseudonymizer.redact(text) for text in texts]
            for kind, count in pseudonymizer.take_counts().items():
                self.counts[kind] = self.counts.get(kind, 0) + count
        self.sent.extend(texts)
        try:
            result = await self._inner.embed(texts)
        except BaseException as error:
            self.outcome = getattr(error, "kind", "") or type(error).__name__
            raise
        self.outcome = "ok"
        return result


def protect_embedder(
    embedder: Embedder | None, privacy: PrivacySettings
) -> ProtectedEmbedder | None:
    """The embedder under the inbox's rules, or None (search full-text only) when there is none
    or the inbox's residency list does not allow it."""
    if embedder is None:
        return None
    info = embedder.info
    try:
        check_residency(
            privacy.allowed_jurisdictions,
            info.jurisdiction,
            hosting=info.hosting,
            provider=info.name,
        )
    except ResidencyError:
        return None
    return ProtectedEmbedder(embedder, privacy)
