"""The filter bar: time range, time zone and filters, turned into a Scope in UTC."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics import cube, zones
from analytics.sources import Scope
from assistant.chat.models import Conversation
from tickets.models import Team

PRESETS = (
    ("today", _("Today"), 1),
    ("7d", _("Last 7 days"), 7),
    ("30d", _("Last 30 days"), 30),
    ("90d", _("Last 90 days"), 90),
    ("365d", _("Last 365 days"), 365),
    ("custom", _("Custom"), 0),
)
BREAKDOWNS = (
    ("inbox", _("Inbox")),
    ("channel", _("Channel")),
    ("language", _("Language")),
    ("topic", _("Topic")),
    ("team", _("Team")),
)
MAX_DAYS = 3 * 366
# Days the pages accept: a custom range or a drill-down period outside these cannot be turned
# into UTC instants (year 1 in a zone east of UTC is before datetime.min) and holds no data.
MIN_DAY = date(1970, 1, 1)
MAX_DAY = date(9998, 12, 31)


class ZoneField(forms.ChoiceField):
    """A time zone: offered grouped by region (analytics/zones.py), valid if the system knows
    it, so an address carrying a legacy alias keeps working."""

    def valid_value(self, value: str) -> bool:
        return value in zones.available()


def _distinct(column: str, level: tuple[str, ...]) -> list[str]:
    """Values of a dimension that occur at all, read from the small daily rollup level."""
    index = cube.pick_level(cube.CONVERSATION_LEVELS, level)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT {column} FROM analytics_conversationdaily "
            f"WHERE level = %s AND {column} IS NOT NULL ORDER BY 1",
            [index],
        )
        return [row[0] for row in cursor.fetchall()]


def local_midnight(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    """The start of a local day as a UTC instant on a whole UTC hour. In zones whose offset is
    not a whole hour the day starts at the first whole UTC hour after local midnight, the same
    rule by which the charts put each UTC hour in the local day its start falls on (see
    docs/analytics.md, "Time zones")."""
    return ceil_hour(datetime.combine(day, time(0), tzinfo=tz))


def ceil_hour(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(hours=1)


def whole_hour_zone(tz: zoneinfo.ZoneInfo, start: date, end: date) -> bool:
    probe = datetime.combine(start, time(12), tzinfo=tz)
    while probe.date() <= end:
        offset = probe.utcoffset() or timedelta(0)
        if offset.total_seconds() % 3600:
            return False
        probe += timedelta(days=30)
    return True


@dataclass(frozen=True)
class Selection:
    """The parsed filter bar: the scope and what the page needs to label it."""

    scope: Scope
    start_date: date
    end_date: date
    unit: str
    by: str
    exact_days: bool
    params: dict[str, str]


class FilterForm(forms.Form):
    range = forms.ChoiceField(label=_("Range"), choices=[(k, v) for k, v, _d in PRESETS])
    start = forms.DateField(
        label=_("From"),
        required=False,
        validators=[MinValueValidator(MIN_DAY), MaxValueValidator(MAX_DAY)],
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        validators=[MinValueValidator(MIN_DAY), MaxValueValidator(MAX_DAY)],
    )
    tz = ZoneField(label=_("Time zone"))
    inbox = forms.TypedChoiceField(label=_("Inbox"), coerce=int, required=False, empty_value=None)
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *Conversation.Channel.choices],
    )
    team = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False, empty_value=None)
    agent = forms.TypedChoiceField(label=_("Agent"), coerce=int, required=False, empty_value=None)
    language = forms.ChoiceField(label=_("Language"), required=False)
    route = forms.ChoiceField(label=_("Model route"), required=False)
    model = forms.ChoiceField(label=_("Model"), required=False)
    by = forms.ChoiceField(label=_("Break down by"), choices=BREAKDOWNS, required=False)

    def __init__(self, data: Any, *, inboxes: Any, **kwargs: Any) -> None:
        data = data.copy() if data is not None else {}
        data.setdefault("range", "30d")
        data.setdefault("tz", settings.TIME_ZONE)
        data.setdefault("by", "inbox")
        super().__init__(data, **kwargs)
        self.inboxes = list(inboxes)
        inbox_ids = [inbox.pk for inbox in self.inboxes]
        self.fields["tz"].choices = zones.choices(chosen=data.get("tz"))
        self.fields["inbox"].choices = [("", _("All inboxes"))] + [
            (inbox.pk, inbox.name) for inbox in self.inboxes
        ]
        teams = Team.objects.filter(inboxes__in=inbox_ids).distinct().order_by("name")
        self.fields["team"].choices = [("", _("All teams"))] + [(t.pk, t.name) for t in teams]
        agents = (
            get_user_model()
            .objects.filter(profile__isnull=False, teams__inboxes__in=inbox_ids)
            .distinct()
            .order_by("first_name", "username")
        )
        self.fields["agent"].choices = [("", _("All agents"))] + [
            (user.pk, user.get_full_name() or user.get_username()) for user in agents
        ]
        languages = dict(settings.LANGUAGES)
        self.fields["language"].choices = [("", _("All languages"))] + [
            (code, languages.get(code, code)) for code in _distinct("language", ("language",))
        ]
        routes = _distinct("route", ("route", "model"))
        self.fields["route"].choices = [("", _("All routes"))] + [(r, r) for r in routes]
        models = [m for m in _distinct("model", ("route", "model")) if m]
        self.fields["model"].choices = [("", _("All models"))] + [(m, m) for m in models]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("range") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("Choose both dates of a custom range."))
            if end < start:
                raise forms.ValidationError(_("The range ends before it starts."))
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError(_("Choose at most three years."))
        return data

    def selection(self, *, all_inboxes: bool) -> Selection:
        data = self.cleaned_data
        tz = zoneinfo.ZoneInfo(data["tz"])
        today = timezone.now().astimezone(tz).date()
        if data["range"] == "custom":
            start_date, end_date = data["start"], data["end"]
        else:
            days = next(d for key, _label, d in PRESETS if key == data["range"])
            start_date, end_date = today - timedelta(days=days - 1), today
        span = (end_date - start_date).days + 1
        unit = "hour" if span <= 2 else "day" if span <= 92 else "week" if span <= 400 else "month"
        inbox_ids = tuple(inbox.pk for inbox in self.inboxes)
        scope = Scope(
            start=local_midnight(start_date, tz),
            end=local_midnight(end_date + timedelta(days=1), tz),
            tz=data["tz"],
            inbox=data.get("inbox"),
            channel=data.get("channel") or None,
            team=data.get("team"),
            agent=data.get("agent"),
            language=data.get("language") or None,
            route=data.get("route") or None,
            model=data.get("model") or None,
            inboxes=None if all_inboxes else inbox_ids,
        )
        params = {
            key: str(value)
            for key, value in self.data.items()
            if key in self.fields and value not in (None, "")
        }
        return Selection(
            scope=scope,
            start_date=start_date,
            end_date=end_date,
            unit=unit,
            by=data.get("by") or "inbox",
            exact_days=whole_hour_zone(tz, start_date, end_date),
            params=params,
        )
