"""Bulk actions on the desk's lists: the single actions' services, applied one item at a time.

Each item runs in its own transaction, so one refusal (a conversation already resolved, a
colleague's conversation, an assignee who does not work on that inbox) neither stops nor undoes
the others; every item gets an outcome that says what happened to it, in the words the single
action would have used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from assistant.chat.models import Conversation
from assistant.errors import Refused
from tickets import services
from tickets.models import Ticket

# What a desk list shows: conversation queues list conversations, the others tickets.
Item = Conversation | Ticket


@dataclass(frozen=True)
class Outcome:
    """What one bulk action did to one item of the selection."""

    item: Item
    done: bool
    reason: str = ""

    @property
    def label(self) -> str:
        if isinstance(self.item, Ticket):
            return f"#{self.item.pk} {self.item.subject}"
        return str(self.item.contact)


def _each(items: Sequence[Item], action: Callable[[Item], None]) -> list[Outcome]:
    outcomes = []
    for item in items:
        try:
            with transaction.atomic():
                action(item)
        except Refused as refusal:
            outcomes.append(Outcome(item, done=False, reason=refusal.message))
        else:
            outcomes.append(Outcome(item, done=True))
    return outcomes


def _ticket_of(item: Item, by: AbstractBaseUser) -> Ticket:
    if isinstance(item, Ticket):
        return item
    ticket, _changed = services.ticket_for_conversation(conversation_id=item.pk, actor=by)
    return ticket


def resolve(*, items: Sequence[Item], by: AbstractBaseUser) -> list[Outcome]:
    """Resolve each conversation (and solve its ticket), or solve each ticket without one."""

    def resolve_one(item: Item) -> None:
        conversation = item if isinstance(item, Conversation) else item.conversation
        if conversation is not None:
            services.resolve(conversation=conversation, agent=by)
            return
        # Read under the lock: a colleague may have solved it since the list was loaded.
        ticket = Ticket.objects.select_for_update(no_key=True).get(pk=item.pk)
        if not ticket.is_open:
            raise services.TicketError("ticket_solved", _("This ticket is already solved."))
        services.ticket_update(ticket=ticket, by=by, status=Ticket.Status.SOLVED)

    return _each(items, resolve_one)


def assign(
    *, items: Sequence[Item], agent: AbstractBaseUser | None, by: AbstractBaseUser
) -> list[Outcome]:
    """Assign each item's ticket to the agent (None: unassign), with ticket_update's checks."""
    return _each(
        items, lambda item: services.ticket_assign(ticket=_ticket_of(item, by), agent=agent, by=by)
    )


def tag(*, items: Sequence[Item], tags: Iterable[str], by: AbstractBaseUser) -> list[Outcome]:
    """Add the tags to each item's ticket, keeping the tags it already has."""
    added = list(tags)
    if not added:
        raise services.TicketError("invalid", _("Give at least one tag."))

    def tag_one(item: Item) -> None:
        # Read under the lock: a colleague's tag added since the page loaded is kept.
        ticket = Ticket.objects.select_for_update(no_key=True).get(pk=_ticket_of(item, by).pk)
        services.ticket_update(ticket=ticket, by=by, tags=[*ticket.tags, *added])

    return _each(items, tag_one)
