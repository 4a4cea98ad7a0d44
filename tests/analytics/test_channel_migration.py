"""Migration analytics/0002 on a database with history: facts keep their rows and take their
conversation's channel, the rollups (grouped differently now) are emptied with the watermark,
and the next refresh rebuilds them with chat and e-mail apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from analytics import rollups
from analytics.models import ConversationDaily, ConversationFact, RollupState
from assistant.chat.models import Conversation
from tests import factories
from tests.analytics.conftest import scope, total

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("analytics", "0001_initial")]
START = datetime(2026, 3, 2, 10, tzinfo=UTC)


def _old_fact(apps: Any, conversation: Conversation) -> None:
    apps.get_model("analytics", "ConversationFact").objects.create(
        conversation_id=conversation.pk, created_at=START, inbox_id=conversation.inbox_id,
        language="en", topic="", route="reply", model="", state="bot", resolved=False,
        handed_off=False, handoff_reason="", human=False, reopened=False, automated=False,
        sla_breaches=0, model_calls=0, tokens=0, cost=0,
    )  # fmt: skip


def test_facts_take_their_channel_and_the_rollups_are_rebuilt_apart() -> None:
    inbox = factories.make_inbox()
    chat = factories.make_conversation(inbox)
    email = factories.make_conversation(inbox, client_id="c2")
    Conversation.objects.filter(pk=email.pk).update(channel=Conversation.Channel.EMAIL)
    Conversation.objects.filter(pk__in=[chat.pk, email.pk]).update(created_at=START)

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    _old_fact(old_apps, chat)
    _old_fact(old_apps, email)
    old_apps.get_model("analytics", "ConversationDaily").objects.create(
        period=START.replace(hour=0), level=0, conversations=2, resolved=0, handed_off=0,
        human=0, automated=0, reopened=0, resolved_human=0, sla_breaches=0, model_calls=0,
        tokens=0, cost=0, cost_human=0, cost_sq=0, csat_a1=0, csat_a2=0, csat_a3=0, csat_a4=0,
        csat_a5=0, csat_h1=0, csat_h2=0, csat_h3=0, csat_h4=0, csat_h5=0,
    )  # fmt: skip
    old_apps.get_model("analytics", "RollupState").objects.create(name="rollups", mark=START)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    channels = dict(ConversationFact.objects.values_list("conversation_id", "channel"))
    assert channels == {chat.pk: "chat", email.pk: "email"}
    assert not ConversationDaily.objects.exists()
    assert not RollupState.objects.exists()

    rollups.refresh(now=START + timedelta(days=1))
    week = scope(START - timedelta(days=1), START + timedelta(days=6))
    assert total(week).conversations == 2
    assert total(scope(week.start, week.end, channel="email")).conversations == 1
    assert total(scope(week.start, week.end, channel="chat")).conversations == 1
