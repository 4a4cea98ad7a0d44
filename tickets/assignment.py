"""Routing: which agent gets a ticket. The ticket's team, then the least-loaded online agent
under their capacity; if nobody is free the ticket stays in the team's queue."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Q

from tickets.models import Availability, Ticket


def least_loaded_agent(ticket: Ticket) -> AbstractBaseUser | None:
    if ticket.team_id is None:
        return None
    open_load = Count("tickets", filter=Q(tickets__status__in=Ticket.OPEN_STATUSES))
    candidates = (
        get_user_model()
        .objects.filter(
            is_active=True,
            teams__id=ticket.team_id,
            profile__availability=Availability.ONLINE,
        )
        .annotate(load=open_load)
        .order_by("load", "profile__last_seen_at", "pk")
    )
    for agent in candidates:
        if agent.load < agent.profile.capacity:
            return agent
    return None
