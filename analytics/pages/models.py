"""The models-and-cost page: calls, tokens, cost and latency per provider and model, and what a
resolution costs here beside a human-handled conversation and hosted agents' prices."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from analytics import sources
from analytics.forms import Selection
from analytics.metrics import CallSummary, ConversationSummary
from analytics.pages import definitions
from analytics.pages.base import Card, Page, drill_url
from analytics.pages.periods import bucket_label, buckets
from analytics.tables import Chart, Column, Table, TableSpec, format_cell

# Public list prices of hosted AI agents, per automated resolution, in USD (docs/analytics.md).
HOSTED_PRICES = (
    (gettext_lazy("Intercom Fin"), Decimal("0.99"), None),
    (gettext_lazy("Zendesk AI agents"), Decimal("1.50"), Decimal("2.00")),
)
CALLS = TableSpec(
    "models",
    gettext_lazy("Calls per provider and model"),
    (
        Column("provider", gettext_lazy("Provider"), "text"),
        Column("model", gettext_lazy("Model"), "text"),
        Column("calls", gettext_lazy("Calls"), "int"),
        Column("input_tokens", gettext_lazy("Input tokens"), "int"),
        Column("output_tokens", gettext_lazy("Output tokens"), "int"),
        # Rows may be priced in different currencies: the next column names each row's.
        Column("cost", gettext_lazy("Cost"), "money", unit=""),
        Column("currency", gettext_lazy("Currency"), "text"),
        Column("ttft_p50", gettext_lazy("First token, median"), "ms"),
        Column("ttft_p95", gettext_lazy("First token, p95"), "ms"),
        Column("avg_duration", gettext_lazy("Average duration"), "ms"),
        Column("error_rate", gettext_lazy("Errors"), "pct"),
        Column("fallback_rate", gettext_lazy("Fallbacks"), "pct"),
    ),
    note=gettext_lazy(
        "Model calls made in the range. Team, agent and language filters do not apply."
    ),
)
COST_COMPARISON = TableSpec(
    "cost_comparison",
    gettext_lazy("What a resolution costs"),
    (
        Column("option", gettext_lazy("Option"), "text"),
        Column("basis", gettext_lazy("Per"), "text"),
        # Hosted agents' prices are in USD whatever ANALYTICS_CURRENCY is: each row names its own.
        Column("price", gettext_lazy("Cost"), "money", unit=""),
        Column("price_high", gettext_lazy("Up to"), "money", unit=""),
        Column("currency", gettext_lazy("Currency"), "text"),
    ),
    note=gettext_lazy(
        "Ours: all model spend of the range divided by its automated resolutions. Human: "
        "ANALYTICS_HUMAN_COST_PER_CONVERSATION plus the model spend of human-handled "
        "conversations. Hosted agents: public list prices."
    ),
)


def human_cost() -> Decimal:
    # Parsed and validated at start-up (assistant/settings.py): a malformed value stops the process.
    return settings.ANALYTICS_HUMAN_COST_PER_CONVERSATION


def models(selection: Selection) -> Page:
    currency = settings.ANALYTICS_CURRENCY
    page = Page(_("Models and cost"))
    calls = _calls(selection)
    page.tables.append(calls)
    total = ConversationSummary.of(sources.conversation_groups(selection.scope)[()])
    human = human_cost()
    model_per_human = total.model_cost_per_human_conversation
    per_human_total = human + Decimal(str(model_per_human or 0))
    page.tables.append(_cost_comparison(total, per_human_total))
    page.cards = [
        Card(_("Model cost"), format_cell("money", total.cost), currency),
        Card(_("Per conversation"), format_cell("money", total.cost_per_conversation), currency),
        Card(
            _("Per automated resolution"),
            format_cell("money", total.cost_per_automated_resolution),
            ngettext("%(n)s automated resolution", "%(n)s automated resolutions", total.automated)
            % {"n": format_cell("int", total.automated)},
            drill_url(selection, metric="automated"),
            "kpi-cost-resolution",
            definitions.COST_PER_AUTOMATED,
        ),
        Card(
            _("Human-handled conversation"),
            format_cell("money", per_human_total),
            _("setting %(human)s + model %(model)s")
            % {
                "human": format_cell("money", human),
                "model": format_cell("money", model_per_human),
            },
            definition=definitions.HUMAN_COST,
        ),
    ]
    page.charts.append(_cost_chart(selection))
    rows = calls.rows
    page.charts.append(
        Chart(
            "ttft",
            _("Time to first token"),
            "bar",
            [f"{row['provider']}/{row['model']}" for row in rows],
            [
                {"label": _("Median"), "data": [row["ttft_p50"] for row in rows]},
                {"label": _("95th percentile"), "data": [row["ttft_p95"] for row in rows]},
            ],
            "ms",
            horizontal=True,
        )
    )
    return page


def _calls(selection: Selection) -> Table:
    groups = sources.call_groups(selection.scope, sparse=("ttft",))
    table = CALLS.table()
    for (provider, model, cur), group in sorted(groups.items(), key=lambda kv: -kv[1].get("calls")):
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
    return table


def _cost_comparison(total: ConversationSummary, per_human_total: Decimal) -> Table:
    currency = settings.ANALYTICS_CURRENCY
    per_resolution = _("automated resolution")
    table = COST_COMPARISON.table()
    table.rows = [
        {
            "option": _("This assistant"),
            "basis": per_resolution,
            "price": total.cost_per_automated_resolution,
            "currency": currency,
        },
        {
            "option": _("This assistant"),
            "basis": _("conversation"),
            "price": total.cost_per_conversation,
            "currency": currency,
        },
        {
            "option": _("Human-handled"),
            "basis": _("conversation"),
            "price": per_human_total,
            "currency": currency,
        },
        *(
            {
                "option": str(name),
                "basis": per_resolution,
                "price": low,
                "price_high": high,
                "currency": "USD",
            }
            for name, low, high in HOSTED_PRICES
        ),
    ]
    return table


def _cost_chart(selection: Selection) -> Chart:
    """Model cost per bucket, one stacked series per provider/model, in the page's currency."""
    currency = settings.ANALYTICS_CURRENCY
    series = sources.call_groups(selection.scope, unit=selection.unit)
    points = buckets(selection)
    per_model: dict[str, Counter[datetime]] = {}
    for (moment, provider, model, cur), group in series.items():
        if cur == currency:
            cost = float(group.get("cost"))
            per_model.setdefault(f"{provider}/{model}", Counter())[moment] += cost  # type: ignore[assignment]
    return Chart(
        "cost",
        _("Model cost over time (%(currency)s)") % {"currency": currency},
        "stacked",
        [bucket_label(p, selection.unit) for p in points],
        [
            {"label": name, "data": [round(values[p], 6) for p in points]}
            for name, values in sorted(per_model.items())
        ],
        "money",
    )
