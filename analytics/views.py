"""Analytics pages for managers. Thin: check the role, parse the filter bar, build the page (or
one of its tables as CSV), render it inside the desk's shell."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from analytics import drill, pages
from analytics.forms import FilterForm, Selection
from analytics.models import ConversationFact, RollupState
from analytics.rollups import STATE_NAME
from analytics.tables import csv_value, format_cell, format_duration, streaming_csv
from tickets import access
from tickets.desk.views import shell as desk_shell
from tickets.models import Role

NAV = (
    ("overview", gettext_lazy("Overview")),
    ("response_times", gettext_lazy("Response times")),
    ("csat", gettext_lazy("CSAT")),
    ("agents", gettext_lazy("Agents and teams")),
    ("models", gettext_lazy("Models and cost")),
    ("compare", gettext_lazy("Model comparison")),
)
PAGE_SIZE = 50


def manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous users sign in; desk users who are not managers or admins get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not access.is_manager(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _form(request: HttpRequest) -> tuple[FilterForm, Selection]:
    inboxes = access.visible_inboxes(request.user).order_by("name")
    form = FilterForm(request.GET, inboxes=inboxes)
    if not form.is_valid():
        # Show the errors, and the default range meanwhile.
        fallback = FilterForm(None, inboxes=inboxes)
        fallback.is_valid()
        fallback_selection = fallback.selection(all_inboxes=_sees_all(request))
        return form, fallback_selection
    return form, form.selection(all_inboxes=_sees_all(request))


def _sees_all(request: HttpRequest) -> bool:
    # Admins see every inbox; a manager sees the inboxes of their teams (tickets/access.py).
    return access.role_of(request.user) == Role.ADMIN


def _freshness() -> RollupState | None:
    return RollupState.objects.filter(name=STATE_NAME).first()


def _render(
    request: HttpRequest, section: str, build: Callable[[Selection], pages.Page]
) -> HttpResponse:
    form, selection = _form(request)
    page = build(selection)
    export = request.GET.get("export")
    if export:
        table = page.table(export)
        if table is None:
            raise Http404
        return streaming_csv(table.csv_rows(), f"{section}-{table.id}.csv")
    tables = [
        (table, list(table.cells(selection.params)), _export_url(request, table.id))
        for table in page.tables
    ]
    context = {
        **desk_shell(request),
        "section": section,
        "nav": NAV,
        "page": page,
        "form": form,
        "selection": selection,
        "tables": tables,
        "charts": [(chart, chart.as_json()) for chart in page.charts],
        "state": _freshness(),
        "chart_strings": chart_strings(),
    }
    return render(request, "analytics/page.html", context)


def chart_strings() -> dict[str, str]:
    """Units analytics.js writes on axes and tooltips, translated for this request."""
    return {
        "seconds": _("%s s"),
        "minutes": _("%s min"),
        "hours": _("%s h"),
        "days": _("%s d"),
        "ms": _("%s ms"),
        "openList": _("Click a point to see its conversations."),
    }


def _export_url(request: HttpRequest, table_id: str) -> str:
    query = request.GET.copy()
    query["export"] = table_id
    return f"{request.path}?{query.urlencode()}"


@require_GET
@manager_required
def overview(request: HttpRequest) -> HttpResponse:
    return _render(request, "overview", pages.overview)


@require_GET
@manager_required
def response_times(request: HttpRequest) -> HttpResponse:
    return _render(request, "response_times", pages.response_times)


@require_GET
@manager_required
def csat(request: HttpRequest) -> HttpResponse:
    return _render(request, "csat", pages.csat)


@require_GET
@manager_required
def agents(request: HttpRequest) -> HttpResponse:
    return _render(request, "agents", pages.agents)


@require_GET
@manager_required
def models(request: HttpRequest) -> HttpResponse:
    return _render(request, "models", pages.models)


@require_GET
@manager_required
def compare(request: HttpRequest) -> HttpResponse:
    arm_a, arm_b = request.GET.get("arm_a") or None, request.GET.get("arm_b") or None
    return _render(request, "compare", lambda selection: pages.compare(selection, arm_a, arm_b))


# ---------------------------------------------------------------------------------------------
# Drill-down: the conversations behind a number, as a page or one CSV row per conversation
# ---------------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    ("conversation_id", "text"),
    ("created_at", "text"),
    ("inbox_id", "int"),
    ("channel", "text"),
    ("language", "text"),
    ("topic", "text"),
    ("route", "text"),
    ("model", "text"),
    ("team_id", "int"),
    ("agent_id", "int"),
    ("state", "text"),
    ("resolved", "text"),
    ("handed_off", "text"),
    ("handoff_reason", "text"),
    ("human", "text"),
    ("reopened", "text"),
    ("automated", "text"),
    ("csat", "int"),
    ("frt_assistant_s", "seconds"),
    ("frt_human_s", "seconds"),
    ("resolution_s", "seconds"),
    ("sla_breaches", "int"),
    ("model_calls", "int"),
    ("tokens", "int"),
    ("cost", "money"),
)


def _drill_rows(params: dict[str, str], selection: Selection) -> Any:
    rows = drill.facts(selection.scope, params)
    segment = params.get("segment")
    if segment == "assistant":
        rows = rows.filter(human=False)
    elif segment == "human":
        rows = rows.filter(human=True)
    return rows


def _export_rows(rows: Any) -> Iterator[list[str]]:
    names = [name for name, _kind in EXPORT_COLUMNS]
    # Every header names its unit: durations already end in _s, the cost takes the currency.
    yield [f"cost_{settings.ANALYTICS_CURRENCY.lower()}" if n == "cost" else n for n in names]
    # A server-side cursor: the export streams however many conversations the range holds.
    for values in rows.order_by("created_at").values_list(*names).iterator(chunk_size=2000):
        row = []
        for (name, kind), value in zip(EXPORT_COLUMNS, values, strict=True):
            if name == "created_at":
                row.append(value.isoformat())
            elif isinstance(value, bool):
                row.append("1" if value else "0")
            else:
                row.append(csv_value(kind, value))
        yield row


@require_GET
@manager_required
def conversations(request: HttpRequest) -> HttpResponse:
    form, selection = _form(request)
    drill_form = drill.DrillForm(request.GET)
    if not drill_form.is_valid():
        # An edited or truncated link: say what is wrong rather than list the wrong rows.
        if request.GET.get("export") == "conversations":
            return HttpResponseBadRequest(_drill_errors(drill_form), content_type="text/plain")
        params: dict[str, str] = {}
        rows = ConversationFact.objects.none()
    else:
        params = drill_form.params()
        rows = _drill_rows(params, selection)
        if request.GET.get("export") == "conversations":
            return streaming_csv(_export_rows(rows), "conversations.csv")
    page = Paginator(rows.order_by("-created_at", "conversation_id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    names = pages.Names()
    items = [
        {
            "fact": fact,
            "inbox": names.of("inbox", fact.inbox_id),
            "channel": names.of("channel", fact.channel),
            "language": names.of("language", fact.language),
            "agent": names.agent(fact.agent_id) if fact.agent_id else "",
            "team": names.of("team", fact.team_id) if fact.team_id else "",
            "frt": format_duration(fact.frt_assistant_s),
            "resolution": format_duration(fact.resolution_s),
            "cost": format_cell("money", fact.cost),
        }
        for fact in page.object_list
    ]
    label, _condition = drill.METRICS.get(params.get("metric") or "all", drill.METRICS["all"])
    query = request.GET.copy()
    query.pop("page", None)
    export = query.copy()
    export["export"] = "conversations"
    context = {
        **desk_shell(request),
        "section": "conversations",
        "nav": NAV,
        "form": form,
        "drill_form": drill_form,
        "selection": selection,
        "page_obj": page,
        "items": items,
        "metric_label": label,
        "total": page.paginator.count,
        "query": query.urlencode(),
        "export_url": f"{request.path}?{export.urlencode()}",
        "detail": _drill_detail(params),
        # Only valid parameters are carried over when the filter bar is applied again.
        "extra_hidden": list(params.items()),
        "state": _freshness(),
    }
    status = 200 if drill_form.is_valid() else 400
    return render(request, "analytics/conversations.html", context, status=status)


def _drill_errors(drill_form: drill.DrillForm) -> str:
    return " ".join(
        f"{drill_form.fields[name].label if name in drill_form.fields else ''}: {error}"
        for name, errors in drill_form.errors.items()
        for error in errors
    )


def _drill_detail(params: dict[str, str]) -> list[str]:
    """What narrows the list beyond the filter bar, in words."""
    parts = []
    if params.get("period"):
        parts.append(_("period starting %(period)s") % {"period": params["period"]})
    if params.get("dim") and "value" in params:
        parts.append(f"{params['dim']} = {params['value']}")
    if "reason" in params:
        parts.append(_("reason: %(reason)s") % {"reason": params["reason"] or "-"})
    if params.get("segment"):
        parts.append(str(drill.SEGMENTS[params["segment"]]))
    return parts
