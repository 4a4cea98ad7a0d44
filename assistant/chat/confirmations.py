"""The customer's click on an action's confirmation card (Confirm or Cancel).

The click is claimed once by `assistant.actions.services.decision_claim`, a conditional UPDATE
on the call waiting for this very contact's confirmation: a double click, a replayed frame or
another contact's forged id finds nothing to claim, and nothing happens. The claimed call runs
exactly as it was shown, inside the conversation's reply lock, and the model phrases its result
like any answer.
"""

from __future__ import annotations

import uuid

from assistant.actions import services as action_services
from assistant.actions import tools as actions
from assistant.chat import reply, services
from assistant.db_async import db_async
from assistant.kv import async_lock

# A confirmed call waits at most this long for a reply turn still running to finish.
LOCK_WAIT_SECONDS = 60


async def decide(*, contact_id: uuid.UUID, call_id: uuid.UUID, confirm: bool) -> bool:
    """The customer clicked Confirm or Cancel on a card. False when there was nothing to
    decide (not theirs, decided already, too old): nothing happens then."""
    pending = await db_async(action_services.decision_claim)(
        call_id=call_id, contact_id=contact_id, confirm=confirm
    )
    if pending is None:
        return False
    # One turn at a time per conversation: wait for a running one to let go.
    lock = async_lock(reply.lock_name(pending.conversation_id), timeout=reply.LOCK_SECONDS)
    if not await lock.acquire(blocking=True, blocking_timeout=LOCK_WAIT_SECONDS):
        await db_async(action_services.confirmed_call_fail)(call_id=call_id, outcome="busy")
        return False
    try:
        context = await reply.load_turn_context(pending.conversation_id)
        if context is None:
            return False
        if not confirm:
            text = actions.in_language(context.language, actions.CANCELLED)
            await db_async(services.assistant_notice_store)(
                conversation_id=context.conversation_id, text=text
            )
            return True
        outcome = await actions.run_confirmed(pending, caller=context.caller)
        turn = reply.ReplyTurn(context)
        await turn.follow(outcome)
    finally:
        await lock.release()
    return True
