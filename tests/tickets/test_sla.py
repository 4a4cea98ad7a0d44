"""SLA clocks at a controlled clock: due times in business hours, pause, warnings, breaches."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests import factories
from tickets import services, sla
from tickets.models import BusinessCalendar, SLAClock, SLAPolicy, Ticket, TicketEvent

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")
FRIDAY_1630 = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)


@pytest.fixture
def ticket() -> Ticket:
    inbox = factories.make_inbox()
    team = factories.make_team("Support", inboxes=(inbox,))
    BusinessCalendar.objects.create(
        team=team,
        time_zone="UTC",
        weekly_hours={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    )
    SLAPolicy.objects.create(
        priority=Ticket.Priority.NORMAL,
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=8 * 60,
        warn_before_minutes=15,
    )
    ticket = factories.make_ticket(inbox=inbox)
    # Restart the clocks at a fixed moment: Friday 16:30, half an hour before closing.
    SLAClock.objects.filter(ticket=ticket).delete()
    sla.start_clocks(ticket, now=FRIDAY_1630)
    ticket.refresh_from_db()
    return ticket


def test_due_times_are_counted_in_business_hours(ticket: Ticket) -> None:
    assert ticket.first_response_due_at == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # Monday
    # Half an hour on Friday, seven and a half on Monday.
    assert ticket.resolution_due_at == datetime(2026, 11, 30, 16, 30, tzinfo=UTC)


def test_a_warning_then_a_breach_each_once(ticket: Ticket) -> None:
    assert sla.check(now=datetime(2026, 11, 30, 9, 10, tzinfo=UTC)) == {"warned": 0, "breached": 0}
    assert sla.check(now=datetime(2026, 11, 30, 9, 20, tzinfo=UTC)) == {"warned": 1, "breached": 0}
    assert sla.check(now=datetime(2026, 11, 30, 9, 25, tzinfo=UTC)) == {"warned": 0, "breached": 0}
    assert sla.check(now=datetime(2026, 11, 30, 9, 31, tzinfo=UTC)) == {"warned": 0, "breached": 1}
    assert sla.check(now=datetime(2026, 11, 30, 9, 45, tzinfo=UTC)) == {"warned": 0, "breached": 0}
    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.HIGH  # raised one level by the breach
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds.count("sla_warning") == 1 and kinds.count("sla_breach") == 1


def test_waiting_on_the_customer_pauses_the_clock(ticket: Ticket) -> None:
    monday_0915 = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    sla.pause(ticket, now=monday_0915)  # 15 business minutes were left
    ticket.refresh_from_db()
    assert ticket.first_response_due_at is None
    assert sla.check(now=monday_0915 + timedelta(days=3)) == {"warned": 0, "breached": 0}
    sla.resume(ticket, now=datetime(2026, 12, 3, 16, 50, tzinfo=UTC))
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == datetime(2026, 12, 4, 9, 5, tzinfo=UTC)


def test_a_reply_meets_the_first_response_target(ticket: Ticket) -> None:
    sla.agent_replied(ticket, now=datetime(2026, 11, 30, 9, 5, tzinfo=UTC))
    ticket.refresh_from_db()
    assert ticket.first_response_due_at is None
    assert sla.check(now=datetime(2026, 11, 30, 12, 0, tzinfo=UTC))["breached"] == 0
    sla.customer_wrote(ticket, now=datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    ticket.refresh_from_db()
    assert ticket.next_response_due_at == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_solving_stops_every_clock(ticket: Ticket) -> None:
    services.ticket_update(ticket=ticket, by=None, status=Ticket.Status.SOLVED)
    assert not SLAClock.objects.filter(ticket=ticket, met_at__isnull=True).exists()


def test_the_desk_shows_the_time_left(ticket: Ticket, client) -> None:
    from django.utils import timezone

    agent = factories.make_agent("sla-agent", teams=(ticket.team,))
    SLAClock.objects.filter(ticket=ticket).update(due_at=timezone.now() + timedelta(hours=2))
    sla.sync_ticket(ticket)
    client.force_login(agent)
    html = client.get("/desk/q/unassigned/").content.decode()
    assert 'data-testid="sla"' in html and "due in" in html
    SLAClock.objects.filter(ticket=ticket).update(due_at=timezone.now() - timedelta(hours=1))
    sla.sync_ticket(ticket)
    html = client.get("/desk/q/unassigned/").content.decode()
    assert "overdue" in html
