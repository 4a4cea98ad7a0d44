from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from assistant.chat.attachment_links import attachment_token
from assistant.chat.models import Attachment
from assistant.chat.reasons import label_for
from assistant.knowledge.rendering import render_markdown
from assistant.people import staff_name as _staff_name
from tickets.models import Ticket, TicketEvent

register = template.Library()


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, "")


@register.filter
def attachment_url(attachment: Attachment) -> str:
    """The desk's signed, expiring link to a file of a conversation (tickets/desk/attachments)."""
    return reverse("desk-attachment", kwargs={"token": attachment_token(attachment.pk)})


@register.filter
def as_mailed(text: str) -> SafeString:
    """A draft answer as the customer will read it: the HTML part of the mail
    (assistant/mail/outgoing.py renders it the same way; any HTML in the text is escaped)."""
    return render_markdown(text)


@register.filter
def staff_name(user: Any) -> str:
    """A colleague as the desk names them (assistant.people)."""
    return _staff_name(user)


@register.filter
def next_due(ticket: Ticket) -> datetime | None:
    """The earliest running SLA target of an open ticket, for the queue."""
    if not ticket.is_open:
        return None
    dues = [ticket.first_response_due_at, ticket.next_response_due_at, ticket.resolution_due_at]
    return min((due for due in dues if due is not None), default=None)


@register.filter
def is_past(moment: datetime) -> bool:
    return moment <= timezone.now()


@register.filter
def reason_label(reason: str) -> str:
    return label_for(reason)


def _value(kind: str, value: Any) -> str:
    if value in (None, "", []):
        return _("nobody") if kind == "assignee" else "—"
    if kind == "status":
        return str(Ticket.Status(value).label)
    if kind == "priority":
        return str(Ticket.Priority(value).label)
    if kind == "tags":
        return ", ".join(value)
    return str(value)


@register.filter
def describe_event(event: TicketEvent) -> str:
    """One readable line of the audit trail."""
    kind = event.kind
    if kind == "created":
        reason = (event.after or {}).get("reason")
        return _("created the ticket") + (f" ({label_for(reason)})" if reason else "")
    if kind in ("status", "priority", "tags", "subject"):
        return _("changed %(field)s: %(before)s → %(after)s") % {
            "field": kind,
            "before": _value(kind, event.before),
            "after": _value(kind, event.after),
        }
    if kind in ("assignee", "team"):
        return _("changed %(field)s") % {"field": kind}
    return {
        "note": _("added a private note"),
        "takeover": _("took over the conversation"),
        "handback": _("handed the conversation back to the assistant"),
        "reopened": _("reopened the ticket"),
    }.get(kind, kind)
