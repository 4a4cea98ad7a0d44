"""Recovery and housekeeping: stalled replies finished by the worker, idle conversations closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assistant.chat import tasks
from assistant.chat.models import Conversation, Message
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reply_left_unanswered_by_a_dead_web_process_is_completed() -> None:
    inbox = factories.make_inbox()
    # A customer message stored, then the web process died before answering it.
    conversation = factories.make_conversation(inbox, text="Where is my order?")
    Conversation.objects.filter(pk=conversation.pk).update(
        updated_at=timezone.now() - timedelta(minutes=5)
    )
    assert tasks.stalled_conversations() == [str(conversation.pk)]

    assert tasks.recover_stalled_replies() == 1

    kinds = list(conversation.messages.order_by("seq").values_list("author_kind", flat=True))
    assert kinds == ["customer", "assistant"]
    assert tasks.stalled_conversations() == []
    assert tasks.recover_stalled_replies() == 0  # nothing done twice


def test_a_fresh_unanswered_message_is_left_to_the_web_process() -> None:
    factories.make_conversation(factories.make_inbox())
    assert tasks.stalled_conversations() == []


def test_idle_conversations_are_resolved_with_a_notice() -> None:
    inbox = factories.make_inbox(idle_resolve_minutes=30)
    idle = factories.make_conversation(inbox, text="hello")
    busy = factories.make_conversation(inbox, text="still here")
    Conversation.objects.filter(pk=idle.pk).update(
        updated_at=timezone.now() - timedelta(minutes=31)
    )
    never = factories.make_conversation(factories.make_inbox(idle_resolve_minutes=0), text="x")
    Conversation.objects.filter(pk=never.pk).update(updated_at=timezone.now() - timedelta(days=30))

    assert tasks.resolve_idle_conversations() == 1

    idle.refresh_from_db()
    busy.refresh_from_db()
    assert (idle.state, busy.state) == ("resolved", "bot")
    notice = Message.objects.filter(conversation=idle, author_kind="system").last()
    assert "quiet for a while" in notice.text
    assert tasks.resolve_idle_conversations() == 0
