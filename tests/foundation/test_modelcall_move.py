"""Model calls moved from the chat app to the usage app (the records layer) with their table:
rows written before the move are read after it, and the move changes nothing in the database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("chat", "0006_modelcall_guardrail")]
AFTER = [("usage", "0001_initial")]


def test_a_row_written_before_the_move_is_read_after_it() -> None:
    conversation = factories.make_conversation(factories.make_inbox())
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    old_apps.get_model("chat", "ModelCall").objects.create(
        conversation_id=conversation.id, purpose="reply", provider="qwen", model="qwen-plus",
        outcome="ok", input_tokens=12,
    )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    # State only: no SQL is run for the move, in either direction.
    plan = executor.migration_plan(AFTER)
    sql = [
        statement
        for statement in executor.loader.collect_sql(plan)
        if not statement.lstrip().startswith("--")
    ]
    assert sql == [], sql
    executor.migrate(AFTER)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from assistant.usage.models import ModelCall

    (call,) = ModelCall.objects.filter(conversation_id=conversation.id)
    assert (call.provider, call.input_tokens) == ("qwen", 12)
    assert conversation.model_calls.get() == call
