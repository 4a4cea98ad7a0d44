"""Hand-built history for the analytics tests: conversations with exact timestamps.

The product stamps rows with the current time (auto_now_add); analytics is about the past, so
these helpers write rows and then set their timestamps with UPDATE, as history would have left
them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from assistant.chat.models import Contact, Conversation, Inbox, Message
from assistant.usage.models import ModelCall
from tickets.models import Ticket, TicketEvent

_seq = itertools.count(1)


@dataclass
class Call:
    at: float = 1.0  # seconds after the conversation started
    purpose: str = "reply"
    provider: str = "qwen"
    model: str = "qwen-plus"
    input_tokens: int = 100
    output_tokens: int = 50
    cost: Decimal | None = Decimal("0.001")
    currency: str = "USD"
    ttft_ms: float | None = 400.0
    duration_ms: float = 1200.0
    outcome: str = "ok"
    fallback_used: bool = False


@dataclass
class Spec:
    """One conversation. Offsets are seconds after `start`."""

    start: datetime
    messages: list[tuple[float, str]] = field(default_factory=lambda: [(0, "customer")])
    handoff: float | None = None
    reason: str = ""
    resolved: float | None = None
    csat: int | None = None
    language: str = "en"
    channel: str = "chat"
    subject: str = ""
    topic: str = ""
    route: str = "reply"
    agent: Any = None
    team: Any = None
    calls: list[Call] = field(default_factory=list)
    ticket_events: list[tuple[str, float]] = field(default_factory=list)
    contact: Contact | None = None
    ticket: bool = False


def make_contact(inbox: Inbox) -> Contact:
    return Contact.objects.create(inbox=inbox, name=f"Customer {next(_seq)}")


def build(inbox: Inbox, spec: Spec) -> Conversation:
    contact = spec.contact or make_contact(inbox)
    at = lambda offset: spec.start + timedelta(seconds=offset)  # noqa: E731
    conversation = Conversation.objects.create(
        inbox=inbox,
        contact=contact,
        language=spec.language,
        channel=spec.channel,
        subject=spec.subject,
        topic=spec.topic,
        model_route=spec.route,
        state=Conversation.State.RESOLVED if spec.resolved is not None else Conversation.State.BOT,
        handoff_reason=spec.reason,
        csat_score=spec.csat,
        assigned_agent=spec.agent,
    )
    first_assistant = first_agent = None
    for seq, (offset, kind) in enumerate(sorted(spec.messages), start=1):
        message = Message.objects.create(
            conversation=conversation,
            seq=seq,
            author_kind=kind,
            author_user=spec.agent if kind == "agent" else None,
            text=f"{kind} {seq}",
        )
        Message.objects.filter(pk=message.pk).update(created_at=at(offset))
        if kind == "assistant" and first_assistant is None:
            first_assistant = at(offset)
        if kind == "agent" and first_agent is None:
            first_agent = at(offset)
    firsts = [t for t in (first_assistant, first_agent) if t is not None]
    Conversation.objects.filter(pk=conversation.pk).update(
        created_at=spec.start,
        updated_at=at(max([0, *(o for o, _ in spec.messages)])),
        last_seq=len(spec.messages),
        handoff_at=at(spec.handoff) if spec.handoff is not None else None,
        resolved_at=at(spec.resolved) if spec.resolved is not None else None,
        first_response_at=min(firsts) if firsts else None,
        first_human_response_at=first_agent,
    )
    for call in spec.calls:
        row = ModelCall.objects.create(
            inbox=inbox,
            conversation=conversation,
            purpose=call.purpose,
            provider=call.provider,
            model=call.model,
            input_tokens=call.input_tokens,
            output_tokens=call.output_tokens,
            cost=call.cost,
            currency=call.currency,
            time_to_first_token_ms=call.ttft_ms,
            duration_ms=call.duration_ms,
            outcome=call.outcome,
            fallback_used=call.fallback_used,
        )
        ModelCall.objects.filter(pk=row.pk).update(created_at=at(call.at))
    if spec.ticket or spec.team is not None or spec.ticket_events:
        ticket = Ticket.objects.create(
            inbox=inbox,
            contact=contact,
            conversation=conversation,
            subject="Help",
            team=spec.team,
            assignee=spec.agent,
        )
        Ticket.objects.filter(pk=ticket.pk).update(created_at=spec.start, updated_at=spec.start)
        for kind, offset in spec.ticket_events:
            event = TicketEvent.objects.create(ticket=ticket, kind=kind)
            TicketEvent.objects.filter(pk=event.pk).update(created_at=at(offset))
    conversation.refresh_from_db()
    return conversation
