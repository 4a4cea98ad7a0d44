"""The assistant's action calls (assistant/actions) as a data holder: their arguments, the
endpoint's answers and the confirmation texts are the customer's case (an address, an order), so
retention anonymises them with the conversation's messages, the customer's export includes them,
and erasure removes them (with the conversations they belong to)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from assistant.actions.models import ActionCall
from assistant.chat.models import Contact
from assistant.compliance.holders import ConversationRecords


class ActionCallData(ConversationRecords):
    """assistant.actions as a compliance.holders.DataHolder."""

    def expire_conversations(
        self, conversation_ids: Sequence[uuid.UUID], *, delete: bool
    ) -> dict[str, int]:
        calls = ActionCall.objects.filter(conversation_id__in=conversation_ids)
        if delete:
            deleted, _by_model = calls.delete()
            return {"action_calls_deleted": deleted}
        # What was asked and answered goes; which action ran and how it ended stays (analytics).
        changed = calls.update(arguments={}, result="", summary="")
        return {"action_calls_anonymised": changed}

    def export_contact(self, contact: Contact) -> dict[str, Any]:
        calls = ActionCall.objects.filter(contact=contact).order_by("created_at")
        return {
            "action_calls": [
                {
                    "conversation_id": str(call.conversation_id),
                    "action": call.action_name,
                    "arguments": call.arguments,
                    "status": call.status,
                    "outcome": call.outcome,
                    "asked_to_confirm": call.summary,
                    "confirmed_at": call.confirmed_at.isoformat() if call.confirmed_at else None,
                    "result": call.result,
                    "created_at": call.created_at.isoformat(),
                }
                for call in calls
            ]
        }

    def erase_contact(
        self, contact: Contact, conversation_ids: Sequence[uuid.UUID]
    ) -> dict[str, int]:
        deleted, _by_model = ActionCall.objects.filter(contact=contact).delete()
        return {"action_calls_deleted": deleted}
