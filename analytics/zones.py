"""The time zones the filter bar offers, grouped by region as people look for them ("Europe" >
"Berlin"), instead of ~600 raw names among which legacy aliases ("US/Eastern", "Etc/GMT+3")
and abbreviations ("EST5EDT") hide the real ones. Any zone the system knows stays valid in an
address; one that is not in the groups is offered under "Other" while it is chosen."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django.utils.translation import gettext_lazy as _

UTC = "UTC"
# The tz database's geographic areas, in the order the picker lists them.
REGIONS = {
    "Africa": _("Africa"),
    "America": _("Americas"),
    "Antarctica": _("Antarctica"),
    "Arctic": _("Arctic"),
    "Asia": _("Asia"),
    "Atlantic": _("Atlantic"),
    "Australia": _("Australia"),
    "Europe": _("Europe"),
    "Indian": _("Indian Ocean"),
    "Pacific": _("Pacific"),
}


@cache
def available() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@cache
def by_region() -> dict[str, tuple[str, ...]]:
    """Each region's zones, sorted by the name the picker shows."""
    grouped: dict[str, list[str]] = {region: [] for region in REGIONS}
    for name in available():
        region, _slash, rest = name.partition("/")
        if region in grouped and rest:
            grouped[region].append(name)
    return {region: tuple(sorted(names, key=place)) for region, names in grouped.items()}


def place(name: str) -> str:
    """The part of a zone's name after its region, as words: "Argentina / Buenos Aires"."""
    _region, _slash, rest = name.partition("/")
    return (rest or name).replace("_", " ").replace("/", " / ")


def choices(chosen: str | None = None) -> list[Any]:
    """Grouped choices for a Select (each group renders as an <optgroup>): UTC first, then the
    regions; the chosen zone under "Other" when no region lists it."""
    result: list[Any] = [(UTC, UTC)]
    grouped = by_region()
    for region, label in REGIONS.items():
        result.append((label, [(name, place(name)) for name in grouped[region]]))
    listed = {UTC}.union(*grouped.values())
    if chosen and chosen in available() and chosen not in listed:
        result.append((_("Other"), [(chosen, chosen)]))
    return result
