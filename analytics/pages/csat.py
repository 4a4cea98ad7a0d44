"""The customer-satisfaction page: averages, distribution and response rate, for assistant-only
and human-handled conversations apart, over time and per breakdown value."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from analytics import sources
from analytics.drill import drill_value
from analytics.forms import Selection
from analytics.measures import CSAT_SCORES
from analytics.metrics import ConversationSummary, Csat
from analytics.pages import definitions
from analytics.pages.base import Card, Names, Page, dimension_column, dimension_label, drill_url
from analytics.pages.periods import bucket_label, bucket_links, buckets
from analytics.tables import Chart, Column, Label, Table, TableSpec, format_cell


@dataclass(frozen=True)
class Segment:
    key: str  # the drill-down's segment
    label: Label
    attribute: str  # its Csat on ConversationSummary
    metric: str  # the drill-down metric of its rated conversations
    definition: Label

    def of(self, summary: ConversationSummary) -> Csat:
        return getattr(summary, self.attribute)


SEGMENTS = (
    Segment("all", gettext_lazy("All conversations"), "csat_all", "rated", definitions.CSAT),
    Segment(
        "assistant",
        gettext_lazy("Assistant only"),
        "csat_assistant",
        "rated_assistant",
        definitions.CSAT_ASSISTANT,
    ),
    Segment(
        "human",
        gettext_lazy("Human-handled"),
        "csat_human",
        "rated_human",
        definitions.CSAT_HUMAN,
    ),
)
RATINGS = TableSpec(
    "csat",
    gettext_lazy("Ratings"),
    (
        Column("segment", gettext_lazy("Conversations"), "text"),
        Column("resolved", gettext_lazy("Resolved"), "int"),
        Column("rated", gettext_lazy("Rated"), "int"),
        Column("response_rate", gettext_lazy("Response rate"), "pct"),
        Column("average", gettext_lazy("Average"), "float1"),
        *(Column(f"s{s}", "★" * s, "int") for s in CSAT_SCORES),
    ),
)
BREAKDOWN = TableSpec(
    "csat_breakdown",
    gettext_lazy("By %(dimension)s"),
    (
        Column("rated", gettext_lazy("Rated"), "int", "rated"),
        Column("average", gettext_lazy("Average"), "float1"),
        Column("response_rate", gettext_lazy("Response rate"), "pct"),
        Column("assistant_average", gettext_lazy("Assistant only"), "float1", "rated_assistant"),
        Column("human_average", gettext_lazy("Human-handled"), "float1", "rated_human"),
        Column("bad", gettext_lazy("Rated 1-2"), "int", "rated_badly"),
    ),
)


def csat(selection: Selection) -> Page:
    total = ConversationSummary.of(sources.conversation_groups(selection.scope)[()])
    page = Page(_("Customer satisfaction"))
    page.cards = [_card(selection, segment, segment.of(total)) for segment in SEGMENTS]
    page.tables.append(_ratings(total))
    page.charts.append(
        Chart(
            "distribution",
            _("Distribution of ratings"),
            "bar",
            [format_cell("int", s) for s in CSAT_SCORES],
            [
                {
                    "label": _("Assistant only"),
                    "data": [total.csat_assistant.distribution[s] for s in CSAT_SCORES],
                },
                {
                    "label": _("Human-handled"),
                    "data": [total.csat_human.distribution[s] for s in CSAT_SCORES],
                },
            ],
            "int",
            [drill_url(selection, metric=f"csat_{s}") for s in CSAT_SCORES],
        )
    )
    page.charts.append(_over_time(selection))
    page.tables.append(_breakdown(selection))
    return page


def _card(selection: Selection, segment: Segment, c: Csat) -> Card:
    return Card(
        segment.label,
        format_cell("float1", c.average),
        ngettext(
            "%(n)s rating, %(rate)s of resolved conversations rated",
            "%(n)s ratings, %(rate)s of resolved conversations rated",
            c.rated,
        )
        % {"n": format_cell("int", c.rated), "rate": format_cell("pct", c.response_rate)},
        drill_url(selection, metric=segment.metric),
        f"csat-{segment.key}",
        segment.definition,
    )


def _ratings(total: ConversationSummary) -> Table:
    table = RATINGS.table()
    for segment in SEGMENTS:
        c = segment.of(total)
        table.rows.append(
            {
                "segment": str(segment.label),
                "resolved": c.resolved,
                "rated": c.rated,
                "response_rate": c.response_rate,
                "average": c.average,
                **{f"s{s}": c.distribution[s] for s in CSAT_SCORES},
                "_drill": {"segment": segment.key},
            }
        )
    return table


def _over_time(selection: Selection) -> Chart:
    series = sources.conversation_groups(selection.scope, unit=selection.unit)
    points = buckets(selection)
    per_point = {
        p: ConversationSummary.of(series[(p,)]) if (p,) in series else None for p in points
    }

    def averages(attribute: str) -> list[float | None]:
        values = []
        for p in points:
            summary = per_point[p]
            average = getattr(summary, attribute).average if summary else None
            values.append(round(average, 3) if average is not None else None)
        return values

    return Chart(
        "csat_over_time",
        _("Average rating over time"),
        "line",
        [bucket_label(p, selection.unit) for p in points],
        [
            {"label": _("Assistant only"), "data": averages("csat_assistant")},
            {"label": _("Human-handled"), "data": averages("csat_human")},
        ],
        "float1",
        bucket_links(selection, points, metric="rated"),
    )


def _breakdown(selection: Selection) -> Table:
    names = Names()
    by = selection.by
    groups = sources.conversation_groups(selection.scope, by=(by,))
    table = BREAKDOWN.table(lead=[dimension_column(by)], dimension=dimension_label(by))
    for (value,), group in sorted(groups.items(), key=lambda kv: -kv[1].get("conversations")):
        s = ConversationSummary.of(group)
        c = s.csat_all
        table.rows.append(
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
    return table
