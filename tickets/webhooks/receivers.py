"""Which changes fire which events, heard through model signals so that neither the chat side
nor the ticket services need to know webhooks exist.

* ``ticket.created``: a Ticket row is inserted (from chat escalation, the desk or the API).
* ``conversation.handed_off``: a conversation moves from the assistant to a human (waiting for
  one, or taken over by an agent directly), or starts out waiting because the inbox's assistant
  is off.
* ``conversation.resolved``: a conversation becomes resolved.

All run inside the transaction of the change, so the deliveries commit or roll back with it.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save, pre_save

from assistant.chat.models import Conversation
from tickets.models import Ticket
from tickets.representations import ConversationSerializer, TicketSerializer
from tickets.webhooks import dispatch
from tickets.webhooks.models import Event

_HUMAN_STATES = (Conversation.State.WAITING, Conversation.State.AGENT)
# Set on the instance by pre_save for post_save: the state the row had before this save.
_PREVIOUS = "_webhook_previous_state"
_UNKNOWN = object()


def _ticket_data(ticket: Ticket) -> dict[str, Any]:
    # The same representation as GET /api/v1/tickets/{id}, so one client model fits both.
    return dict(TicketSerializer(ticket).data)


def _conversation_data(conversation: Conversation) -> dict[str, Any]:
    return dict(ConversationSerializer(conversation).data)


def _ticket_saved(
    sender: Any, *, instance: Ticket, created: bool, raw: bool, **kwargs: Any
) -> None:
    if created and not raw and dispatch.has_subscribers(Event.TICKET_CREATED):
        dispatch.fire(Event.TICKET_CREATED, _ticket_data(instance))


def _conversation_saving(
    sender: Any, *, instance: Conversation, raw: bool, update_fields: Any, **kwargs: Any
) -> None:
    # Only saves that can start an event pay for the extra lookup: message appends save
    # last_seq alone, and nothing fires on a move back to the assistant.
    if raw or (update_fields is not None and "state" not in update_fields):
        return
    if instance.state not in (*_HUMAN_STATES, Conversation.State.RESOLVED):
        return
    if instance._state.adding:
        previous = None
    else:
        previous = (
            Conversation.objects.filter(pk=instance.pk).values_list("state", flat=True).first()
        )
    setattr(instance, _PREVIOUS, previous)


def _conversation_saved(
    sender: Any, *, instance: Conversation, created: bool, raw: bool, **kwargs: Any
) -> None:
    previous = instance.__dict__.pop(_PREVIOUS, _UNKNOWN)
    if previous is _UNKNOWN or previous == instance.state:
        return
    if instance.state == Conversation.State.RESOLVED:
        event = Event.CONVERSATION_RESOLVED
    elif previous == Conversation.State.BOT or (created and previous is None):
        event = Event.CONVERSATION_HANDED_OFF
    else:
        return  # waiting -> agent: the same handoff, already announced
    if dispatch.has_subscribers(event):
        dispatch.fire(event, _conversation_data(instance))


def connect() -> None:
    post_save.connect(_ticket_saved, sender=Ticket, dispatch_uid="webhooks.ticket_created")
    pre_save.connect(
        _conversation_saving, sender=Conversation, dispatch_uid="webhooks.conversation_saving"
    )
    post_save.connect(
        _conversation_saved, sender=Conversation, dispatch_uid="webhooks.conversation_saved"
    )
