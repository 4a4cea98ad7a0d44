"""The assistant's actions in analytics: calls per action and outcome in the range, and the
conversations they helped resolve (docs/actions.md). Read from the calls themselves, which are
few beside messages and indexed by conversation; the page's inbox filters apply, the team,
agent and language filters do not."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy

from analytics.sources import Scope
from analytics.tables import Column, Table, TableSpec
from assistant.actions.models import ActionCall
from assistant.chat.models import Conversation

Status = ActionCall.Status
ACTIONS = TableSpec(
    "actions",
    gettext_lazy("Actions"),
    (
        Column("action", gettext_lazy("Action"), "text"),
        Column("calls", gettext_lazy("Calls")),
        Column("succeeded", gettext_lazy("Succeeded")),
        Column("failed", gettext_lazy("Failed")),
        Column("refused", gettext_lazy("Refused")),
        Column("cancelled", gettext_lazy("Cancelled by the customer")),
        Column("awaiting", gettext_lazy("Not confirmed")),
        Column("resolved", gettext_lazy("Resolved conversations")),
        Column("automated", gettext_lazy("Resolved without a person")),
    ),
    note=gettext_lazy(
        "Action calls made in the range, by outcome, and the conversations a successful call "
        "was part of that are resolved now (without a person: never handed over). Team, agent "
        "and language filters do not apply."
    ),
)


def actions_table(scope: Scope) -> Table:
    calls = ActionCall.objects.filter(created_at__gte=scope.start, created_at__lt=scope.end)
    if scope.inbox is not None:
        calls = calls.filter(inbox_id=scope.inbox)
    if scope.inboxes is not None:
        calls = calls.filter(inbox_id__in=scope.inboxes)
    if scope.channel is not None:
        calls = calls.filter(conversation__channel=scope.channel)
    succeeded = Q(status=Status.SUCCEEDED)
    resolved = succeeded & Q(conversation__state=Conversation.State.RESOLVED)
    rows = (
        calls.values("action_name")
        .annotate(
            calls=Count("id"),
            succeeded=Count("id", filter=succeeded),
            failed=Count("id", filter=Q(status=Status.FAILED)),
            refused=Count("id", filter=Q(status=Status.REFUSED)),
            cancelled=Count("id", filter=Q(status=Status.CANCELLED)),
            awaiting=Count("id", filter=Q(status=Status.AWAITING_CONFIRMATION)),
            resolved=Count("conversation", filter=resolved, distinct=True),
            automated=Count(
                "conversation",
                filter=resolved & Q(conversation__handoff_at__isnull=True),
                distinct=True,
            ),
        )
        .order_by("-calls", "action_name")
    )
    table = ACTIONS.table()
    table.rows = [{"action": row.pop("action_name"), **row} for row in rows]
    return table
