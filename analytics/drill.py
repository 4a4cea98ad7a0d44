"""The conversations behind a number: the facts a chart point or table cell counted.

The drill-down's query parameters come from links the pages write, but anyone can edit a URL:
DrillForm validates them (a Django form, with the shared text rules) before facts() reads
them, and the page shows what was wrong instead of failing.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from analytics.forms import MAX_DAY, MIN_DAY, ceil_hour, local_midnight
from analytics.models import ConversationFact
from analytics.sources import Scope
from assistant.formfields import TextField

# metric -> (label, condition). Each is the definition the counted number uses.
METRICS: dict[str, tuple[Any, Q]] = {
    "all": (_("All conversations"), Q()),
    "resolved": (_("Resolved"), Q(resolved=True)),
    "open": (_("Not resolved"), Q(resolved=False)),
    "automated": (_("Automated resolutions"), Q(automated=True)),
    "handed_off": (_("Handed off"), Q(handed_off=True)),
    "human": (_("Human-handled"), Q(human=True)),
    "assistant_only": (_("Assistant only"), Q(human=False)),
    "reopened": (_("Reopened"), Q(reopened=True)),
    "rated": (_("Rated"), Q(csat__isnull=False)),
    "rated_badly": (_("Rated badly (1-2)"), Q(csat__lte=2)),
    "rated_assistant": (_("Rated, assistant only"), Q(csat__isnull=False, human=False)),
    "rated_human": (_("Rated, human-handled"), Q(csat__isnull=False, human=True)),
    "sla_breached": (_("With an SLA breach"), Q(sla_breaches__gt=0)),
    **{f"csat_{s}": (_("Rated %(score)s") % {"score": s}, Q(csat=s)) for s in (1, 2, 3, 4, 5)},
}

DIMENSIONS = {
    "inbox": "inbox_id",
    "channel": "channel",
    "language": "language",
    "topic": "topic",
    "team": "team_id",
    "agent": "agent_id",
    "route": "route",
    "model": "model",
}
NUMERIC = {"inbox", "team", "agent"}
NONE_VALUE = "none"
UNITS = ("hour", "day", "week", "month")
SEGMENTS = {"assistant": _("Assistant only"), "human": _("Human-handled")}
# The parameters a drill link may carry; "value" and "reason" may be empty on purpose (no topic,
# no reason given), so their presence matters, not only their value.
KEYS = ("metric", "dim", "value", "period", "unit", "reason", "segment")
_ID = re.compile(r"[0-9]{1,19}")
MAX_ID = 2**63 - 1


def parse_period(period: str, unit: str) -> datetime | date:
    """The start of a calendar bucket as drill links write it: "2026-03-05" (a day, week or
    month) or "2026-03-05T14:00" (an hour, local time). ValueError when it is not one, or
    outside the days the pages accept."""
    if unit == "hour":
        moment = datetime.fromisoformat(period)
        day = moment.date()
    else:
        moment = None
        day = date.fromisoformat(period)
    if not MIN_DAY <= day <= MAX_DAY:
        raise ValueError(period)
    return moment if moment is not None else day


class DrillForm(forms.Form):
    metric = forms.ChoiceField(
        label=_("Metric"),
        required=False,
        choices=[(key, label) for key, (label, _q) in METRICS.items()],
    )
    dim = forms.ChoiceField(
        label=_("Dimension"), required=False, choices=[(key, key) for key in DIMENSIONS]
    )
    value = TextField(
        label=_("Value"), single_line=True, required=False, strip=False, max_length=300
    )
    period = TextField(label=_("Period"), single_line=True, required=False, max_length=100)
    unit = forms.ChoiceField(label=_("Unit"), required=False, choices=[(u, u) for u in UNITS])
    reason = TextField(
        label=_("Reason"), single_line=True, required=False, strip=False, max_length=100
    )
    segment = forms.ChoiceField(label=_("Segment"), required=False, choices=list(SEGMENTS.items()))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        dim = data.get("dim")
        if "value" in self.data and "value" in data:
            value = data["value"]
            if not dim:
                self.add_error("dim", _("A value needs the dimension it belongs to."))
            elif (
                dim in NUMERIC
                and value != NONE_VALUE
                and not (_ID.fullmatch(value) and int(value) <= MAX_ID)
            ):
                self.add_error("value", _("Not an id: a whole number or “none”."))
        elif dim and "value" not in self.data:
            self.add_error("value", _("A dimension needs a value."))
        period, unit = data.get("period"), data.get("unit")
        if period and not unit and "unit" not in self.errors:
            self.add_error("unit", _("A period needs its unit."))
        elif period and unit:
            try:
                parse_period(period, unit)
            except ValueError:
                self.add_error("period", _("Not a calendar date (or hour) this page can show."))
        return data

    def params(self) -> dict[str, str]:
        """The validated parameters the link carried (absent ones left out)."""
        return {key: self.cleaned_data[key] for key in KEYS if key in self.data}


def _next_bucket(start: date, unit: str) -> date:
    if unit == "week":
        return start + timedelta(days=7)
    if unit == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def facts(scope: Scope, params: dict[str, str]) -> QuerySet[ConversationFact]:
    """Facts of the scope, narrowed by the drill parameters: metric, a dimension value
    (dim + value; "none" for no team/agent), a reason, and a calendar bucket (period + unit).
    ``params`` are DrillForm.params(): validated."""
    start, end = scope.start, scope.end
    period, unit = params.get("period"), params.get("unit")
    if period and unit:
        tz = zoneinfo.ZoneInfo(scope.tz)
        start_of = parse_period(period, unit)
        if isinstance(start_of, datetime):
            local = start_of.replace(tzinfo=tz)
            bucket_start = ceil_hour(local)
            bucket_end = ceil_hour(local + timedelta(hours=1))
        else:
            day = start_of
            bucket_start = local_midnight(day, tz)
            bucket_end = local_midnight(_next_bucket(day, unit), tz)
        start, end = max(start, bucket_start), min(end, bucket_end)
    rows = ConversationFact.objects.filter(created_at__gte=start, created_at__lt=end)
    for name, value in scope.conversation_filters().items():
        rows = rows.filter(**{DIMENSIONS[name]: value})
    if scope.inboxes is not None:
        rows = rows.filter(inbox_id__in=scope.inboxes)
    by, value = params.get("dim"), params.get("value")
    if by in DIMENSIONS and value is not None:
        column = DIMENSIONS[by]
        if by in NUMERIC:
            if value == NONE_VALUE:
                rows = rows.filter(**{f"{column}__isnull": True})
            elif _ID.fullmatch(value) and int(value) <= MAX_ID:
                rows = rows.filter(**{column: int(value)})
            else:
                return rows.none()
        else:
            rows = rows.filter(**{column: value})
    if params.get("reason") is not None:
        rows = rows.filter(handed_off=True, handoff_reason=params["reason"])
    _label, condition = METRICS.get(params.get("metric") or "all", METRICS["all"])
    return rows.filter(condition)


def drill_value(value: Any) -> str:
    """How a dimension value is written in a drill link."""
    return NONE_VALUE if value is None else str(value)
