"""SLA clocks: when each target of a ticket is due, paused while waiting on the customer, and
the beat task that warns before a breach and marks breaches.

All times are counted in the team's business hours (tickets/business_hours.py). Every function
takes ``now`` so tests (and a replayed beat run) control the clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from assistant.chat import events
from tickets.alerts import emit as alerts
from tickets.business_hours import Calendar, add_business_minutes, business_minutes_between
from tickets.models import BusinessCalendar, SLAClock, SLAPolicy, Ticket, TicketEvent

Target = SLAClock.Target


def calendar_for(ticket: Ticket) -> Calendar:
    """The team's calendar; a ticket without one is counted around the clock."""
    return team_calendar(ticket.team_id)


def team_calendar(team_id: int | None) -> Calendar:
    """The team's business hours and holidays; a team without a calendar works around the
    clock."""
    model = BusinessCalendar.objects.filter(team_id=team_id).prefetch_related("holidays").first()
    if model is None:
        return Calendar.always_open()
    return Calendar.from_spec(
        model.time_zone, model.weekly_hours, [h.date for h in model.holidays.all()]
    )


def policy_for(ticket: Ticket) -> SLAPolicy | None:
    """The team's own policy for this priority, else the one for all teams."""
    policies = SLAPolicy.objects.filter(priority=ticket.priority)
    if ticket.team_id is not None:
        own = policies.filter(team_id=ticket.team_id).first()
        if own is not None:
            return own
    return policies.filter(team__isnull=True).first()


def _minutes(policy: SLAPolicy, target: str) -> int:
    return {
        Target.FIRST_RESPONSE: policy.first_response_minutes,
        Target.NEXT_RESPONSE: policy.next_response_minutes,
        Target.RESOLUTION: policy.resolution_minutes,
    }[target]


def sync_ticket(ticket: Ticket) -> None:
    """Copy the running clocks' due times onto the ticket, for queues and the desk panel."""
    due = {clock.target: clock.due_at for clock in ticket.sla_clocks.filter(met_at__isnull=True)}
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due_at=due.get(Target.FIRST_RESPONSE),
        next_response_due_at=due.get(Target.NEXT_RESPONSE),
        resolution_due_at=due.get(Target.RESOLUTION),
    )


def _start(
    ticket: Ticket, target: str, now: datetime, policy: SLAPolicy, calendar: Calendar
) -> None:
    due = add_business_minutes(calendar, now, _minutes(policy, target))
    SLAClock.objects.update_or_create(
        ticket=ticket,
        target=target,
        defaults={
            "due_at": due,
            "paused_remaining_minutes": None,
            "warned_at": None,
            "breached_at": None,
            "met_at": None,
        },
    )


@transaction.atomic
def start_clocks(ticket: Ticket, *, now: datetime) -> None:
    """A new (or reopened) ticket: first response and resolution start counting."""
    policy = policy_for(ticket)
    if policy is None:
        return
    calendar = calendar_for(ticket)
    for target in (Target.FIRST_RESPONSE, Target.RESOLUTION):
        if not SLAClock.objects.filter(ticket=ticket, target=target, met_at__isnull=True).exists():
            _start(ticket, target, now, policy, calendar)
    sync_ticket(ticket)


@transaction.atomic
def customer_wrote(ticket: Ticket, *, now: datetime) -> None:
    """After an agent answered, the customer's next message starts the next-response clock."""
    policy = policy_for(ticket)
    answered = SLAClock.objects.filter(
        ticket=ticket, target=Target.FIRST_RESPONSE, met_at__isnull=False
    ).exists()
    running = SLAClock.objects.filter(
        ticket=ticket, target=Target.NEXT_RESPONSE, met_at__isnull=True
    ).exists()
    if policy is None or not answered or running:
        return
    _start(ticket, Target.NEXT_RESPONSE, now, policy, calendar_for(ticket))
    sync_ticket(ticket)


@transaction.atomic
def agent_replied(ticket: Ticket, *, now: datetime) -> None:
    SLAClock.objects.filter(
        ticket=ticket, target__in=(Target.FIRST_RESPONSE, Target.NEXT_RESPONSE), met_at__isnull=True
    ).update(met_at=now)
    sync_ticket(ticket)


@transaction.atomic
def ticket_solved(ticket: Ticket, *, now: datetime) -> None:
    SLAClock.objects.filter(ticket=ticket, met_at__isnull=True).update(met_at=now)
    sync_ticket(ticket)


@transaction.atomic
def pause(ticket: Ticket, *, now: datetime) -> None:
    """Waiting on the customer: the clocks stop, keeping the business minutes they had left."""
    calendar = calendar_for(ticket)
    for clock in SLAClock.objects.select_for_update().filter(
        ticket=ticket, met_at__isnull=True, due_at__isnull=False
    ):
        clock.paused_remaining_minutes = business_minutes_between(calendar, now, clock.due_at)
        clock.due_at = None
        clock.save(update_fields=["paused_remaining_minutes", "due_at"])
    sync_ticket(ticket)


@transaction.atomic
def resume(ticket: Ticket, *, now: datetime) -> None:
    calendar = calendar_for(ticket)
    for clock in SLAClock.objects.select_for_update().filter(
        ticket=ticket, met_at__isnull=True, due_at__isnull=True
    ):
        remaining = clock.paused_remaining_minutes or 0.0
        clock.due_at = add_business_minutes(calendar, now, remaining) if remaining > 0 else now
        clock.paused_remaining_minutes = None
        clock.save(update_fields=["paused_remaining_minutes", "due_at"])
    sync_ticket(ticket)


def announce_sla(ticket: Ticket, kind: str, target: str) -> None:
    """Tell the desks that a ticket is about to breach, or breached, an SLA target."""
    event = {
        "type": "ticket",
        "ticket_id": ticket.pk,
        "conversation_id": str(ticket.conversation_id) if ticket.conversation_id else None,
        "change": kind,
        "target": target,
        "status": ticket.status,
        "assignee": ticket.assignee_id,
    }
    events.publish_to_desks_on_commit(
        conversation_id=ticket.conversation_id, inbox_id=ticket.inbox_id, event=event
    )


def check(*, now: datetime) -> dict[str, int]:
    """Warn before breaches and mark breaches; each at most once per clock (safe to re-run)."""
    counts = {"warned": 0, "breached": 0}
    running = SLAClock.objects.filter(
        met_at__isnull=True, due_at__isnull=False, breached_at__isnull=True
    )
    for clock in running.filter(due_at__lte=now).select_related("ticket"):
        with transaction.atomic():
            # The conditional update claims the breach: a concurrent beat run finds nothing.
            if not SLAClock.objects.filter(pk=clock.pk, breached_at__isnull=True).update(
                breached_at=now
            ):
                continue
            ticket = clock.ticket
            TicketEvent.objects.create(
                ticket=ticket, kind="sla_breach", after={"target": clock.target}
            )
            if ticket.priority < Ticket.Priority.URGENT:
                before = ticket.priority
                Ticket.objects.filter(pk=ticket.pk).update(priority=before + 1)
                TicketEvent.objects.create(
                    ticket=ticket, kind="priority", before=before, after=before + 1
                )
                ticket.priority = before + 1
            announce_sla(ticket, "sla_breach", clock.target)
            counts["breached"] += 1
    for clock in running.filter(due_at__gt=now, warned_at__isnull=True).select_related("ticket"):
        policy = policy_for(clock.ticket)
        warn = timedelta(minutes=policy.warn_before_minutes if policy else 15)
        if clock.due_at - warn > now:
            continue
        with transaction.atomic():
            if not SLAClock.objects.filter(pk=clock.pk, warned_at__isnull=True).update(
                warned_at=now
            ):
                continue
            TicketEvent.objects.create(
                ticket=clock.ticket, kind="sla_warning", after={"target": clock.target}
            )
            announce_sla(clock.ticket, "sla_warning", clock.target)
            alerts.sla_warning(ticket=clock.ticket, target=clock.target)
            counts["warned"] += 1
    return counts
