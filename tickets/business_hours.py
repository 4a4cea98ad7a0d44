"""Business-hours arithmetic: plain functions over a calendar, no database.

A calendar has weekly opening intervals in its own time zone and a set of holidays. Times are
aware datetimes; intervals are built in the calendar's zone (so daylight-saving changes are
right) and compared as instants.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A calendar with no opening hours at all would make "add 60 business minutes" loop forever.
MAX_DAYS_SEARCHED = 3 * 366


def _parse(value: str) -> time | None:
    """ "HH:MM"; "24:00" means the end of the day (returned as None)."""
    if value == "24:00":
        return None
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    # weekday (0 = Monday) -> opening intervals as (start, end); end None = midnight.
    weekly: Mapping[int, Sequence[tuple[time, time | None]]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def always_open(cls) -> Calendar:
        return cls(ZoneInfo("UTC"), {day: [(time(0), None)] for day in range(7)})

    @classmethod
    def from_spec(cls, time_zone: str, weekly_hours: Mapping[str, Sequence[Sequence[str]]],
                  holidays: Sequence[date] = ()) -> Calendar:  # fmt: skip
        weekly: dict[int, list[tuple[time, time | None]]] = {}
        for index, key in enumerate(DAY_KEYS):
            intervals = []
            for start, end in weekly_hours.get(key, ()):
                opening = _parse(start)
                if opening is None:
                    raise ValueError(f"{key}: an interval cannot start at 24:00")
                intervals.append((opening, _parse(end)))
            weekly[index] = sorted(intervals)
        return cls(ZoneInfo(time_zone), weekly, frozenset(holidays))

    def intervals_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Opening intervals (as aware datetimes) that end after ``moment``, in order."""
        day = moment.astimezone(self.zone).date()
        for offset in range(MAX_DAYS_SEARCHED):
            current = day + timedelta(days=offset)
            if current in self.holidays:
                continue
            for start, end in self.weekly.get(current.weekday(), ()):
                opens = datetime.combine(current, start, tzinfo=self.zone)
                closes = (
                    datetime.combine(current + timedelta(days=1), time(0), tzinfo=self.zone)
                    if end is None
                    else datetime.combine(current, end, tzinfo=self.zone)
                )
                if closes > moment:
                    yield max(opens, moment), closes
        raise ValueError("the calendar has no opening hours in the next three years")


def is_open(calendar: Calendar, moment: datetime) -> bool:
    opens, _closes = next(calendar.intervals_from(moment))
    return opens <= moment


def next_opening(calendar: Calendar, moment: datetime) -> datetime:
    opens, _closes = next(calendar.intervals_from(moment))
    return max(opens, moment)


def add_business_minutes(calendar: Calendar, start: datetime, minutes: float) -> datetime:
    """The instant after ``minutes`` of opening time have passed from ``start``."""
    remaining = timedelta(minutes=minutes)
    for opens, closes in calendar.intervals_from(start):
        available = closes - opens
        if remaining <= available:
            return opens + remaining
        remaining -= available
    raise AssertionError("unreachable: intervals_from raises first")


def business_minutes_between(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Opening minutes in [start, end); negative when end is before start."""
    if end < start:
        return -business_minutes_between(calendar, end, start)
    total = timedelta()
    for opens, closes in calendar.intervals_from(start):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return total.total_seconds() / 60
