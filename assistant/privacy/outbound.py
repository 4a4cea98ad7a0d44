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

from assistant.llm.types import Message

from .policy import PrivacySettings, ProviderLike, check_chain_residency, must_redact_chain
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
