"""Actions in the analytics overview: calls per action and outcome, and the conversations they
helped resolve."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from assistant.actions.models import ActionCall
from assistant.chat.models import Conversation
from tests import factories
from tests.analytics.test_views import _html_table

pytestmark = pytest.mark.django_db


def call(conversation: Conversation, name: str, status: str) -> ActionCall:
    return ActionCall.objects.create(
        action_name=name,
        inbox=conversation.inbox,
        conversation=conversation,
        contact=conversation.contact,
        status=status,
    )


def test_the_overview_counts_actions_by_name_and_outcome(world) -> None:
    resolved = factories.make_conversation(world.inbox_a, client_id="r")
    Conversation.objects.filter(pk=resolved.pk).update(
        state="resolved", resolved_at=timezone.now(), handoff_at=None
    )
    open_one = factories.make_conversation(world.inbox_a, client_id="o")
    call(resolved, "order_status", "succeeded")
    call(resolved, "order_status", "succeeded")
    call(open_one, "order_status", "failed")
    call(open_one, "change_delivery_address", "cancelled")
    call(open_one, "change_delivery_address", "refused")
    # Another team's inbox: not the manager's to see.
    call(world.conversation_b, "order_status", "succeeded")

    client = Client()
    client.force_login(world.manager)
    html = client.get("/analytics/", {"range": "7d"}).content.decode()
    header, *rows = _html_table(html, "actions")
    assert header[:3] == ["Action", "Calls", "Succeeded"]
    by_name = {row[0]: row[1:] for row in rows}
    # calls, succeeded, failed, refused, cancelled, not confirmed, resolved, without a person
    assert by_name["order_status"] == ["3", "2", "1", "0", "0", "0", "1", "1"]
    assert by_name["change_delivery_address"] == ["2", "0", "0", "1", "1", "0", "0", "0"]
