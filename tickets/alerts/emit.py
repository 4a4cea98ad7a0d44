"""The one place alerts start from: assignment (tickets.services, tickets.escalation), a
customer's message (the chat side's signal, heard in tickets/receivers.py) and an SLA warning
(tickets.sla) all call a function here.

An alert goes, after the change commits, to every desk tab of the agent (the channel-layer
group ``desk.agent.<id>``, which each desk socket joins), where desk.js shows the browser
notification, plays the sound and updates the title's count; and, for the kinds in
``MAILED_KINDS``, to a Celery task that e-mails the agent if no desk tab of theirs is open
(tickets.alerts.mail). A kind the agent turned off goes nowhere.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from channels.layers import get_channel_layer
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from assistant import outbox
from assistant.chat import events
from tickets.alerts.links import link_to
from tickets.alerts.models import MAILED_KINDS, Kind
from tickets.alerts.preferences import preferences_of
from tickets.alerts.tasks import mail_agent
from tickets.models import Ticket


def agent_group(user_id: int) -> str:
    """Every desk tab of one agent."""
    return f"desk.agent.{user_id}"


@dataclass(frozen=True)
class Alert:
    kind: Kind
    ticket: Ticket
    agent_id: int
    # The SLA target about to be missed (SLAClock.Target), for an SLA warning.
    target: str = ""


def assigned(
    *, ticket: Ticket, agent: AbstractBaseUser | None, by: AbstractBaseUser | None
) -> None:
    """The ticket was given to ``agent`` (by routing when ``by`` is None). Taking a ticket
    oneself is no news to oneself."""
    if agent is None or (by is not None and by.pk == agent.pk):
        return
    _emit(Alert(Kind.ASSIGNED, ticket, agent.pk))


def customer_wrote(*, ticket: Ticket) -> None:
    if ticket.assignee_id is not None:
        _emit(Alert(Kind.CUSTOMER_MESSAGE, ticket, ticket.assignee_id))


def sla_warning(*, ticket: Ticket, target: str) -> None:
    if ticket.assignee_id is not None:
        _emit(Alert(Kind.SLA_WARNING, ticket, ticket.assignee_id, target))


def payload(alert: Alert) -> dict[str, Any]:
    """What a desk tab receives. Only ids, the ticket's subject and a link: desk.js words the
    notification in the language the page was rendered in."""
    ticket = alert.ticket
    return {
        "type": "alert",
        "kind": str(alert.kind),
        "ticket_id": ticket.pk,
        "conversation_id": str(ticket.conversation_id) if ticket.conversation_id else None,
        "subject": ticket.subject,
        "target": alert.target,
        "url": link_to(ticket),
    }


def _emit(alert: Alert) -> None:
    preferences = preferences_of(alert.agent_id)
    if not preferences.wants(alert.kind):
        return
    text = events.encode(payload(alert))
    send = functools.partial(
        get_channel_layer().group_send,
        agent_group(alert.agent_id),
        {"type": events.FORWARD, "text": text},
    )
    # Announced after commit, like every desk event: never an alert for a change rolled back.
    transaction.on_commit(lambda: outbox.announce(send))
    if alert.kind in MAILED_KINDS and preferences.email_when_away:
        # The task decides whether the agent is away when it runs (a tab may open meanwhile).
        transaction.on_commit(
            lambda: mail_agent.delay(alert.agent_id, alert.ticket.pk, str(alert.kind), alert.target)
        )
