"""Where an alert takes the agent."""

from __future__ import annotations

from django.urls import reverse

from tickets.models import Ticket


def link_to(ticket: Ticket) -> str:
    """The desk page of the ticket's conversation (or of the ticket, without one)."""
    if ticket.conversation_id is not None:
        return reverse("desk-conversation", args=[ticket.conversation_id])
    return reverse("desk-ticket", args=[ticket.pk])
