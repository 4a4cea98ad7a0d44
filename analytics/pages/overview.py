"""The overview page: volume, automated resolution, handoffs and their reasons."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from analytics import sources
from analytics.actions import actions_table
from analytics.drill import drill_value
from analytics.forms import Selection
from analytics.metrics import ConversationSummary
from analytics.pages import definitions
from analytics.pages.base import (
    TOP_SERIES,
    Card,
    Names,
    Page,
    dimension_column,
    dimension_label,
    drill_url,
)
from analytics.pages.periods import bucket_label, bucket_links, buckets, merge, percent_points
from analytics.sources import Group
from analytics.tables import (
    Chart,
    Column,
    Table,
    TableSpec,
    format_cell,
    format_duration,
)
from assistant.chat.reasons import label_for

BREAKDOWN = TableSpec(
    "breakdown",
    gettext_lazy("By %(dimension)s"),
    (
        Column("conversations", gettext_lazy("Conversations"), "int", "all"),
        Column("share", gettext_lazy("Share"), "pct"),
        Column("automated", gettext_lazy("Automated"), "int", "automated"),
        Column("automated_rate", gettext_lazy("Automated rate"), "pct"),
        Column("handed_off", gettext_lazy("Handed off"), "int", "handed_off"),
        Column("handoff_rate", gettext_lazy("Handoff rate"), "pct"),
        Column("reopened", gettext_lazy("Reopened"), "int", "reopened"),
        Column("resolution_p50", gettext_lazy("Resolution, median"), "seconds"),
        Column("csat", gettext_lazy("CSAT"), "float1", "rated"),
    ),
)
# Conversations per channel, whatever the breakdown chosen: the overview always says how much
# came by chat and how much by e-mail, with each channel's outcomes beside its volume.
CHANNELS = replace(BREAKDOWN, id="channels", title=gettext_lazy("By channel"))
HANDOFF_REASONS = TableSpec(
    "handoff_reasons",
    gettext_lazy("Handoff reasons"),
    (
        Column("reason", gettext_lazy("Reason"), "text"),
        Column("conversations", gettext_lazy("Conversations"), "int", "handed_off"),
        Column("share", gettext_lazy("Share of handoffs"), "pct"),
    ),
)


def overview(selection: Selection) -> Page:
    total = ConversationSummary.of(
        sources.conversation_groups(
            selection.scope, sparse=("frt_a", "frt_h", "resolution", "reason")
        )[()]
    )
    page = Page(_("Overview"))
    page.cards = _cards(selection, total)
    page.rules.append((_("Idle conversations"), definitions.idle_rule(selection)))
    series = sources.conversation_groups(selection.scope, by=(selection.by,), unit=selection.unit)
    page.charts.append(_volume_chart(selection, series))
    page.charts.append(_rates_chart(selection, series))
    page.tables.append(_breakdown(selection, total, selection.by, BREAKDOWN))
    if selection.by != "channel":
        page.tables.append(_breakdown(selection, total, "channel", CHANNELS))
    reasons = _reasons(total)
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
    page.tables.append(actions_table(selection.scope))
    page.extra["total"] = total
    return page


def _median_hint(p90: float | None) -> str:
    return _("median; 90th percentile %(p)s") % {"p": format_duration(p90)}


def _cards(selection: Selection, total: ConversationSummary) -> list[Card]:
    return [
        Card(
            _("Conversations"),
            format_cell("int", total.conversations),
            href=drill_url(selection, metric="all"),
            testid="kpi-conversations",
            definition=definitions.CONVERSATIONS,
        ),
        Card(
            _("Automated resolution"),
            format_cell("pct", total.automated_rate),
            _("%(n)s resolved without a human") % {"n": format_cell("int", total.automated)},
            drill_url(selection, metric="automated"),
            "kpi-automated",
            definitions.automated(),
        ),
        # Beside the rate: a low rate over a range with many open conversations is a rate that
        # has not been decided yet, not a poor one.
        Card(
            _("Awaiting an outcome"),
            format_cell("int", total.open),
            _("%(n)s still with the assistant")
            % {"n": format_cell("int", total.open_assistant_only)},
            drill_url(selection, metric="open"),
            "kpi-pending",
            definitions.AWAITING,
        ),
        Card(
            _("Handed off"),
            format_cell("pct", total.handoff_rate),
            ngettext("%(n)s conversation", "%(n)s conversations", total.handed_off)
            % {"n": format_cell("int", total.handed_off)},
            drill_url(selection, metric="handed_off"),
            "kpi-handoff",
            definitions.HANDED_OFF,
        ),
        Card(
            _("First response, assistant"),
            format_duration(total.frt_assistant.p50),
            _median_hint(total.frt_assistant.p90),
            definition=definitions.FIRST_RESPONSE_ASSISTANT,
        ),
        Card(
            _("First response, human"),
            format_duration(total.frt_human.p50),
            _median_hint(total.frt_human.p90),
            definition=definitions.FIRST_RESPONSE_HUMAN,
        ),
        Card(
            _("Resolution time"),
            format_duration(total.resolution.p50),
            _median_hint(total.resolution.p90),
            definition=definitions.RESOLUTION,
        ),
        Card(
            _("CSAT"),
            format_cell("float1", total.csat_all.average),
            ngettext("%(n)s rating", "%(n)s ratings", total.csat_all.rated)
            % {"n": format_cell("int", total.csat_all.rated)},
            drill_url(selection, metric="rated"),
            "kpi-csat",
            definitions.CSAT,
        ),
        Card(
            _("Cost per automated resolution"),
            format_cell("money", total.cost_per_automated_resolution),
            settings.ANALYTICS_CURRENCY,
            definition=definitions.COST_PER_AUTOMATED,
        ),
    ]


def _volume_chart(selection: Selection, series: dict[Any, Group]) -> Chart:
    """Conversations per bucket, one stacked series per breakdown value (the largest first)."""
    names = Names()
    points = buckets(selection)
    per_value: dict[Any, Counter[datetime]] = {}
    for (moment, value), group in series.items():
        per_value.setdefault(value, Counter())[moment] += int(group.get("conversations"))
    ranked = sorted(per_value, key=lambda v: -sum(per_value[v].values()))
    datasets = [
        {"label": names.of(selection.by, value), "data": [per_value[value][p] for p in points]}
        for value in ranked[:TOP_SERIES]
    ]
    if len(ranked) > TOP_SERIES:
        other: Counter[datetime] = Counter()
        for value in ranked[TOP_SERIES:]:
            other.update(per_value[value])
        datasets.append({"label": _("Other"), "data": [other[p] for p in points]})
    return Chart(
        "volume",
        _("Conversations by %(dimension)s") % {"dimension": dimension_label(selection.by)},
        "stacked",
        [bucket_label(p, selection.unit) for p in points],
        datasets,
        "int",
        bucket_links(selection, points),
    )


def _rates_chart(selection: Selection, series: dict[Any, Group]) -> Chart:
    points = buckets(selection)
    per_bucket: dict[datetime, list[Group]] = {}
    for (moment, _value), group in series.items():
        per_bucket.setdefault(moment, []).append(group)
    summaries = [ConversationSummary.of(merge(per_bucket.get(p, []))) for p in points]
    return Chart(
        "rates",
        _("Automated resolution and handoff rate"),
        "line",
        [bucket_label(p, selection.unit) for p in points],
        [
            {
                "label": _("Automated resolution"),
                "data": percent_points([s.automated_rate for s in summaries]),
            },
            {
                "label": _("Handed off"),
                "data": percent_points([s.handoff_rate for s in summaries]),
            },
        ],
        "pct",
        bucket_links(selection, points, metric="automated"),
    )


def _breakdown(selection: Selection, total: ConversationSummary, by: str, spec: TableSpec) -> Table:
    names = Names()
    groups = sources.conversation_groups(selection.scope, by=(by,), sparse=("resolution",))
    table = spec.table(lead=[dimension_column(by)], dimension=dimension_label(by))
    for (value,), group in sorted(groups.items(), key=lambda kv: -kv[1].get("conversations")):
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
    return table


def _reasons(total: ConversationSummary) -> Table:
    table = HANDOFF_REASONS.table()
    for reason, n in total.reasons:
        table.rows.append(
            {
                "reason": label_for(reason) if reason else _("(no reason given)"),
                "conversations": n,
                "share": n / total.handed_off if total.handed_off else None,
                "_drill": {"reason": reason},
            }
        )
    return table
