"""Business-hours arithmetic across nights, weekends, holidays and a daylight-saving change."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tickets.business_hours import (
    Calendar,
    add_business_minutes,
    business_minutes_between,
    is_open,
    next_opening,
)

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS_9_TO_17 = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def at(text: str, zone: ZoneInfo = BERLIN) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


@pytest.fixture
def office() -> Calendar:
    return Calendar.from_spec("Europe/Berlin", WEEKDAYS_9_TO_17, holidays=[date(2026, 12, 25)])


def test_minutes_within_one_day(office: Calendar) -> None:
    assert add_business_minutes(office, at("2026-11-24T10:00"), 90) == at("2026-11-24T11:30")


def test_the_night_is_skipped(office: Calendar) -> None:
    assert add_business_minutes(office, at("2026-11-24T16:30"), 60) == at("2026-11-25T09:30")


def test_the_weekend_is_skipped(office: Calendar) -> None:
    friday_late = at("2026-11-27T16:00")
    assert add_business_minutes(office, friday_late, 120) == at("2026-11-30T10:00")


def test_a_start_outside_hours_counts_from_the_next_opening(office: Calendar) -> None:
    saturday = at("2026-11-28T12:00")
    assert add_business_minutes(office, saturday, 30) == at("2026-11-30T09:30")
    assert not is_open(office, saturday)
    assert next_opening(office, saturday) == at("2026-11-30T09:00")


def test_holidays_are_skipped(office: Calendar) -> None:
    christmas_eve_late = at("2026-12-24T16:00")  # a Thursday; Friday the 25th is a holiday
    assert add_business_minutes(office, christmas_eve_late, 120) == at("2026-12-28T10:00")


def test_minutes_between_is_the_inverse_of_adding(office: Calendar) -> None:
    start = at("2026-11-26T15:10")
    for minutes in (1, 50, 480, 481, 2000):
        end = add_business_minutes(office, start, minutes)
        assert business_minutes_between(office, start, end) == pytest.approx(minutes)
    assert business_minutes_between(office, at("2026-11-28T00:00"), at("2026-11-29T23:00")) == 0


def test_daylight_saving_changes_do_not_shift_opening_hours() -> None:
    calendar = Calendar.from_spec("Europe/Berlin", {"mon": [["09:00", "17:00"]]})
    # Clocks went back on Sunday 25 October 2026; Monday still opens at 09:00 local time.
    due = add_business_minutes(calendar, at("2026-10-24T12:00"), 60)
    assert due == at("2026-10-26T10:00")
    assert due.utcoffset().total_seconds() == 3600


def test_around_the_clock_is_wall_time() -> None:
    calendar = Calendar.always_open()
    start = datetime(2026, 11, 28, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert add_business_minutes(calendar, start, 60) == datetime(
        2026, 11, 29, 0, 30, tzinfo=ZoneInfo("UTC")
    )


def test_a_calendar_that_never_opens_is_an_error() -> None:
    never = Calendar.from_spec("UTC", {})
    with pytest.raises(ValueError, match="no opening hours"):
        add_business_minutes(never, at("2026-11-24T10:00"), 10)
