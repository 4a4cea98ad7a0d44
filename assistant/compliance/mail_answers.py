"""The assistant's e-mail answers and drafts (assistant/mail/answering.py) as a data holder: a
draft's text is written to the customer about their case, so retention anonymises it with the
conversation's messages, the customer's export includes the drafts, and erasure removes them
(with the conversations they belong to). An answer that was sent is a message, which the chat
side's own retention and rights already cover."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from assistant.chat.models import Contact
from assistant.compliance.holders import ConversationRecords
from assistant.mail.models import MailAnswer


class MailAnswerData(ConversationRecords):
    """assistant.mail's answers as a compliance.holders.DataHolder."""

    def expire_conversations(
        self, conversation_ids: Sequence[uuid.UUID], *, delete: bool
    ) -> dict[str, int]:
        answers = MailAnswer.objects.filter(conversation_id__in=conversation_ids)
        if delete:
            deleted, _by_model = answers.delete()
            return {"mail_answers_deleted": deleted}
        # What the draft said goes; that there was one, and how it was decided, stays. A draft
        # nobody decided can no longer be sent.
        answers.filter(state=MailAnswer.State.DRAFTED).update(
            state=MailAnswer.State.DISCARDED, reason="retention"
        )
        changed = answers.exclude(text="", citations=[]).update(text="", citations=[])
        return {"mail_answers_anonymised": changed}

    def export_contact(self, contact: Contact) -> dict[str, Any]:
        answers = MailAnswer.objects.filter(conversation__contact=contact).order_by("created_at")
        return {
            "email_answer_drafts": [
                {
                    "conversation_id": str(answer.conversation_id),
                    "state": answer.state,
                    "text": answer.text,
                    "sources": answer.citations,
                    "created_at": answer.created_at.isoformat(),
                    "decided_at": answer.decided_at.isoformat() if answer.decided_at else None,
                }
                for answer in answers
                if answer.text
            ]
        }

    def erase_contact(
        self, contact: Contact, conversation_ids: Sequence[uuid.UUID]
    ) -> dict[str, int]:
        deleted, _by_model = MailAnswer.objects.filter(conversation__contact=contact).delete()
        return {"mail_answers_deleted": deleted}
