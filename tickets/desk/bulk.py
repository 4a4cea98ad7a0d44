"""The queue's bulk actions: the checked rows, one action, an outcome per row.

A plain form post that comes back to the queue (post/redirect/get); what happened is told
through the messages framework's notices, which the desk shows above the list: one line for
what was done, and one per row that was refused, with the reason the single action gives.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tickets import access, bulk
from tickets.desk import queues
from tickets.desk.decorators import desk_required
from tickets.desk.forms import BulkActionForm


def _done(action: str, kind: str, n: int) -> str:
    """One line for what was done, naming what the list shows."""
    if kind == "tickets":
        lines = {
            "resolve": ngettext("Solved %(n)d ticket.", "Solved %(n)d tickets.", n),
            "assign": ngettext("Assigned %(n)d ticket.", "Assigned %(n)d tickets.", n),
            "tag": ngettext("Tagged %(n)d ticket.", "Tagged %(n)d tickets.", n),
        }
    else:
        lines = {
            "resolve": ngettext("Resolved %(n)d conversation.", "Resolved %(n)d conversations.", n),
            "assign": ngettext("Assigned %(n)d conversation.", "Assigned %(n)d conversations.", n),
            "tag": ngettext("Tagged %(n)d conversation.", "Tagged %(n)d conversations.", n),
        }
    return lines[action] % {"n": n}


def assignable_people(user: Any) -> QuerySet[Any]:
    """Whom the action bar offers: people who work on an inbox this agent sees. Each ticket's
    own inbox is checked again by the service (ticket_update), row by row."""
    return (
        get_user_model()
        .objects.filter(is_active=True, profile__isnull=False)
        .filter(teams__inboxes__in=access.visible_inboxes(user))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


@require_POST
@desk_required
def bulk_action(request: HttpRequest, queue: str) -> HttpResponse:
    definition = queues.BY_SLUG.get(queue)
    if definition is None:
        raise Http404
    form = BulkActionForm(
        request.POST, kind=definition.kind, people=assignable_people(request.user)
    )
    back = redirect("desk-queue", queue=queue)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return back
    data = form.cleaned_data
    items = _visible_items(request.user, definition.kind, data["items"])
    missing = len(data["items"]) - len(items)
    action = data["action"]
    if action == "resolve":
        outcomes = bulk.resolve(items=items, by=request.user)
    elif action == "assign":
        outcomes = bulk.assign(items=items, agent=data["assignee"], by=request.user)
    else:
        outcomes = bulk.tag(items=items, tags=data["tags"], by=request.user)
    done = sum(outcome.done for outcome in outcomes)
    if done:
        messages.success(request, _done(action, definition.kind, done))
    for outcome in outcomes:
        if not outcome.done:
            messages.warning(request, f"{outcome.label}: {outcome.reason}")
    if missing:
        messages.warning(
            request,
            ngettext(
                "%(n)d selected row is no longer available.",
                "%(n)d selected rows are no longer available.",
                missing,
            )
            % {"n": missing},
        )
    return back


def _visible_items(user: Any, kind: str, ids: list[Any]) -> list[bulk.Item]:
    """The rows this agent may see, in the order they were checked; others are left out."""
    if kind == "tickets":
        rows = access.visible_tickets(user).select_related("conversation", "contact", "inbox")
    else:
        rows = access.visible_conversations(user).select_related("contact", "inbox")
    by_id = {row.pk: row for row in rows.filter(pk__in=ids)}
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
