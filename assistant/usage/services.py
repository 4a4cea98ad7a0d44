"""Writing the ModelCall rows. Only the audited call (assistant.calls) writes them, one per call,
in the same transaction as the call's outbound-call audit.

A call's tokens also count against its conversation's budget, which chat keeps on the
conversation. This layer sits below chat and does not import it: chat registers how tokens are
counted (`count_tokens_with`, from its app's ``ready``), as the apps above register their data
holders with compliance.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.llm.types import CallResult
from assistant.usage.models import ModelCall

TokenCounter = Callable[[uuid.UUID, int], None]

_count_tokens: TokenCounter | None = None


def count_tokens_with(counter: TokenCounter) -> None:
    """Register how a conversation's tokens are counted (chat does, at start-up)."""
    global _count_tokens
    _count_tokens = counter


@dataclass(frozen=True)
class Settled:
    """What the caller made of a call's output, stored with the call: the message it became,
    what the output checks did with it (assistant/privacy/guardrails.py), and whether the
    caller already counted its tokens (in the UPDATE that stored the message)."""

    message_id: int | None = None
    guardrail: str = ""
    guardrail_findings: Sequence[str] = ()
    tokens_counted: bool = False


NOTHING_SETTLED = Settled()


def count_call_tokens(
    result: CallResult, *, conversation_id: uuid.UUID | None, settled: Settled
) -> None:
    """Count the call's tokens against its conversation's budget, unless the caller did."""
    if conversation_id is not None and not settled.tokens_counted and _count_tokens is not None:
        _count_tokens(conversation_id, result.input_tokens + result.output_tokens)


def model_call_row(
    result: CallResult,
    *,
    purpose: str,
    inbox_id: int | None,
    conversation_id: uuid.UUID | None,
    settled: Settled = NOTHING_SETTLED,
) -> ModelCall:
    """The call's ModelCall row, not yet saved (the audited call saves it with the call's audit
    rows, in one statement)."""
    return ModelCall(
        inbox_id=inbox_id,
        conversation_id=conversation_id,
        message_id=settled.message_id,
        purpose=purpose,
        provider=result.provider,
        model=result.model,
        hosting=result.hosting,
        jurisdiction=result.jurisdiction,
        region=result.region,
        input_tokens=result.input_tokens,
        output_tokens=result.output_tokens,
        cached_input_tokens=result.cached_input_tokens,
        cost=result.cost,
        currency=result.currency or "",
        time_to_first_token_ms=(
            result.time_to_first_token * 1000 if result.time_to_first_token is not None else None
        ),
        duration_ms=result.duration * 1000,
        outcome=result.outcome,
        fallback_used=result.fallback_used,
        error_kind=result.error_kind,
        guardrail=settled.guardrail,
        guardrail_findings=list(settled.guardrail_findings),
    )
