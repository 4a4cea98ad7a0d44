"""What each analytics page shows, built from the sources: cards, charts and tables.

Each function takes the parsed filter bar and returns plain data (see analytics/tables.py);
views.py only renders it or exports one of its tables as CSV.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import sources, stats
from analytics.drill import drill_value
from analytics.forms import Selection
from analytics.measures import CSAT_SCORES
from analytics.metrics import CallSummary, ConversationSummary, Percentiles
from analytics.sources import Group
from analytics.tables import DASH, Chart, Column, Table, format_cell, format_duration
from assistant.chat.models import Inbox
from assistant.chat.reasons import label_for
from assistant.people import staff_name
from tickets.models import Team

TOP_SERIES = 8
# Public list prices of hosted AI agents, per automated resolution, in USD (docs/analytics.md).
# Lazy: a label translated here, at import, would stay in the language the process started in.
HOSTED_PRICES = (
    (gettext_lazy("Intercom Fin"), Decimal("0.99"), None),
    (gettext_lazy("Zendesk AI agents"), Decimal("1.50"), Decimal("2.00")),
)


@dataclass
class Card:
    label: str
    value: str
    hint: str = ""
    href: str | None = None
    testid: str = ""


@dataclass
class Page:
    title: str
    cards: list[Card] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.tables if t.id == table_id), None)


# ---------------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------------


class Names:
    """Display names of dimension values, looked up once per page."""

    def __init__(self) -> None:
        self.inboxes = dict(Inbox.objects.values_list("pk", "name"))
        self.teams = dict(Team.objects.values_list("pk", "name"))
        self.languages = dict(settings.LANGUAGES)
        self._agents: dict[int, str] | None = None

    def agent(self, pk: int | None) -> str:
        if pk is None:
            return _("(nobody)")
        if self._agents is None:
            self._agents = {
                user.pk: staff_name(user)
                for user in get_user_model().objects.filter(profile__isnull=False)
            }
        return self._agents.get(pk, f"#{pk}")

    def of(self, dimension: str, value: Any) -> str:
        if dimension == "inbox":
            return self.inboxes.get(value, f"#{value}")
        if dimension == "team":
            return self.teams.get(value, f"#{value}") if value is not None else _("(no team)")
        if dimension == "agent":
            return self.agent(value)
        if dimension == "language":
            return f"{self.languages.get(value, value)}" if value else _("(unknown)")
        if dimension == "topic":
            return value or _("(no topic)")
        if dimension == "model":
            return value or _("(no reply)")
        return str(value) if value not in (None, "") else _("(none)")


def drill_url(selection: Selection, **params: Any) -> str:
    query = {**selection.params, **{k: str(v) for k, v in params.items() if v is not None}}
    return f"{reverse('analytics:conversations')}?{urlencode(query)}"


# ---------------------------------------------------------------------------------------------
# Calendar buckets
# ---------------------------------------------------------------------------------------------


def _month_after(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


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
        day = (
            day + timedelta(days=1)
            if unit == "day"
            else day + timedelta(days=7)
            if unit == "week"
            else _month_after(day)
        )
    return result


def bucket_label(moment: datetime, unit: str) -> str:
    if unit == "hour":
        return moment.strftime("%Y-%m-%d %H:00")
    if unit == "month":
        return moment.strftime("%Y-%m")
    return moment.strftime("%Y-%m-%d")


def bucket_param(moment: datetime, unit: str) -> str:
    return moment.strftime("%Y-%m-%dT%H:00") if unit == "hour" else moment.strftime("%Y-%m-%d")


def _merge(groups: Iterable[Group]) -> Group:
    merged = Group(())
    for group in groups:
        for name, value in group.sums.items():
            merged.sums[name] = merged.sums.get(name, 0) + value
        for metric, counts in group.sparse.items():
            merged.sparse.setdefault(metric, Counter()).update(counts)
    return merged


def _pct_points(values: list[float | None]) -> list[float | None]:
    return [None if v is None else round(v * 100, 2) for v in values]


# ---------------------------------------------------------------------------------------------
# Overview: volume, automated resolution, handoffs
# ---------------------------------------------------------------------------------------------


def overview(selection: Selection) -> Page:
    scope, by, unit = selection.scope, selection.by, selection.unit
    names = Names()
    total = ConversationSummary.of(
        sources.conversation_groups(scope, sparse=("frt_a", "frt_h", "resolution", "reason"))[()]
    )
    page = Page(_("Overview"))
    page.cards = [
        Card(_("Conversations"), format_cell("int", total.conversations), "",
             drill_url(selection, metric="all"), "kpi-conversations"),
        Card(_("Automated resolution"), format_cell("pct", total.automated_rate),
             _("%(n)s resolved without a human") % {"n": format_cell("int", total.automated)},
             drill_url(selection, metric="automated"), "kpi-automated"),
        Card(_("Handed off"), format_cell("pct", total.handoff_rate),
             _("%(n)s conversations") % {"n": format_cell("int", total.handed_off)},
             drill_url(selection, metric="handed_off"), "kpi-handoff"),
        Card(_("First response, assistant"), format_duration(total.frt_assistant.p50),
             _("median; 90th percentile %(p)s") % {"p": format_duration(total.frt_assistant.p90)}),
        Card(_("First response, human"), format_duration(total.frt_human.p50),
             _("median; 90th percentile %(p)s") % {"p": format_duration(total.frt_human.p90)}),
        Card(_("Resolution time"), format_duration(total.resolution.p50),
             _("median; 90th percentile %(p)s") % {"p": format_duration(total.resolution.p90)}),
        Card(_("CSAT"), format_cell("float1", total.csat_all.average),
             _("%(n)s ratings") % {"n": format_cell("int", total.csat_all.rated)},
             drill_url(selection, metric="rated"), "kpi-csat"),
        Card(_("Cost per automated resolution"),
             format_cell("money", total.cost_per_automated_resolution),
             settings.ANALYTICS_CURRENCY),
    ]  # fmt: skip

    series = sources.conversation_groups(scope, by=(by,), unit=unit)
    points = buckets(selection)
    per_value: dict[Any, Counter[datetime]] = {}
    for (moment, value), group in series.items():
        per_value.setdefault(value, Counter())[moment] += int(group.get("conversations"))
    ranked = sorted(per_value, key=lambda v: -sum(per_value[v].values()))
    datasets = []
    for value in ranked[:TOP_SERIES]:
        datasets.append(
            {"label": names.of(by, value), "data": [per_value[value][p] for p in points]}
        )
    if len(ranked) > TOP_SERIES:
        other: Counter[datetime] = Counter()
        for value in ranked[TOP_SERIES:]:
            other.update(per_value[value])
        datasets.append({"label": _("Other"), "data": [other[p] for p in points]})
    links = [drill_url(selection, period=bucket_param(p, unit), unit=unit) for p in points]
    labels = [bucket_label(p, unit) for p in points]
    page.charts.append(
        Chart("volume", _("Conversations by %(dimension)s") % {"dimension": _dimension(by)},
              "stacked", labels, datasets, "int", links)
    )  # fmt: skip

    per_bucket: dict[datetime, list[Group]] = {}
    for (moment, _value), group in series.items():
        per_bucket.setdefault(moment, []).append(group)
    summaries = {p: ConversationSummary.of(_merge(per_bucket.get(p, []))) for p in points}
    page.charts.append(
        Chart(
            "rates",
            _("Automated resolution and handoff rate"),
            "line",
            labels,
            [
                {"label": _("Automated resolution"),
                 "data": _pct_points([summaries[p].automated_rate for p in points])},
                {"label": _("Handed off"),
                 "data": _pct_points([summaries[p].handoff_rate for p in points])},
            ],
            "pct",
            [drill_url(selection, period=bucket_param(p, unit), unit=unit, metric="automated")
             for p in points],
        )
    )  # fmt: skip

    breakdown = sources.conversation_groups(scope, by=(by,), sparse=("resolution",))
    table = Table(
        "breakdown",
        _("By %(dimension)s") % {"dimension": _dimension(by)},
        [
            Column("name", _dimension(by), "text"),
            Column("conversations", _("Conversations"), "int", "all"),
            Column("share", _("Share"), "pct"),
            Column("automated", _("Automated"), "int", "automated"),
            Column("automated_rate", _("Automated rate"), "pct"),
            Column("handed_off", _("Handed off"), "int", "handed_off"),
            Column("handoff_rate", _("Handoff rate"), "pct"),
            Column("reopened", _("Reopened"), "int", "reopened"),
            Column("resolution_p50", _("Resolution, median"), "seconds"),
            Column("csat", _("CSAT"), "float1", "rated"),
        ],
    )
    for (value,), group in sorted(breakdown.items(), key=lambda kv: -kv[1].get("conversations")):
        s = ConversationSummary.of(group)
        table.rows.append(
            {
                "name": names.of(by, value),
                "conversations": s.conversations,
                "share": s.conversations / total.conversations if total.conversations else None,
                "automated": s.automated,
                "automated_rate": s.automated_rate,
                "handed_off": s.handed_off,
                "handoff_rate": s.handoff_rate,
                "reopened": s.reopened,
                "resolution_p50": s.resolution.p50,
                "csat": s.csat_all.average,
                "_drill": {"dim": by, "value": drill_value(value)},
            }
        )
    page.tables.append(table)

    reasons = Table(
        "handoff_reasons",
        _("Handoff reasons"),
        [
            Column("reason", _("Reason"), "text"),
            Column("conversations", _("Conversations"), "int", "handed_off"),
            Column("share", _("Share of handoffs"), "pct"),
        ],
    )
    for reason, n in total.reasons:
        reasons.rows.append(
            {
                "reason": label_for(reason) if reason else _("(no reason given)"),
                "conversations": n,
                "share": n / total.handed_off if total.handed_off else None,
                "_drill": {"reason": reason},
            }
        )
    page.tables.append(reasons)
    page.charts.append(
        Chart(
            "reasons",
            _("Handoff reasons"),
            "bar",
            [row["reason"] for row in reasons.rows],
            [{"label": _("Conversations"), "data": [row["conversations"] for row in reasons.rows]}],
            "int",
            [drill_url(selection, metric="handed_off", reason=r) for r, _n in total.reasons],
            horizontal=True,
        )
    )
    page.extra["total"] = total
    return page


def _dimension(name: str) -> str:
    return {
        "inbox": _("Inbox"),
        "language": _("Language"),
        "topic": _("Topic"),
        "team": _("Team"),
        "agent": _("Agent"),
        "route": _("Model route"),
        "model": _("Model"),
    }[name]


# ---------------------------------------------------------------------------------------------
# Response times
# ---------------------------------------------------------------------------------------------

DURATIONS = (
    ("frt_a", "frt_assistant", lambda: _("First response, assistant")),
    ("frt_h", "frt_human", lambda: _("First response, human")),
    ("reply_h", "reply_human", lambda: _("Human response time")),
    ("resolution", "resolution", lambda: _("Resolution time")),
)


def response_times(selection: Selection) -> Page:
    scope, by, unit = selection.scope, selection.by, selection.unit
    names = Names()
    metrics = tuple(m for m, _a, _l in DURATIONS)
    total = ConversationSummary.of(sources.conversation_groups(scope, sparse=metrics)[()])
    page = Page(_("Response times"))
    summary = Table(
        "response_times",
        _("Medians and 90th percentiles"),
        [
            Column("metric", _("Measure"), "text"),
            Column("samples", _("Samples"), "int"),
            Column("p50", _("Median"), "seconds"),
            Column("p90", _("90th percentile"), "seconds"),
        ],
    )
    for _metric, attribute, label in DURATIONS:
        p: Percentiles = getattr(total, attribute)
        summary.rows.append({"metric": label(), "samples": p.n, "p50": p.p50, "p90": p.p90})
    page.tables.append(summary)
    page.cards = [
        Card(label(), format_duration(getattr(total, attribute).p50),
             _("90th percentile %(p)s") % {"p": format_duration(getattr(total, attribute).p90)})
        for _m, attribute, label in DURATIONS
    ]  # fmt: skip
    page.charts.append(
        Chart(
            "percentiles",
            _("Median and 90th percentile"),
            "bar",
            [label() for _m, _a, label in DURATIONS],
            [
                {"label": _("Median"), "data": [getattr(total, a).p50 for _m, a, _l in DURATIONS]},
                {"label": _("90th percentile"),
                 "data": [getattr(total, a).p90 for _m, a, _l in DURATIONS]},
            ],
            "seconds",
        )
    )  # fmt: skip

    series = sources.conversation_groups(scope, unit=unit, sparse=metrics)
    points = buckets(selection)
    labels = [bucket_label(p, unit) for p in points]
    datasets = []
    for metric, _attribute, label in DURATIONS:
        values = []
        for p in points:
            group = series.get((p,))
            values.append(stats.percentile(group.counts(metric), 0.5) if group else None)
        datasets.append({"label": label(), "data": values})
    page.charts.append(
        Chart("medians", _("Medians over time"), "line", labels, datasets, "seconds",
              [drill_url(selection, period=bucket_param(p, unit), unit=unit) for p in points])
    )  # fmt: skip

    breakdown = sources.conversation_groups(scope, by=(by,), sparse=metrics)
    table = Table(
        "response_times_breakdown",
        _("By %(dimension)s") % {"dimension": _dimension(by)},
        [
            Column("name", _dimension(by), "text"),
            Column("conversations", _("Conversations"), "int", "all"),
        ],
    )
    for _m, attribute, label in DURATIONS:
        measure = {"measure": label()}
        table.columns.append(
            Column(f"{attribute}_p50", _("%(measure)s, median") % measure, "seconds")
        )
        table.columns.append(Column(f"{attribute}_p90", _("%(measure)s, p90") % measure, "seconds"))
    for (value,), group in sorted(breakdown.items(), key=lambda kv: -kv[1].get("conversations")):
        s = ConversationSummary.of(group)
        row: dict[str, Any] = {
            "name": names.of(by, value),
            "conversations": s.conversations,
            "_drill": {"dim": by, "value": drill_value(value)},
        }
        for _m, attribute, _l in DURATIONS:
            row[f"{attribute}_p50"] = getattr(s, attribute).p50
            row[f"{attribute}_p90"] = getattr(s, attribute).p90
        table.rows.append(row)
    page.tables.append(table)
    return page


# ---------------------------------------------------------------------------------------------
# CSAT
# ---------------------------------------------------------------------------------------------


def csat(selection: Selection) -> Page:
    scope, by, unit = selection.scope, selection.by, selection.unit
    names = Names()
    total = ConversationSummary.of(sources.conversation_groups(scope)[()])
    page = Page(_("Customer satisfaction"))
    segments = (
        ("all", _("All conversations"), total.csat_all, "rated"),
        ("assistant", _("Assistant only"), total.csat_assistant, "rated_assistant"),
        ("human", _("Human-handled"), total.csat_human, "rated_human"),
    )
    for key, label, c, metric in segments:
        page.cards.append(
            Card(label, format_cell("float1", c.average),
                 _("%(n)s ratings, %(rate)s of resolved conversations rated")
                 % {"n": format_cell("int", c.rated), "rate": format_cell("pct", c.response_rate)},
                 drill_url(selection, metric=metric), f"csat-{key}")
        )  # fmt: skip
    table = Table(
        "csat",
        _("Ratings"),
        [
            Column("segment", _("Conversations"), "text"),
            Column("resolved", _("Resolved"), "int"),
            Column("rated", _("Rated"), "int"),
            Column("response_rate", _("Response rate"), "pct"),
            Column("average", _("Average"), "float1"),
            *(Column(f"s{s}", "★" * s, "int") for s in CSAT_SCORES),
        ],
    )
    for key, label, c, _metric in segments:
        row: dict[str, Any] = {
            "segment": label,
            "resolved": c.resolved,
            "rated": c.rated,
            "response_rate": c.response_rate,
            "average": c.average,
            **{f"s{s}": c.distribution[s] for s in CSAT_SCORES},
            "_drill": {"segment": key},
        }
        table.rows.append(row)
    page.tables.append(table)
    page.charts.append(
        Chart(
            "distribution",
            _("Distribution of ratings"),
            "bar",
            [format_cell("int", s) for s in CSAT_SCORES],
            [
                {"label": _("Assistant only"),
                 "data": [total.csat_assistant.distribution[s] for s in CSAT_SCORES]},
                {"label": _("Human-handled"),
                 "data": [total.csat_human.distribution[s] for s in CSAT_SCORES]},
            ],
            "int",
            [drill_url(selection, metric=f"csat_{s}") for s in CSAT_SCORES],
        )
    )  # fmt: skip
    series = sources.conversation_groups(scope, unit=unit)
    points = buckets(selection)
    per_point = {
        p: ConversationSummary.of(series[(p,)]) if (p,) in series else None for p in points
    }

    def averages(attribute: str) -> list[float | None]:
        values = []
        for p in points:
            s = per_point[p]
            average = getattr(s, attribute).average if s else None
            values.append(round(average, 3) if average is not None else None)
        return values

    page.charts.append(
        Chart("csat_over_time", _("Average rating over time"), "line",
              [bucket_label(p, unit) for p in points],
              [{"label": _("Assistant only"), "data": averages("csat_assistant")},
               {"label": _("Human-handled"), "data": averages("csat_human")}],
              "float1",
              [drill_url(selection, period=bucket_param(p, unit), unit=unit, metric="rated")
               for p in points])
    )  # fmt: skip
    breakdown = sources.conversation_groups(scope, by=(by,))
    by_table = Table(
        "csat_breakdown",
        _("By %(dimension)s") % {"dimension": _dimension(by)},
        [
            Column("name", _dimension(by), "text"),
            Column("rated", _("Rated"), "int", "rated"),
            Column("average", _("Average"), "float1"),
            Column("response_rate", _("Response rate"), "pct"),
            Column("assistant_average", _("Assistant only"), "float1", "rated_assistant"),
            Column("human_average", _("Human-handled"), "float1", "rated_human"),
            Column("bad", _("Rated 1-2"), "int", "rated_badly"),
        ],
    )
    for (value,), group in sorted(breakdown.items(), key=lambda kv: -kv[1].get("conversations")):
        s = ConversationSummary.of(group)
        c = s.csat_all
        by_table.rows.append(
            {
                "name": names.of(by, value),
                "rated": c.rated,
                "average": c.average,
                "response_rate": c.response_rate,
                "assistant_average": s.csat_assistant.average,
                "human_average": s.csat_human.average,
                "bad": c.distribution[1] + c.distribution[2],
                "_drill": {"dim": by, "value": drill_value(value)},
            }
        )
    page.tables.append(by_table)
    return page


# ---------------------------------------------------------------------------------------------
# Agents and teams
# ---------------------------------------------------------------------------------------------


def _people_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("handled", _("Handled"), "int", "all"),
        Column("resolved", _("Resolved"), "int", "resolved"),
        Column("frt_human_p50", _("First response, median"), "seconds"),
        Column("reply_human_p50", _("Response time, median"), "seconds"),
        Column("resolution_p50", _("Resolution, median"), "seconds"),
        Column("csat", _("CSAT"), "float1", "rated"),
        Column("rated", _("Ratings"), "int", "rated"),
        Column("sla_breaches", _("SLA breaches"), "int", "sla_breached"),
    ]


def _people_row(s: ConversationSummary) -> dict[str, Any]:
    return {
        "handled": s.conversations,
        "resolved": s.resolved,
        "frt_human_p50": s.frt_human.p50,
        "reply_human_p50": s.reply_human.p50,
        "resolution_p50": s.resolution.p50,
        "csat": s.csat_all.average,
        "rated": s.csat_all.rated,
        "sla_breaches": s.sla_breaches,
    }


def agents(selection: Selection) -> Page:
    scope = selection.scope
    names = Names()
    metrics = ("frt_h", "reply_h", "resolution")
    page = Page(_("Agents and teams"))
    teams = sources.conversation_groups(scope, by=("team",), sparse=metrics)
    team_table = Table(
        "teams",
        _("Teams"),
        _people_columns(Column("team", _("Team"), "text")),
        note=_("Conversations with a ticket, by the ticket's team."),
    )
    for (team,), group in sorted(teams.items(), key=lambda kv: -kv[1].get("conversations")):
        if team is None:
            continue
        s = ConversationSummary.of(group)
        team_table.rows.append(
            {"team": names.of("team", team), **_people_row(s),
             "_drill": {"dim": "team", "value": drill_value(team)}}
        )  # fmt: skip
    page.tables.append(team_table)
    per_agent: dict[Any, list[Group]] = {}
    for (_team, agent), group in sources.conversation_groups(
        scope, by=("team", "agent"), sparse=metrics
    ).items():
        if agent is not None:
            per_agent.setdefault(agent, []).append(group)
    agent_table = Table(
        "agents",
        _("Agents"),
        _people_columns(Column("agent", _("Agent"), "text")),
        note=_("Conversations whose ticket is assigned to the agent, or that the agent took over."),
    )
    summaries = {a: ConversationSummary.of(_merge(gs)) for a, gs in per_agent.items()}
    for agent, s in sorted(summaries.items(), key=lambda kv: -kv[1].conversations):
        agent_table.rows.append(
            {"agent": names.agent(agent), **_people_row(s),
             "_drill": {"dim": "agent", "value": drill_value(agent)}}
        )  # fmt: skip
    page.tables.append(agent_table)
    page.charts.append(
        Chart(
            "handled",
            _("Conversations handled per agent"),
            "bar",
            [row["agent"] for row in agent_table.rows],
            [{"label": _("Handled"), "data": [r["handled"] for r in agent_table.rows]},
             {"label": _("SLA breaches"), "data": [r["sla_breaches"] for r in agent_table.rows]}],
            "int",
            [drill_url(selection, dim="agent", value=row["_drill"]["value"])
             for row in agent_table.rows],
            horizontal=True,
        )
    )  # fmt: skip
    return page


# ---------------------------------------------------------------------------------------------
# Models and cost
# ---------------------------------------------------------------------------------------------


def human_cost() -> Decimal:
    # Parsed and validated at start-up (assistant/settings.py): a malformed value stops the process.
    return settings.ANALYTICS_HUMAN_COST_PER_CONVERSATION


def models(selection: Selection) -> Page:
    scope, unit = selection.scope, selection.unit
    currency = settings.ANALYTICS_CURRENCY
    page = Page(_("Models and cost"))
    calls = sources.call_groups(scope, sparse=("ttft",))
    table = Table(
        "models",
        _("Calls per provider and model"),
        [
            Column("provider", _("Provider"), "text"),
            Column("model", _("Model"), "text"),
            Column("calls", _("Calls"), "int"),
            Column("input_tokens", _("Input tokens"), "int"),
            Column("output_tokens", _("Output tokens"), "int"),
            Column("cost", _("Cost"), "money"),
            Column("currency", _("Currency"), "text"),
            Column("ttft_p50", _("First token, median"), "ms"),
            Column("ttft_p95", _("First token, p95"), "ms"),
            Column("avg_duration", _("Average duration"), "ms"),
            Column("error_rate", _("Errors"), "pct"),
            Column("fallback_rate", _("Fallbacks"), "pct"),
        ],
        note=_("Model calls made in the range. Team, agent and language filters do not apply."),
    )
    for (provider, model, cur), group in sorted(calls.items(), key=lambda kv: -kv[1].get("calls")):
        s = CallSummary.of(group)
        table.rows.append(
            {
                "provider": provider,
                "model": model,
                "calls": s.calls,
                "input_tokens": s.input_tokens,
                "output_tokens": s.output_tokens,
                "cost": s.cost if s.calls > s.unpriced else None,
                "currency": cur or _("(no price)"),
                "ttft_p50": s.ttft.p50,
                "ttft_p95": s.ttft.p95,
                "avg_duration": s.average_duration_ms,
                "error_rate": s.error_rate,
                "fallback_rate": s.fallback_rate,
            }
        )
    page.tables.append(table)

    total = ConversationSummary.of(sources.conversation_groups(scope)[()])
    human = human_cost()
    model_per_human = total.model_cost_per_human_conversation
    per_human_total = human + Decimal(str(model_per_human or 0))
    comparison = Table(
        "cost_comparison",
        _("What a resolution costs"),
        [
            Column("option", _("Option"), "text"),
            Column("basis", _("Per"), "text"),
            Column("price", _("Cost"), "money"),
            Column("price_high", _("Up to"), "money"),
            Column("currency", _("Currency"), "text"),
        ],
        note=_(
            "Ours: all model spend of the range divided by its automated resolutions. Human: "
            "ANALYTICS_HUMAN_COST_PER_CONVERSATION plus the model spend of human-handled "
            "conversations. Hosted agents: public list prices."
        ),
    )
    comparison.rows = [
        {"option": _("This assistant"), "basis": _("automated resolution"),
         "price": total.cost_per_automated_resolution, "currency": currency},
        {"option": _("This assistant"), "basis": _("conversation"),
         "price": total.cost_per_conversation, "currency": currency},
        {"option": _("Human-handled"), "basis": _("conversation"),
         "price": per_human_total, "currency": currency},
        *(
            {"option": str(name), "basis": _("automated resolution"), "price": low,
             "price_high": high, "currency": "USD"}
            for name, low, high in HOSTED_PRICES
        ),
    ]  # fmt: skip
    page.tables.append(comparison)
    page.cards = [
        Card(_("Model cost"), format_cell("money", total.cost), currency),
        Card(_("Per conversation"), format_cell("money", total.cost_per_conversation), currency),
        Card(_("Per automated resolution"),
             format_cell("money", total.cost_per_automated_resolution),
             _("%(n)s automated resolutions") % {"n": format_cell("int", total.automated)},
             drill_url(selection, metric="automated"), "kpi-cost-resolution"),
        Card(_("Human-handled conversation"), format_cell("money", per_human_total),
             _("setting %(human)s + model %(model)s")
             % {"human": format_cell("money", human),
                "model": format_cell("money", model_per_human)}),
    ]  # fmt: skip

    series = sources.call_groups(scope, unit=unit)
    points = buckets(selection)
    per_model: dict[str, Counter[datetime]] = {}
    for (moment, provider, model, cur), group in series.items():
        if cur == currency:
            per_model.setdefault(f"{provider}/{model}", Counter())[moment] += float(
                group.get("cost")
            )
    page.charts.append(
        Chart(
            "cost",
            _("Model cost over time (%(currency)s)") % {"currency": currency},
            "stacked",
            [bucket_label(p, unit) for p in points],
            [
                {"label": name, "data": [round(values[p], 6) for p in points]}
                for name, values in sorted(per_model.items())
            ],
            "money",
        )
    )
    page.charts.append(
        Chart(
            "ttft",
            _("Time to first token"),
            "bar",
            [f"{row['provider']}/{row['model']}" for row in table.rows],
            [{"label": _("Median"), "data": [row["ttft_p50"] for row in table.rows]},
             {"label": _("95th percentile"), "data": [row["ttft_p95"] for row in table.rows]}],
            "ms",
            horizontal=True,
        )
    )  # fmt: skip
    return page


# ---------------------------------------------------------------------------------------------
# Model comparison (A/B)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArmMetric:
    key: str
    label: str
    kind: str
    a: stats.Interval
    b: stats.Interval
    difference: stats.Interval
    better: str  # "higher" or "lower"

    @property
    def verdict(self) -> str:
        d = self.difference
        if not d.known or d.low is None or d.high is None:
            return _("not enough data")
        if d.low <= 0 <= d.high:
            return _("no clear difference")
        b_higher = d.low > 0
        good = b_higher == (self.better == "higher")
        return _("B is better") if good else _("B is worse")


def compare(selection: Selection, arm_a: str | None, arm_b: str | None) -> Page:
    scope = selection.scope
    page = Page(_("Model comparison"))
    routes = sources.conversation_groups(scope, by=("route",), sparse=("frt_a",))
    ranked = sorted(routes, key=lambda key: -routes[key].get("conversations"))
    available = [key[0] for key in ranked]
    page.extra["routes"] = available
    if arm_a not in available:
        arm_a = available[0] if available else None
    if arm_b not in available or arm_b == arm_a:
        arm_b = next((r for r in available if r != arm_a), None)
    page.extra["arm_a"], page.extra["arm_b"] = arm_a, arm_b
    if arm_a is None or arm_b is None:
        page.notes.append(_("Model comparison needs conversations on two model routes."))
        return page
    a = ConversationSummary.of(routes[(arm_a,)])
    b = ConversationSummary.of(routes[(arm_b,)])
    calls = sources.call_groups(scope, by=("route",), sparse=("ttft",))
    empty = Group(())
    ttft_a = stats.median_interval(calls.get((arm_a,), empty).counts("ttft"))
    ttft_b = stats.median_interval(calls.get((arm_b,), empty).counts("ttft"))

    def rate_metric(key: str, label: str, attribute: str, better: str) -> ArmMetric:
        wa = stats.wilson(getattr(a, attribute), a.conversations)
        wb = stats.wilson(getattr(b, attribute), b.conversations)
        return ArmMetric(key, label, "pct", wa, wb, stats.newcombe(wa, wb), better)

    def mean_metric(key: str, label: str, ma: stats.Moments, mb: stats.Moments, kind: str,
                    better: str) -> ArmMetric:  # fmt: skip
        return ArmMetric(
            key, label, kind, ma.interval(), mb.interval(), stats.mean_difference(ma, mb), better
        )

    frt_a = stats.median_interval(routes[(arm_a,)].counts("frt_a"))
    frt_b = stats.median_interval(routes[(arm_b,)].counts("frt_a"))
    arm_metrics = [
        rate_metric("automated", _("Automated resolution"), "automated", "higher"),
        rate_metric("handed_off", _("Handoff rate"), "handed_off", "lower"),
        mean_metric("csat", _("CSAT"), a.csat_all.moments, b.csat_all.moments, "float1", "higher"),
        mean_metric("cost", _("Cost per conversation"), a.cost_moments, b.cost_moments, "money",
                    "lower"),
        ArmMetric("frt", _("First response, assistant (median)"), "seconds", frt_a, frt_b,
                  stats.NONE, "lower"),
        ArmMetric("ttft", _("Time to first token (median)"), "ms", ttft_a, ttft_b, stats.NONE,
                  "lower"),
    ]  # fmt: skip
    page.extra["metrics"] = arm_metrics
    page.extra["n"] = (a.conversations, b.conversations)
    table = Table(
        "comparison",
        _("Side by side, with 95 % confidence intervals"),
        [
            Column("metric", _("Measure"), "text"),
            Column("a", _("A: %(route)s") % {"route": arm_a}, "text"),
            Column("a_value", _("A value"), "float1", csv_only=True),
            Column("a_low", _("A low"), "float1", csv_only=True),
            Column("a_high", _("A high"), "float1", csv_only=True),
            Column("b", _("B: %(route)s") % {"route": arm_b}, "text"),
            Column("b_value", _("B value"), "float1", csv_only=True),
            Column("b_low", _("B low"), "float1", csv_only=True),
            Column("b_high", _("B high"), "float1", csv_only=True),
            Column("difference", _("B - A"), "text"),
            Column("verdict", _("Verdict"), "text"),
        ],
        note=_(
            "Rates: Wilson score intervals, difference by Newcombe's method. CSAT and cost: "
            "normal approximation. Medians: distribution-free order-statistic intervals."
        ),
    )
    for m in arm_metrics:
        table.rows.append(
            {
                "metric": m.label,
                "a": _interval_text(m.kind, m.a),
                "a_value": m.a.value, "a_low": m.a.low, "a_high": m.a.high,
                "b": _interval_text(m.kind, m.b),
                "b_value": m.b.value, "b_low": m.b.low, "b_high": m.b.high,
                "difference": _interval_text(m.kind, m.difference) if m.difference.known else "",
                "verdict": m.verdict if m.difference.known else "",
            }
        )  # fmt: skip
    page.tables.append(table)
    for m in arm_metrics[:4]:
        scale = 100 if m.kind == "pct" else 1
        values = [m.a, m.b]
        page.charts.append(
            Chart(
                f"arm_{m.key}",
                m.label,
                "interval",
                [f"A: {arm_a}", f"B: {arm_b}"],
                [
                    {"label": _("95 % interval"),
                     "data": [[_scaled(v.low, scale), _scaled(v.high, scale)] for v in values]},
                    {"label": _("Estimate"), "data": [_scaled(v.value, scale) for v in values]},
                ],
                "pct" if m.kind == "pct" else m.kind,
                [drill_url(selection, dim="route", value=r, metric=m.key if m.key in
                           ("automated", "handed_off") else "all") for r in (arm_a, arm_b)],
                horizontal=True,
            )
        )  # fmt: skip
    page.cards = [
        Card(f"A: {arm_a}", format_cell("int", a.conversations), _("conversations"),
             drill_url(selection, dim="route", value=arm_a), "arm-a"),
        Card(f"B: {arm_b}", format_cell("int", b.conversations), _("conversations"),
             drill_url(selection, dim="route", value=arm_b), "arm-b"),
    ]  # fmt: skip
    return page


def _scaled(value: float | None, scale: float) -> float | None:
    return None if value is None else round(value * scale, 4)


def _interval_text(kind: str, interval: stats.Interval) -> str:
    if not interval.known:
        return DASH
    value = format_cell(kind, interval.value)
    if interval.low is None or interval.high is None:
        return value
    return f"{value} ({format_cell(kind, interval.low)} to {format_cell(kind, interval.high)})"
