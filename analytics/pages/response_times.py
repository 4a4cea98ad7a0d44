"""The response-times page: first responses, human response time and resolution time, as
medians and 90th percentiles, over time and per breakdown value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import sources, stats
from analytics.drill import drill_value
from analytics.forms import Selection
from analytics.metrics import ConversationSummary, Percentiles
from analytics.pages import definitions
from analytics.pages.base import Card, Names, Page, dimension_column, dimension_label
from analytics.pages.periods import bucket_label, bucket_links, buckets
from analytics.tables import Chart, Column, Label, Table, TableSpec, format_duration


@dataclass(frozen=True)
class Duration:
    metric: str  # the sparse counts it is read from (analytics/measures.py)
    attribute: str  # its Percentiles on ConversationSummary
    label: Label
    definition: Label

    def of(self, summary: ConversationSummary) -> Percentiles:
        return getattr(summary, self.attribute)


DURATIONS = (
    Duration(
        "frt_a",
        "frt_assistant",
        gettext_lazy("First response, assistant"),
        definitions.FIRST_RESPONSE_ASSISTANT,
    ),
    Duration(
        "frt_h",
        "frt_human",
        gettext_lazy("First response, human"),
        definitions.FIRST_RESPONSE_HUMAN,
    ),
    Duration(
        "reply_h", "reply_human", gettext_lazy("Human response time"), definitions.HUMAN_RESPONSE
    ),
    Duration("resolution", "resolution", gettext_lazy("Resolution time"), definitions.RESOLUTION),
)
METRICS = tuple(d.metric for d in DURATIONS)

SUMMARY = TableSpec(
    "response_times",
    gettext_lazy("Medians and 90th percentiles"),
    (
        Column("metric", gettext_lazy("Measure"), "text"),
        Column("samples", gettext_lazy("Samples"), "int"),
        Column("p50", gettext_lazy("Median"), "seconds"),
        Column("p90", gettext_lazy("90th percentile"), "seconds"),
    ),
)
BREAKDOWN = TableSpec(
    "response_times_breakdown",
    gettext_lazy("By %(dimension)s"),
    (Column("conversations", gettext_lazy("Conversations"), "int", "all"),),
)


def response_times(selection: Selection) -> Page:
    total = ConversationSummary.of(sources.conversation_groups(selection.scope, sparse=METRICS)[()])
    page = Page(_("Response times"))
    summary = SUMMARY.table()
    for duration in DURATIONS:
        p = duration.of(total)
        summary.rows.append(
            {"metric": str(duration.label), "samples": p.n, "p50": p.p50, "p90": p.p90}
        )
    page.tables.append(summary)
    page.cards = [
        Card(
            duration.label,
            format_duration(duration.of(total).p50),
            _("90th percentile %(p)s") % {"p": format_duration(duration.of(total).p90)},
            definition=duration.definition,
        )
        for duration in DURATIONS
    ]
    page.charts.append(
        Chart(
            "percentiles",
            _("Median and 90th percentile"),
            "bar",
            [str(d.label) for d in DURATIONS],
            [
                {"label": _("Median"), "data": [d.of(total).p50 for d in DURATIONS]},
                {"label": _("90th percentile"), "data": [d.of(total).p90 for d in DURATIONS]},
            ],
            "seconds",
        )
    )
    page.charts.append(_medians_chart(selection))
    page.tables.append(_breakdown(selection))
    return page


def _medians_chart(selection: Selection) -> Chart:
    series = sources.conversation_groups(selection.scope, unit=selection.unit, sparse=METRICS)
    points = buckets(selection)
    datasets = []
    for duration in DURATIONS:
        values = []
        for p in points:
            group = series.get((p,))
            values.append(stats.percentile(group.counts(duration.metric), 0.5) if group else None)
        datasets.append({"label": str(duration.label), "data": values})
    return Chart(
        "medians",
        _("Medians over time"),
        "line",
        [bucket_label(p, selection.unit) for p in points],
        datasets,
        "seconds",
        bucket_links(selection, points),
    )


def _duration_columns() -> list[Column]:
    """A median and a 90th-percentile column per duration, named in the reader's language."""
    columns = []
    for duration in DURATIONS:
        measure = {"measure": duration.label}
        columns.append(
            Column(f"{duration.attribute}_p50", _("%(measure)s, median") % measure, "seconds")
        )
        columns.append(
            Column(f"{duration.attribute}_p90", _("%(measure)s, p90") % measure, "seconds")
        )
    return columns


def _breakdown(selection: Selection) -> Table:
    names = Names()
    by = selection.by
    groups = sources.conversation_groups(selection.scope, by=(by,), sparse=METRICS)
    table = BREAKDOWN.table(lead=[dimension_column(by)], dimension=dimension_label(by))
    table.columns.extend(_duration_columns())
    for (value,), group in sorted(groups.items(), key=lambda kv: -kv[1].get("conversations")):
        s = ConversationSummary.of(group)
        row: dict[str, Any] = {
            "name": names.of(by, value),
            "conversations": s.conversations,
            "_drill": {"dim": by, "value": drill_value(value)},
        }
        for duration in DURATIONS:
            row[f"{duration.attribute}_p50"] = duration.of(s).p50
            row[f"{duration.attribute}_p90"] = duration.of(s).p90
        table.rows.append(row)
    return table
