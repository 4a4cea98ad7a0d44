"""Routing: which agent gets a ticket. The ticket's team, then the least-loaded agent online now
(a desk tab connected and their status online: tickets.online) under their capacity; if nobody
is, the ticket stays in the team's queue."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Q, QuerySet

from tickets import online
from tickets.models import Availability, Ticket


def agents_online(team_id: int) -> QuerySet[AbstractBaseUser]:
    """The team's agents who are at their desk now and said they are available."""
    return get_user_model().objects.filter(
        is_active=True,
        teams__id=team_id,
        profile__availability=Availability.ONLINE,
        pk__in=online.connected_agent_ids(),
    )


def least_loaded_agent(ticket: Ticket) -> AbstractBaseUser | None:
    if ticket.team_id is None:
        return None
    open_load = Count("tickets", filter=Q(tickets__status__in=Ticket.OPEN_STATUSES))
    candidates = (
        agents_online(ticket.team_id)
        .annotate(load=open_load)
        .order_by("load", "profile__last_seen_at", "pk")
    )
    for agent in candidates:
        if agent.load < agent.profile.capacity:
            return agent
    return None
