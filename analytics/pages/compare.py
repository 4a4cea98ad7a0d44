"""The model-comparison page: two model routes side by side, each measure with its 95 %
confidence interval and a verdict only when the interval of the difference excludes zero."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, npgettext

from analytics import sources, stats
from analytics.forms import Selection
from analytics.metrics import ConversationSummary
from analytics.pages.base import Card, Page, drill_url
from analytics.sources import Group
from analytics.tables import DASH, UNITS, Chart, Column, Table, TableSpec, format_cell

# Only these measures have drill-down metrics of their own; the others link to every
# conversation of the arm.
DRILLABLE = ("automated", "handed_off")
# The first four measures (rates and means) get a chart each.
CHARTED = 4

COMPARISON = TableSpec(
    "comparison",
    gettext_lazy("Side by side, with confidence intervals (95 %)"),
    (),
    note=gettext_lazy(
        "Rates: Wilson score intervals, difference by Newcombe's method. CSAT and cost: "
        "normal approximation. Medians: distribution-free order-statistic intervals."
    ),
)


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


def _columns(arm_a: str, arm_b: str) -> list[Column]:
    """The arms' columns are named after their routes, so they are built per page. The CSV also
    gets each interval as plain numbers, in the unit its row names (rates in %)."""
    return [
        Column("metric", _("Measure"), "text"),
        Column("unit", _("Unit"), "text", csv_only=True),
        Column("a", _("A: %(route)s") % {"route": arm_a}, "text"),
        Column("a_value", _("A value"), "number", csv_only=True),
        Column("a_low", _("A low"), "number", csv_only=True),
        Column("a_high", _("A high"), "number", csv_only=True),
        Column("b", _("B: %(route)s") % {"route": arm_b}, "text"),
        Column("b_value", _("B value"), "number", csv_only=True),
        Column("b_low", _("B low"), "number", csv_only=True),
        Column("b_high", _("B high"), "number", csv_only=True),
        Column("difference", _("B - A"), "text"),
        Column("verdict", _("Verdict"), "text"),
    ]


def _unit(kind: str) -> str:
    """The unit a measure's plain numbers are in: a CSAT score has none."""
    if kind == "money":
        return settings.ANALYTICS_CURRENCY
    return UNITS.get(kind, "")


def _pick_arms(
    available: list[str], arm_a: str | None, arm_b: str | None
) -> tuple[str | None, str | None]:
    """The requested arms if they have conversations, else the two busiest routes."""
    if arm_a not in available:
        arm_a = available[0] if available else None
    if arm_b not in available or arm_b == arm_a:
        arm_b = next((r for r in available if r != arm_a), None)
    return arm_a, arm_b


def compare(selection: Selection, arm_a: str | None, arm_b: str | None) -> Page:
    page = Page(_("Model comparison"))
    routes = sources.conversation_groups(selection.scope, by=("route",), sparse=("frt_a",))
    available = [
        key[0] for key in sorted(routes, key=lambda key: -routes[key].get("conversations"))
    ]
    page.extra["routes"] = available
    arm_a, arm_b = _pick_arms(available, arm_a, arm_b)
    page.extra["arm_a"], page.extra["arm_b"] = arm_a, arm_b
    if arm_a is None or arm_b is None:
        page.notes.append(_("Model comparison needs conversations on two model routes."))
        return page
    a = ConversationSummary.of(routes[(arm_a,)])
    b = ConversationSummary.of(routes[(arm_b,)])
    arm_metrics = _arm_metrics(selection, routes, arm_a, arm_b, a, b)
    page.extra["metrics"] = arm_metrics
    page.extra["n"] = (a.conversations, b.conversations)
    page.tables.append(_table(arm_metrics, arm_a, arm_b))
    for m in arm_metrics[:CHARTED]:
        page.charts.append(_interval_chart(selection, m, arm_a, arm_b))
    page.cards = [
        Card(
            f"A: {arm_a}",
            format_cell("int", a.conversations),
            npgettext("count", "conversation", "conversations", a.conversations),
            drill_url(selection, dim="route", value=arm_a),
            "arm-a",
        ),
        Card(
            f"B: {arm_b}",
            format_cell("int", b.conversations),
            npgettext("count", "conversation", "conversations", b.conversations),
            drill_url(selection, dim="route", value=arm_b),
            "arm-b",
        ),
    ]
    return page


def _arm_metrics(
    selection: Selection,
    routes: dict[tuple[str], Group],
    arm_a: str,
    arm_b: str,
    a: ConversationSummary,
    b: ConversationSummary,
) -> list[ArmMetric]:
    calls = sources.call_groups(selection.scope, by=("route",), sparse=("ttft",))
    empty = Group(())
    ttft_a = stats.median_interval(calls.get((arm_a,), empty).counts("ttft"))
    ttft_b = stats.median_interval(calls.get((arm_b,), empty).counts("ttft"))
    frt_a = stats.median_interval(routes[(arm_a,)].counts("frt_a"))
    frt_b = stats.median_interval(routes[(arm_b,)].counts("frt_a"))

    def rate(key: str, label: str, attribute: str, better: str) -> ArmMetric:
        wa = stats.wilson(getattr(a, attribute), a.conversations)
        wb = stats.wilson(getattr(b, attribute), b.conversations)
        return ArmMetric(key, label, "pct", wa, wb, stats.newcombe(wa, wb), better)

    def mean(
        key: str, label: str, ma: stats.Moments, mb: stats.Moments, kind: str, better: str
    ) -> ArmMetric:
        difference = stats.mean_difference(ma, mb)
        return ArmMetric(key, label, kind, ma.interval(), mb.interval(), difference, better)

    return [
        rate("automated", _("Automated resolution"), "automated", "higher"),
        rate("handed_off", _("Handoff rate"), "handed_off", "lower"),
        mean("csat", _("CSAT"), a.csat_all.moments, b.csat_all.moments, "float1", "higher"),
        mean("cost", _("Cost per conversation"), a.cost_moments, b.cost_moments, "money", "lower"),
        ArmMetric(
            "frt",
            _("First response, assistant (median)"),
            "seconds",
            frt_a,
            frt_b,
            stats.NONE,
            "lower",
        ),
        ArmMetric(
            "ttft", _("Time to first token (median)"), "ms", ttft_a, ttft_b, stats.NONE, "lower"
        ),
    ]


def _table(arm_metrics: list[ArmMetric], arm_a: str, arm_b: str) -> Table:
    table = COMPARISON.table(lead=_columns(arm_a, arm_b))
    for m in arm_metrics:
        known = m.difference.known
        scale = 100 if m.kind == "pct" else 1
        table.rows.append(
            {
                "metric": m.label,
                "unit": _unit(m.kind),
                "a": _interval_text(m.kind, m.a),
                "a_value": _times(m.a.value, scale),
                "a_low": _times(m.a.low, scale),
                "a_high": _times(m.a.high, scale),
                "b": _interval_text(m.kind, m.b),
                "b_value": _times(m.b.value, scale),
                "b_low": _times(m.b.low, scale),
                "b_high": _times(m.b.high, scale),
                "difference": _interval_text(m.kind, m.difference) if known else "",
                "verdict": m.verdict if known else "",
            }
        )
    return table


def _interval_chart(selection: Selection, m: ArmMetric, arm_a: str, arm_b: str) -> Chart:
    scale = 100 if m.kind == "pct" else 1
    values = [m.a, m.b]
    metric = m.key if m.key in DRILLABLE else "all"
    return Chart(
        f"arm_{m.key}",
        m.label,
        "interval",
        [f"A: {arm_a}", f"B: {arm_b}"],
        [
            {
                "label": _("Interval (95 %)"),
                "data": [[_scaled(v.low, scale), _scaled(v.high, scale)] for v in values],
            },
            {"label": _("Estimate"), "data": [_scaled(v.value, scale) for v in values]},
        ],
        m.kind,
        [drill_url(selection, dim="route", value=r, metric=metric) for r in (arm_a, arm_b)],
        horizontal=True,
    )


def _times(value: float | None, scale: float) -> float | None:
    return None if value is None else value * scale


def _scaled(value: float | None, scale: float) -> float | None:
    return None if value is None else round(value * scale, 4)


def _interval_text(kind: str, interval: stats.Interval) -> str:
    if not interval.known:
        return DASH
    value = format_cell(kind, interval.value)
    if interval.low is None or interval.high is None:
        return value
    return f"{value} ({format_cell(kind, interval.low)} to {format_cell(kind, interval.high)})"
