"""The calendar buckets of a chart (local hours, days, weeks or months of the range), their
labels and drill links, and the sums of the groups that fall in one bucket."""

from __future__ import annotations

import zoneinfo
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from analytics.forms import Selection
from analytics.pages.base import drill_url
from analytics.sources import Group


def _month_after(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _next(day: date, unit: str) -> date:
    if unit == "day":
        return day + timedelta(days=1)
    if unit == "week":
        return day + timedelta(days=7)
    return _month_after(day)


def buckets(selection: Selection) -> list[datetime]:
    """Every local bucket start of the range, so empty ones show as zero."""
    unit = selection.unit
    if unit == "hour":
        tz = zoneinfo.ZoneInfo(selection.scope.tz)
        seen: dict[datetime, None] = {}
        moment = selection.scope.start
        while moment < selection.scope.end:
            local = moment.astimezone(tz).replace(minute=0, second=0, microsecond=0, tzinfo=None)
            seen[local] = None
            moment += timedelta(hours=1)
        return list(seen)
    day = selection.start_date
    if unit == "week":
        day -= timedelta(days=day.weekday())
    if unit == "month":
        day = day.replace(day=1)
    result = []
    while day <= selection.end_date:
        result.append(datetime(day.year, day.month, day.day))
        day = _next(day, unit)
    return result


def bucket_label(moment: datetime, unit: str) -> str:
    if unit == "hour":
        return moment.strftime("%Y-%m-%d %H:00")
    if unit == "month":
        return moment.strftime("%Y-%m")
    return moment.strftime("%Y-%m-%d")


def bucket_param(moment: datetime, unit: str) -> str:
    return moment.strftime("%Y-%m-%dT%H:00") if unit == "hour" else moment.strftime("%Y-%m-%d")


def bucket_links(selection: Selection, points: list[datetime], **params: Any) -> list[str | None]:
    """Per chart point, the conversations that started in its bucket."""
    unit = selection.unit
    return [drill_url(selection, period=bucket_param(p, unit), unit=unit, **params) for p in points]


def merge(groups: Iterable[Group]) -> Group:
    merged = Group(())
    for group in groups:
        for name, value in group.sums.items():
            merged.sums[name] = merged.sums.get(name, 0) + value
        for metric, counts in group.sparse.items():
            merged.sparse.setdefault(metric, Counter()).update(counts)
    return merged


def percent_points(values: list[float | None]) -> list[float | None]:
    return [None if v is None else round(v * 100, 2) for v in values]
