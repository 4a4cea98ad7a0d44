"""Reading an inbox's privacy settings, writing the outbound-call audit log, exporting it.

Synchronous Django code: from the async reply turn, wrap calls in assistant.db_async.db_async.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.db.models import QuerySet

from assistant.llm.types import CallResult, Message, ProviderInfo

from .models import InboxPrivacy, OutboundCallAudit
from .outbound import CallScope, PreparedCall, ProtectedEmbedder
from .payload import canonical_payload, payload_sha256
from .policy import AuditPayloadMode, PrivacySettings
from .pseudonymize import Pseudonymizer


def privacy_settings_for(inbox_id: int) -> PrivacySettings:
    """The inbox's settings, or the defaults when it has none stored."""
    row = InboxPrivacy.objects.filter(inbox_id=inbox_id).first()
    return row.settings() if row is not None else PrivacySettings()


def turn_rules(
    *, inbox_id: int, allowed_origins: Sequence[str]
) -> tuple[PrivacySettings, tuple[str, ...]]:
    """The inbox's privacy settings and the hosts the assistant may link to (`link_domains`), in
    one query: the reply turn needs both for every answer."""
    row = InboxPrivacy.objects.filter(inbox_id=inbox_id).first()
    return turn_rules_of(row, allowed_origins=allowed_origins)


def turn_rules_of(
    row: InboxPrivacy | None, *, allowed_origins: Sequence[str]
) -> tuple[PrivacySettings, tuple[str, ...]]:
    """`turn_rules` from an inbox's settings row already read (the reply turn reads it with
    the rest of its context, in one query); None: the inbox has none, the defaults apply."""
    if row is None:
        return PrivacySettings(), link_domains(allowed_origins, ())
    return row.settings(), link_domains(allowed_origins, row.link_domains or ())


def link_domains(origins: Sequence[str], configured: Sequence[str]) -> tuple[str, ...]:
    """Hosts the assistant may link to: the inbox's list plus the sites that embed the widget."""
    hosts = [urlsplit(origin).hostname or "" for origin in origins]
    return tuple(dict.fromkeys(h for h in (*configured, *hosts) if h))


def record_outbound_call(
    *,
    inbox_id: int | None,
    conversation_id: Any,
    provider_info: ProviderInfo,
    purpose: str,
    messages_sent: Sequence[Message],
    counts: Mapping[str, int],
    mode: AuditPayloadMode,
    redacted: bool = True,
    outcome: str = "",
    model: str | None = None,
) -> OutboundCallAudit:
    """Log one call to one provider. `messages_sent` is exactly what the provider received.

    The payload text is kept only in "redacted" mode and only when it was redacted: a call to
    an exempt self-hosted model carries raw personal data, and the audit log must not become a
    second copy of it.
    """
    row = outbound_call_row(
        inbox_id=inbox_id,
        conversation_id=conversation_id,
        provider_info=provider_info,
        purpose=purpose,
        messages_sent=messages_sent,
        counts=counts,
        mode=mode,
        redacted=redacted,
        outcome=outcome,
        model=model,
    )
    row.save(force_insert=True)
    return row


def outbound_call_row(
    *,
    inbox_id: int | None,
    conversation_id: Any,
    provider_info: ProviderInfo,
    purpose: str,
    messages_sent: Sequence[Message],
    counts: Mapping[str, int],
    mode: AuditPayloadMode,
    redacted: bool = True,
    outcome: str = "",
    model: str | None = None,
) -> OutboundCallAudit:
    """`record_outbound_call`'s row, not yet saved (the audited call saves a call's rows
    together: assistant.calls)."""
    payload = canonical_payload(messages_sent)
    return OutboundCallAudit(
        inbox_id=inbox_id,
        conversation_id=conversation_id,
        provider=provider_info.name,
        jurisdiction=provider_info.jurisdiction,
        hosting=provider_info.hosting,
        model=model or provider_info.model,
        purpose=purpose,
        outcome=outcome,
        redacted=redacted,
        payload_sha256=payload_sha256(messages_sent),
        payload_chars=len(payload),
        redacted_payload=payload if (mode == "redacted" and redacted) else "",
        redaction_counts={kind: int(n) for kind, n in counts.items() if n},
    )


def call_result_rows(
    *,
    inbox_id: int | None,
    conversation_id: Any,
    result: CallResult | None,
    chain: Sequence[ProviderInfo],
    purpose: str,
    messages_sent: Sequence[Message],
    counts: Mapping[str, int],
    mode: AuditPayloadMode,
    redacted: bool = True,
) -> list[OutboundCallAudit]:
    """The audit rows of every provider a routed call actually tried (skipped ones sent
    nothing), not yet saved.

    Without a result (the call was cancelled before the router reported one) the first
    provider of the chain is logged: it may have received the payload, and the audit log errs
    on the side of recording.
    """
    by_name = {info.name: info for info in chain}
    if result is None:
        tried: list[tuple[ProviderInfo, str, str]] = [(chain[0], chain[0].model, "cancelled")]
    else:
        tried = [
            (by_name[a.provider], a.model, a.outcome)
            for a in result.attempts
            if a.outcome != "skipped" and a.provider in by_name
        ]
    return [
        outbound_call_row(
            inbox_id=inbox_id,
            conversation_id=conversation_id,
            provider_info=info,
            purpose=purpose,
            messages_sent=messages_sent,
            counts=counts,
            mode=mode,
            redacted=redacted,
            outcome=outcome,
            model=model,
        )
        for info, model, outcome in tried
    ]


def record_call_result(**call: Any) -> list[OutboundCallAudit]:
    """Log every provider a routed call actually tried (`call_result_rows`, saved)."""
    rows = call_result_rows(**call)
    for row in rows:
        row.save(force_insert=True)
    return rows


def prepared_call_rows(
    *,
    scope: CallScope,
    result: CallResult | None,
    chain: Sequence[ProviderInfo],
    purpose: str,
    prepared: PreparedCall,
) -> list[OutboundCallAudit]:
    """`call_result_rows` for a call made with `prepare_call` on behalf of `scope`."""
    return call_result_rows(
        inbox_id=scope.inbox_id,
        conversation_id=scope.conversation_id,
        result=result,
        chain=chain,
        purpose=purpose,
        messages_sent=prepared.messages,
        counts=prepared.counts,
        mode=scope.privacy.audit_payload_mode,
        redacted=prepared.redacted,
    )


def record_embedding_call(
    *, scope: CallScope, embedder: ProtectedEmbedder
) -> OutboundCallAudit | None:
    """Log what a ProtectedEmbedder sent (nothing if the search never asked it)."""
    if not embedder.sent:
        return None
    return record_outbound_call(
        inbox_id=scope.inbox_id,
        conversation_id=scope.conversation_id,
        provider_info=embedder.info,
        purpose="embeddings",
        messages_sent=[Message(role="user", content=text) for text in embedder.sent],
        counts=embedder.counts,
        mode=scope.privacy.audit_payload_mode,
        redacted=embedder.redacted,
        outcome=embedder.outcome,
    )


def record_action_call(
    *, scope: CallScope, action_name: str, sent: Sequence[Message], outcome: str
) -> OutboundCallAudit:
    """Log one call of an action to the company's own endpoint (assistant/actions) beside the
    model calls. The request and the endpoint's answer are the customer's own case, so what is
    kept is always pseudonymised first, whatever the endpoint's hosting."""
    pseudonymizer = Pseudonymizer(scope.privacy.detector)
    redacted = pseudonymizer.redact_messages(sent)
    payload = canonical_payload(redacted)
    return OutboundCallAudit.objects.create(
        inbox_id=scope.inbox_id,
        conversation_id=scope.conversation_id,
        provider=f"action:{action_name}"[:64],
        hosting="company",
        model=action_name[:128],
        purpose="action",
        outcome=outcome[:32],
        redacted=True,
        payload_sha256=payload_sha256(redacted),
        payload_chars=len(payload),
        redacted_payload=payload if scope.privacy.audit_payload_mode == "redacted" else "",
        redaction_counts={k: int(n) for k, n in pseudonymizer.take_counts().items() if n},
    )


# --- reading and exporting ----------------------------------------------------------------------


def outbound_calls(
    *,
    inbox_id: int | None = None,
    provider: str | None = None,
    jurisdiction: str | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> QuerySet[OutboundCallAudit]:
    rows = OutboundCallAudit.objects.all()
    if inbox_id is not None:
        rows = rows.filter(inbox_id=inbox_id)
    if provider:
        rows = rows.filter(provider=provider)
    if jurisdiction:
        rows = rows.filter(jurisdiction=jurisdiction)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    return rows


CSV_COLUMNS = (
    "time", "inbox_id", "inbox", "conversation_id", "provider", "jurisdiction", "hosting",
    "model", "purpose", "outcome", "redacted", "payload_sha256", "payload_chars",
    "redaction_counts", "redacted_payload",
)  # fmt: skip


class _Echo:
    """A file-like object whose write returns the line: csv.writer into a streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[OutboundCallAudit]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for row in rows:
        counts = ";".join(f"{k}={v}" for k, v in sorted((row.redaction_counts or {}).items()))
        yield writer.writerow(
            [
                _cell(value)
                for value in (
                    row.created_at.isoformat(),
                    row.inbox_id or "",
                    row.inbox.name if row.inbox_id and row.inbox else "",
                    row.conversation_id or "",
                    row.provider,
                    row.jurisdiction,
                    row.hosting,
                    row.model,
                    row.purpose,
                    row.outcome,
                    "yes" if row.redacted else "no",
                    row.payload_sha256,
                    row.payload_chars,
                    counts,
                    row.redacted_payload,
                )
            ]
        )


def _cell(value: object) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; the payload is customer text."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
