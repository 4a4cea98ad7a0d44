"""The desk's queues: what each view lists, filtered and searched, for one agent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistant.chat.models import Attachment, Conversation, Message
from assistant.mail.models import MailAnswer
from tickets import access
from tickets.models import Ticket

LIVE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Queue:
    slug: str
    title: str
    kind: str  # "tickets" or "conversations"
    description: str


QUEUES = (
    Queue("mine", _("Mine"), "tickets", _("Open tickets assigned to you.")),
    Queue(
        "waiting",
        _("Waiting for a human"),
        "conversations",
        _("Handed over by the assistant, not yet taken."),
    ),
    Queue(
        "drafts",
        _("Drafts to approve"),
        "conversations",
        _("E-mails the assistant answered in a draft: send, edit or discard each one."),
    ),
    Queue("unassigned", _("Unassigned"), "tickets", _("Open tickets nobody owns yet.")),
    Queue("teams", _("My teams"), "tickets", _("Open tickets of your teams.")),
    Queue(
        "live",
        _("Live with the assistant"),
        "conversations",
        _("Watch the assistant answer, step in any time."),
    ),
    Queue("solved", _("Solved"), "tickets", _("Solved and closed tickets.")),
)
BY_SLUG = {queue.slug: queue for queue in QUEUES}


def tickets_in(queue: str, user: Any) -> QuerySet[Ticket]:
    tickets = access.visible_tickets(user).select_related(
        "contact", "assignee", "team", "inbox", "conversation"
    )
    open_tickets = tickets.filter(status__in=Ticket.OPEN_STATUSES)
    if queue == "mine":
        return open_tickets.filter(assignee=user)
    if queue == "unassigned":
        return open_tickets.filter(assignee__isnull=True)
    if queue == "teams":
        return open_tickets.filter(team__members=user)
    if queue == "solved":
        return tickets.exclude(status__in=Ticket.OPEN_STATUSES)
    raise ValueError(queue)


def conversations_in(queue: str, user: Any) -> QuerySet[Conversation]:
    last_customer_message = Message.objects.filter(
        conversation=OuterRef("pk"), author_kind=Message.Author.CUSTOMER
    ).order_by("-seq")
    # The row's preview: the customer's last words, and how many files came with them (a photo
    # alone has no words to show).
    files_of_last = (
        Attachment.objects.filter(message_id=OuterRef("last_customer_message_id"))
        .order_by()
        .values("message_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    waiting_draft = MailAnswer.objects.filter(
        conversation=OuterRef("pk"), state=MailAnswer.State.DRAFTED
    )
    conversations = (
        access.visible_conversations(user)
        .select_related("contact", "inbox", "assigned_agent")
        .annotate(
            last_customer_text=Subquery(last_customer_message.values("text")[:1]),
            last_customer_message_id=Subquery(last_customer_message.values("pk")[:1]),
        )
        .annotate(
            last_customer_files=Coalesce(Subquery(files_of_last, output_field=IntegerField()), 0),
            has_draft=Exists(waiting_draft),
        )
    )
    if queue == "waiting":
        return conversations.filter(state=Conversation.State.WAITING).order_by("handoff_at")
    if queue == "drafts":
        # Oldest first, like the conversations waiting for a person: the customer waits too.
        return conversations.filter(has_draft=True).order_by("updated_at")
    if queue == "live":
        # A draft waiting for an agent is the drafts queue's: nothing is live about it.
        since = timezone.now() - LIVE_WINDOW
        return conversations.filter(
            state=Conversation.State.BOT, updated_at__gte=since, has_draft=False
        ).order_by("-updated_at")
    raise ValueError(queue)


def rows_in(queue: Queue, user: Any) -> QuerySet[Any]:
    """The queue's rows for this agent: tickets or conversations, as the queue lists them."""
    if queue.kind == "tickets":
        return tickets_in(queue.slug, user)
    return conversations_in(queue.slug, user)


def filtered(
    rows: QuerySet[Any],
    *,
    kind: str,
    inbox: int | None = None,
    channel: str = "",
    priority: int | None = None,
    q: str = "",
) -> QuerySet[Any]:
    """Narrowed by the filter bar's values, as QueueFilterForm validated them."""
    if inbox is not None:
        rows = rows.filter(inbox_id=inbox)
    if channel:
        # A ticket's channel is its conversation's; one created on the desk or through the API
        # has no conversation and so came by neither chat nor e-mail.
        rows = rows.filter(
            **{"channel" if kind == "conversations" else "conversation__channel": channel}
        )
    if kind == "tickets" and priority is not None:
        rows = rows.filter(priority=priority)
    q = q.strip()
    if q:
        rows = rows.filter(_search(q, kind))
    return rows


def _search(q: str, kind: str) -> Q:
    """Full-text over message texts (PostgreSQL, simple configuration) plus subject and tags."""
    matching_messages = (
        Message.objects.annotate(document=SearchVector("text", config="simple"))
        .filter(document=SearchQuery(q, config="simple", search_type="websearch"))
        .values("conversation_id")
    )
    if kind == "tickets":
        return (
            Q(subject__icontains=q)
            | Q(tags__contains=[q.lower()])
            | Q(conversation_id__in=matching_messages)
            | Q(contact__name__icontains=q)
        )
    return (
        Q(pk__in=matching_messages) | Q(contact__name__icontains=q) | Q(contact__email__icontains=q)
    )


def counts(user: Any) -> dict[str, int]:
    result = {}
    for queue in QUEUES:
        if queue.slug == "solved":
            continue
        result[queue.slug] = rows_in(queue, user).count()
    return result
