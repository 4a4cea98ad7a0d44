"""The assistant's drafts on e-mail ("draft" mode): an agent sends each one, edited or not, or
discards it. Nothing reaches the customer before that.

A sent draft becomes the assistant's message (the customer reads the assistant's answer, which
an agent vouched for) and is mailed; the draft's row keeps who approved it and whether they
changed it, which is the audit of that decision.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistant.chat import services
from assistant.chat.models import Message
from assistant.mail.answer_delivery import announce_draft, deliver_answer
from assistant.mail.models import MailAnswer
from assistant.people import staff_name

MAX_DRAFT_CHARS = 20_000


class DraftRefused(Exception):
    """The draft cannot be sent or discarded; ``message`` says why, for the agent."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def open_drafts(conversation_id: uuid.UUID) -> QuerySet[MailAnswer]:
    """The conversation's drafts waiting for an agent, oldest first, with the mail they answer."""
    return (
        MailAnswer.objects.filter(conversation_id=conversation_id, state=MailAnswer.State.DRAFTED)
        .select_related("question")
        .order_by("question__seq")
    )


def approvers(conversation_id: uuid.UUID) -> dict[int, str]:
    """Who approved each of the conversation's sent drafts, by the message it became: the desk
    shows it under the assistant's answer."""
    sent = MailAnswer.objects.filter(
        conversation_id=conversation_id, state=MailAnswer.State.SENT, answer__isnull=False
    ).select_related("decided_by")
    return {
        draft.answer_id: staff_name(draft.decided_by) if draft.decided_by else ""
        for draft in sent
        if draft.answer_id is not None
    }


def _locked_draft(draft_id: int, conversation_id: uuid.UUID) -> MailAnswer:
    draft = (
        MailAnswer.objects.select_for_update()
        .filter(pk=draft_id, conversation_id=conversation_id)
        .first()
    )
    if draft is None or draft.state != MailAnswer.State.DRAFTED:
        raise DraftRefused(_("This draft was already sent or discarded."))
    return draft


@transaction.atomic
def draft_send(*, draft_id: int, conversation_id: uuid.UUID, text: str | None, by: Any) -> Message:
    """Send the draft as the assistant's answer (``text``: the agent's edit, if any), mailed to
    the customer. Refused when it was already decided, when the edit is empty, or when a person
    has taken the conversation over (who then answers in their own name)."""
    draft = _locked_draft(draft_id, conversation_id)
    final = draft.text if text is None else text.strip()
    if not final:
        raise DraftRefused(_("The reply is empty."))
    if len(final) > MAX_DRAFT_CHARS:
        raise DraftRefused(_("The reply is too long."))
    edited = final != draft.text
    message = services.assistant_message_store(
        conversation_id=draft.conversation_id,
        language=draft.language,
        text=final,
        # The sources stay those of the answer the agent approved; an edit is the agent's.
        citations=draft.citations,
        result=None,
        dont_know=draft.dont_know and not edited,
    )
    if message is None:
        raise DraftRefused(
            _("A person has taken this conversation over: reply in the reply box instead.")
        )
    draft.state = MailAnswer.State.SENT
    draft.answer = message
    draft.decided_by = by
    draft.decided_at = timezone.now()
    draft.edited = edited
    draft.save(
        update_fields=["state", "answer", "decided_by", "decided_at", "edited", "updated_at"]
    )
    deliver_answer(message)
    announce_draft(draft.conversation_id)
    return message


@transaction.atomic
def draft_discard(*, draft_id: int, conversation_id: uuid.UUID, by: Any) -> MailAnswer:
    """Drop the draft: nothing is sent; who did it is kept."""
    draft = _locked_draft(draft_id, conversation_id)
    draft.state = MailAnswer.State.DISCARDED
    draft.decided_by = by
    draft.decided_at = timezone.now()
    draft.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
    # The desks' queues (drafts to approve) and other agents' open pages drop it.
    announce_draft(draft.conversation_id)
    return draft
