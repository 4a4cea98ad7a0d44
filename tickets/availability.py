"""The team behind an inbox, now: business hours, who is at the desk, the usual wait.

Registered with `assistant.chat.availability` at start-up (tickets/apps.py): chat asks through
that hook, because it may not import this app.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from django.utils import timezone

from assistant.chat.availability import TeamStatus
from assistant.chat.models import Conversation
from assistant.people import public_name
from tickets import assignment, sla
from tickets.business_hours import is_open, next_opening
from tickets.models import BusinessCalendar, Team

DEFAULT_WAIT = timedelta(minutes=5)
MAX_MEMBERS_SHOWN = 5


def usual_wait(inbox_id: int) -> timedelta:
    """The median time to a human's first reply over the inbox's recent handoffs."""
    recent = (
        Conversation.objects.filter(
            inbox_id=inbox_id, handoff_at__isnull=False, first_human_response_at__isnull=False
        )
        .order_by("-handoff_at")
        .values_list("handoff_at", "first_human_response_at")[:50]
    )
    waits = [answered - handed for handed, answered in recent if answered >= handed]
    return statistics.median(waits) if waits else DEFAULT_WAIT


def _minutes(wait: timedelta) -> int:
    return max(1, round(wait.total_seconds() / 60))


def status_of(team: Team | None, *, inbox_id: int, now: datetime | None = None) -> TeamStatus:
    if team is None:
        return TeamStatus(wait_minutes=_minutes(usual_wait(inbox_id)))
    now = now or timezone.now()
    calendar = sla.team_calendar(team.pk)
    open_now = is_open(calendar, now)
    members = team.members.filter(is_active=True).order_by("first_name", "pk")
    zone = BusinessCalendar.objects.filter(team=team).values_list("time_zone", flat=True).first()
    return TeamStatus(
        members=tuple(public_name(user) for user in members[:MAX_MEMBERS_SHOWN]),
        open_now=open_now,
        someone_online=open_now and assignment.agents_online(team.pk).exists(),
        wait_minutes=_minutes(usual_wait(inbox_id)),
        back_at=None if open_now else next_opening(calendar, now),
        time_zone=zone or "UTC",
        as_of=now,
    )


def inbox_status(inbox_id: int) -> TeamStatus:
    """The status of the inbox's team (the first, as routing's default team: tickets.services)."""
    team = Team.objects.filter(inboxes__id=inbox_id).order_by("pk").first()
    return status_of(team, inbox_id=inbox_id)
