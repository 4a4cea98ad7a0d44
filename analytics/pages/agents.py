"""The agents-and-teams page: what each team and each agent handled, how fast, how well rated,
and their SLA breaches."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import sources
from analytics.drill import drill_value
from analytics.forms import Selection
from analytics.metrics import ConversationSummary
from analytics.pages.base import Names, Page, drill_url
from analytics.pages.periods import merge
from analytics.sources import Group
from analytics.tables import Chart, Column, Table, TableSpec

METRICS = ("frt_h", "reply_h", "resolution")
# The same columns for a team and for an agent, after the column that names them.
PEOPLE_COLUMNS = (
    Column("handled", gettext_lazy("Handled"), "int", "all"),
    Column("resolved", gettext_lazy("Resolved"), "int", "resolved"),
    Column("frt_human_p50", gettext_lazy("First response, median"), "seconds"),
    Column("reply_human_p50", gettext_lazy("Response time, median"), "seconds"),
    Column("resolution_p50", gettext_lazy("Resolution, median"), "seconds"),
    Column("csat", gettext_lazy("CSAT"), "float1", "rated"),
    Column("rated", gettext_lazy("Ratings"), "int", "rated"),
    Column("sla_breaches", gettext_lazy("SLA breaches"), "int", "sla_breached"),
)
TEAMS = TableSpec(
    "teams",
    gettext_lazy("Teams"),
    (Column("team", gettext_lazy("Team"), "text"), *PEOPLE_COLUMNS),
    note=gettext_lazy("Conversations with a ticket, by the ticket's team."),
)
AGENTS = TableSpec(
    "agents",
    gettext_lazy("Agents"),
    (Column("agent", gettext_lazy("Agent"), "text"), *PEOPLE_COLUMNS),
    note=gettext_lazy(
        "Conversations whose ticket is assigned to the agent, or that the agent took over."
    ),
)


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
    names = Names()
    page = Page(_("Agents and teams"))
    page.tables.append(_teams(selection, names))
    agent_table = _agents(selection, names)
    page.tables.append(agent_table)
    rows = agent_table.rows
    page.charts.append(
        Chart(
            "handled",
            _("Conversations handled per agent"),
            "bar",
            [row["agent"] for row in rows],
            [
                {"label": _("Handled"), "data": [row["handled"] for row in rows]},
                {"label": _("SLA breaches"), "data": [row["sla_breaches"] for row in rows]},
            ],
            "int",
            [drill_url(selection, dim="agent", value=row["_drill"]["value"]) for row in rows],
            horizontal=True,
        )
    )
    return page


def _teams(selection: Selection, names: Names) -> Table:
    groups = sources.conversation_groups(selection.scope, by=("team",), sparse=METRICS)
    table = TEAMS.table()
    for (team,), group in sorted(groups.items(), key=lambda kv: -kv[1].get("conversations")):
        if team is None:
            continue
        table.rows.append(
            {
                "team": names.of("team", team),
                **_people_row(ConversationSummary.of(group)),
                "_drill": {"dim": "team", "value": drill_value(team)},
            }
        )
    return table


def _agents(selection: Selection, names: Names) -> Table:
    # An agent may work in several teams: their numbers are the sum over them.
    per_agent: dict[Any, list[Group]] = {}
    groups = sources.conversation_groups(selection.scope, by=("team", "agent"), sparse=METRICS)
    for (_team, agent), group in groups.items():
        if agent is not None:
            per_agent.setdefault(agent, []).append(group)
    summaries = {a: ConversationSummary.of(merge(gs)) for a, gs in per_agent.items()}
    table = AGENTS.table()
    for agent, s in sorted(summaries.items(), key=lambda kv: -kv[1].conversations):
        table.rows.append(
            {
                "agent": names.agent(agent),
                **_people_row(s),
                "_drill": {"dim": "agent", "value": drill_value(agent)},
            }
        )
    return table
