"""Teams: who is in them, which inboxes they serve, when they work, and their SLA targets."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence

import holidays as holiday_library
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from assistant.chat.models import Inbox
from tickets.business_hours import DAY_KEYS
from tickets.models import BusinessCalendar, Holiday, SLAPolicy, Team
from tickets.workspace.audit import record_change
from tickets.workspace.permissions import SettingsRefused, require_admin, require_team_lead

TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")


def _ids(objects: Iterable[object]) -> list[int]:
    return sorted(obj.pk for obj in objects)  # type: ignore[attr-defined]


@transaction.atomic
def team_create(*, name: str, by: AbstractBaseUser) -> Team:
    require_admin(by)
    name = name.strip()
    if not name:
        raise SettingsRefused("invalid", _("A team needs a name."))
    if Team.objects.filter(name__iexact=name).exists():
        raise SettingsRefused("duplicate", _("There is already a team with this name."))
    team = Team.objects.create(name=name)
    BusinessCalendar.objects.create(team=team)
    record_change(actor=by, subject=team, action="created", after={"name": name})
    return team


@transaction.atomic
def team_update(
    *,
    team: Team,
    by: AbstractBaseUser,
    name: str,
    members: Sequence[AbstractBaseUser],
    inboxes: Sequence[Inbox],
) -> Team:
    """Rename the team and set its members and inboxes. Which inboxes a team serves decides
    what its agents can see, so only admins change the inboxes; a team's manager may change the
    rest."""
    require_team_lead(by, team)
    before = {
        "name": team.name,
        "members": _ids(team.members.all()),
        "inboxes": _ids(team.inboxes.all()),
    }
    after = {"name": name.strip(), "members": _ids(members), "inboxes": _ids(inboxes)}
    if after["inboxes"] != before["inboxes"]:
        require_admin(by)
    if not after["name"]:
        raise SettingsRefused("invalid", _("A team needs a name."))
    if Team.objects.filter(name__iexact=after["name"]).exclude(pk=team.pk).exists():
        raise SettingsRefused("duplicate", _("There is already a team with this name."))
    if after == before:
        return team
    team.name = after["name"]
    team.save(update_fields=["name"])
    team.members.set(members)
    team.inboxes.set(inboxes)
    record_change(actor=by, subject=team, action="updated", before=before, after=after)
    return team


def calendar_of(team: Team) -> BusinessCalendar:
    calendar, _created = BusinessCalendar.objects.get_or_create(team=team)
    return calendar


def _checked_hours(
    weekly_hours: Mapping[str, Sequence[Sequence[str]]],
) -> dict[str, list[list[str]]]:
    cleaned: dict[str, list[list[str]]] = {}
    for day, intervals in weekly_hours.items():
        if day not in DAY_KEYS:
            raise SettingsRefused("invalid", _("Unknown day: %(day)s.") % {"day": day})
        for start, end in intervals:
            if not (TIME.match(start) and TIME.match(end)) or start == "24:00" or end <= start:
                raise SettingsRefused(
                    "invalid",
                    _("Opening hours must be HH:MM to HH:MM with the end after the start."),
                )
        if intervals:
            cleaned[day] = [[start, end] for start, end in intervals]
    return cleaned


@transaction.atomic
def team_set_hours(
    *,
    team: Team,
    by: AbstractBaseUser,
    time_zone: str,
    weekly_hours: Mapping[str, Sequence[Sequence[str]]],
) -> BusinessCalendar:
    """Weekly opening hours in the team's time zone; a day left out is closed."""
    require_team_lead(by, team)
    if time_zone not in zoneinfo.available_timezones():
        raise SettingsRefused("invalid", _("Unknown time zone."))
    hours = _checked_hours(weekly_hours)
    if not hours:
        raise SettingsRefused("invalid", _("Open the team on at least one day."))
    calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar_of(team).pk)
    before = {"time_zone": calendar.time_zone, "weekly_hours": calendar.weekly_hours}
    after = {"time_zone": time_zone, "weekly_hours": hours}
    if before != after:
        calendar.time_zone, calendar.weekly_hours = time_zone, hours
        calendar.save(update_fields=["time_zone", "weekly_hours"])
        record_change(actor=by, subject=team, action="hours_set", before=before, after=after)
    return calendar


@transaction.atomic
def holiday_add(*, team: Team, by: AbstractBaseUser, date: datetime.date, name: str) -> Holiday:
    """One of the team's own days off (a company day, an office move)."""
    require_team_lead(by, team)
    calendar = calendar_of(team)
    if Holiday.objects.filter(calendar=calendar, date=date).exists():
        raise SettingsRefused("duplicate", _("This day is already a holiday."))
    holiday = Holiday.objects.create(calendar=calendar, date=date, name=name.strip()[:120])
    record_change(
        actor=by, subject=team, action="holiday_added",
        after={"date": date.isoformat(), "name": holiday.name},
    )  # fmt: skip
    return holiday


@transaction.atomic
def holiday_remove(*, team: Team, by: AbstractBaseUser, holiday_id: int) -> None:
    require_team_lead(by, team)
    holiday = Holiday.objects.filter(calendar__team=team, pk=holiday_id).first()
    if holiday is None:
        raise SettingsRefused("not_found", _("No such holiday."), status=404)
    before = {"date": holiday.date.isoformat(), "name": holiday.name}
    holiday.delete()
    record_change(actor=by, subject=team, action="holiday_removed", before=before)


def countries() -> list[tuple[str, str]]:
    """(code, name) of every country the holidays library knows, by name. Its registry names
    countries by class ("UnitedKingdom"), spelt out here as words."""
    pairs = {
        entry[1]: re.sub(r"(?<=[a-z])(?=[A-Z])", " ", entry[0])
        for entry in holiday_library.registry.COUNTRIES.values()
    }
    return sorted(pairs.items(), key=lambda pair: pair[1])


@transaction.atomic
def public_holidays_add(*, team: Team, by: AbstractBaseUser, country: str, year: int) -> int:
    """Adds a country's public holidays of one year (from the maintained `holidays` library) to
    the team's days off, leaving days already there alone. Returns how many were added."""
    require_team_lead(by, team)
    try:
        days = holiday_library.country_holidays(country, years=year)
    except NotImplementedError:
        raise SettingsRefused("invalid", _("Unknown country.")) from None
    calendar = calendar_of(team)
    taken = set(Holiday.objects.filter(calendar=calendar).values_list("date", flat=True))
    new = [
        Holiday(calendar=calendar, date=date, name=str(name)[:120])
        for date, name in sorted(days.items())
        if date not in taken
    ]
    Holiday.objects.bulk_create(new)
    if new:
        record_change(
            actor=by, subject=team, action="public_holidays_added",
            after={"country": country, "year": year, "dates": [h.date.isoformat() for h in new]},
        )  # fmt: skip
    return len(new)


@transaction.atomic
def sla_policy_set(
    *,
    team: Team,
    by: AbstractBaseUser,
    priority: int,
    first_response_minutes: int,
    next_response_minutes: int,
    resolution_minutes: int,
) -> SLAPolicy:
    """The team's targets for one priority, in business minutes."""
    require_team_lead(by, team)
    minutes = [first_response_minutes, next_response_minutes, resolution_minutes]
    if any(value <= 0 for value in minutes):
        raise SettingsRefused("invalid", _("Targets are whole minutes above zero."))
    policy = SLAPolicy.objects.filter(team=team, priority=priority).first()
    before = None
    if policy is not None:
        before = [
            policy.first_response_minutes,
            policy.next_response_minutes,
            policy.resolution_minutes,
        ]
    if before == minutes:
        return policy  # type: ignore[return-value]
    policy, _created = SLAPolicy.objects.update_or_create(
        team=team,
        priority=priority,
        defaults={
            "first_response_minutes": first_response_minutes,
            "next_response_minutes": next_response_minutes,
            "resolution_minutes": resolution_minutes,
        },
    )
    record_change(
        actor=by, subject=team, action="sla_policy_set",
        before=before and {"priority": priority, "minutes": before},
        after={"priority": priority, "minutes": minutes},
    )  # fmt: skip
    return policy
