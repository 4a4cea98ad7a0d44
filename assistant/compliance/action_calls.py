"""The assistant's action calls (assistant/actions) as a data holder: their arguments, the
endpoint's answers and the confirmation texts are the customer's case (an address, an order), so
retention anonymises them with the conversation's messages, the customer's export includes them,
and erasure removes them (with the conversations they belong to)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from assistant.actions.models import ActionCall
from assistant.chat.models import Contact, Conversation, Inbox


class ActionCallData:
    """assistant.actions as a compliance.holders.DataHolder."""

    def retainable_conversations(
        self, conversations: QuerySet[Conversation], *, before: datetime
    ) -> QuerySet[Conversation]:
        # A call belongs to its conversation's activity: it never keeps one alive by itself.
        return conversations

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

    def expire_unlinked(
        self, *, inbox: Inbox, before: datetime, delete: bool, limit: int
    ) -> tuple[dict[str, int], int]:
        return {}, 0  # every call belongs to a conversation

    def retainable_contacts(
        self, contacts: QuerySet[Contact], *, delete: bool
    ) -> QuerySet[Contact]:
        return contacts

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
