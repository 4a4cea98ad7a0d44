"""Several ORM writes as one statement (assistant/sqlcompose.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistant.chat.models import Inbox
from assistant.privacy.models import OutboundCallAudit
from assistant.sqlcompose import insert_rows
from assistant.usage.models import ModelCall


@pytest.mark.django_db
def test_rows_of_two_models_are_inserted_in_one_statement_and_get_their_keys() -> None:
    inbox = Inbox.objects.create(name="Shop", public_key="pk_sqlcompose")
    audits = [
        OutboundCallAudit(inbox_id=inbox.pk, provider=name, purpose="reply", outcome=outcome)
        for name, outcome in (("first", "error"), ("second", "ok"))
    ]
    call = ModelCall(inbox_id=inbox.pk, purpose="reply", provider="second", model="m")
    with CaptureQueriesContext(connection) as queries:
        insert_rows([audits[0], call, audits[1]])
    assert len(queries) == 1
    assert all(row.pk is not None and not row._state.adding for row in (*audits, call))
    # Each object got its own row's key, in the order given per model.
    stored = {row.pk: row.provider for row in OutboundCallAudit.objects.all()}
    assert [stored[a.pk] for a in audits] == ["first", "second"]
    assert ModelCall.objects.get(pk=call.pk).provider == "second"
    assert all(a.created_at is not None for a in audits)  # auto_now_add applied


@pytest.mark.django_db
def test_a_value_too_long_for_its_column_is_refused_not_cut() -> None:
    from django.db import DataError, transaction

    from assistant.chat.models import Contact, Conversation, Message
    from assistant.sqlcompose import insert_select

    inbox = Inbox.objects.create(name="Shop", public_key="pk_sqlcompose_long")
    conversation = Conversation.objects.create(
        inbox=inbox, contact=Contact.objects.create(inbox=inbox)
    )
    message = Message(conversation=conversation, seq=1, author_kind="customer", text="hi")
    message.client_id = "x" * 65  # the column holds 64
    sql, params = insert_select(message, source="(SELECT 1) AS one", computed={})
    with pytest.raises(DataError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    assert not Message.objects.exists()
