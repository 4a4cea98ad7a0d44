"""The conversation's side of an action call: the confirmation card, the plain notice when a
call cannot run, and the cards still waiting for a click.

The reply turn (reply.py) hands an action's outcome here when there is nothing for the model to
phrase; the click itself is confirmations.py.
"""

from __future__ import annotations

import uuid

from assistant.actions import selectors as action_selectors
from assistant.actions import services as action_services
from assistant.actions import tools as actions
from assistant.chat import events, services
from assistant.db_async import db_async

# Action calls one turn may chain (look up an order, then its return options) before a person
# takes over instead.
MAX_ACTION_ROUNDS = 3


async def show(
    *, conversation_id: uuid.UUID, contact_id: uuid.UUID, outcome: actions.Outcome
) -> bool:
    """Show an outcome that needs no model: True when the assistant still has the turn."""
    if isinstance(outcome, actions.AwaitingConfirmation):
        message = await db_async(services.assistant_notice_store)(
            conversation_id=conversation_id, text=outcome.summary
        )
        if message is None:
            return False
        await db_async(action_services.card_shown)(call_id=outcome.call_id, message_seq=message.seq)
        card = {
            "type": "action_confirm",
            "call_id": str(outcome.call_id),
            "seq": message.seq,
            "summary": outcome.summary,
        }
        # To the customer's tabs only: the desk shows the call from its record.
        await events.publish(
            contact_id=contact_id,
            conversation_id=conversation_id,
            event=card,
            to_watchers=False,
        )
        return True
    assert isinstance(outcome, actions.TellTheCustomer)
    if outcome.handoff:
        await db_async(services.conversation_handoff)(
            conversation_id=conversation_id, reason="action_failed", note=outcome.text
        )
        return False
    message = await db_async(services.assistant_notice_store)(
        conversation_id=conversation_id, text=outcome.text, offer_person=True
    )
    return message is not None


def pending_cards(*, contact_id: uuid.UUID, conversation_id: uuid.UUID) -> list[dict]:
    """The cards still waiting for the contact's click (the welcome frame carries them)."""
    return action_selectors.awaiting_confirmation(
        contact_id=contact_id, conversation_id=conversation_id
    )
