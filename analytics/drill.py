"""The conversations behind a number: the facts a chart point or table cell counted."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from analytics.forms import ceil_hour, local_midnight
from analytics.models import ConversationFact
from analytics.sources import Scope

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
    "language": "language",
    "topic": "topic",
    "team": "team_id",
    "agent": "agent_id",
    "route": "route",
    "model": "model",
}
NUMERIC = {"inbox", "team", "agent"}
NONE_VALUE = "none"


def _next_bucket(start: date, unit: str) -> date:
    if unit == "week":
        return start + timedelta(days=7)
    if unit == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def facts(scope: Scope, params: dict[str, str]) -> QuerySet[ConversationFact]:
    """Facts of the scope, narrowed by the drill parameters: metric, a dimension value
    (dim + value; "none" for no team/agent), a reason, and a calendar bucket (period + unit)."""
    start, end = scope.start, scope.end
    period, unit = params.get("period"), params.get("unit")
    if period and unit:
        tz = zoneinfo.ZoneInfo(scope.tz)
        if unit == "hour":
            local = datetime.fromisoformat(period).replace(tzinfo=tz)
            bucket_start = ceil_hour(local)
            bucket_end = ceil_hour(local + timedelta(hours=1))
        else:
            day = date.fromisoformat(period[:10])
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
            elif value.isdigit():
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
