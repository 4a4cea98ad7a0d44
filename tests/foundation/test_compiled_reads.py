"""A read whose SQL is compiled once per process (assistant/compiled_reads.py)."""

from __future__ import annotations

import threading
import uuid
from unittest import mock

import pytest
from django.db import connection, connections
from django.db.models import Count, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from assistant.chat.models import Conversation, Inbox
from assistant.compiled_reads import CompiledRead
from tests import factories

STANDIN = uuid.UUID(int=0)


@pytest.fixture
def inbox(db: object) -> Inbox:
    return factories.make_inbox()


def _conversations(conversation_id: uuid.UUID) -> QuerySet[Conversation]:
    return (
        Conversation.objects.select_related("inbox", "contact")
        .annotate(message_count=Count("messages"))
        .filter(pk=conversation_id)
    )


@pytest.mark.django_db
def test_each_call_reads_its_own_value_with_related_models_and_annotations(inbox) -> None:
    first = factories.make_conversation(inbox, text="one")
    second = factories.make_conversation(inbox, text="two")
    read = CompiledRead(_conversations, standin=STANDIN)
    for conversation in (first, second, first):
        with CaptureQueriesContext(connection) as queries:
            loaded = read.first(conversation.pk)
            assert loaded is not None
            # select_related models came with the row: no query to reach them.
            assert loaded.inbox.name == inbox.name
            assert loaded.contact.pk == conversation.contact_id
        assert len(queries) == 1
        expected = _conversations(conversation.pk).get()
        assert loaded.pk == expected.pk == conversation.pk
        assert loaded.message_count == expected.message_count
        assert loaded.state == expected.state and loaded.created_at == expected.created_at
        assert not loaded._state.adding and loaded._state.db == "default"
    assert read.first(uuid.uuid4()) is None


@pytest.mark.django_db
def test_the_sql_is_compiled_once_not_on_every_call(inbox) -> None:
    conversation = factories.make_conversation(inbox, text="one")
    read = CompiledRead(_conversations, standin=STANDIN)
    with mock.patch.object(
        SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
    ) as spy:
        for _ in range(3):
            assert read.first(conversation.pk) is not None
    assert spy.call_count == 1


@pytest.mark.django_db
def test_a_read_whose_standin_is_not_in_the_sql_once_is_refused() -> None:
    read = CompiledRead(lambda _value: Conversation.objects.filter(state="open"), standin=STANDIN)
    with pytest.raises(ValueError, match="exactly once"):
        read.first(uuid.uuid4())


@pytest.mark.django_db(transaction=True)
def test_a_read_compiled_in_one_thread_runs_in_another_on_that_threads_connection(inbox) -> None:
    # Reply turns run their reads on a pool of database threads: the first compiles the read,
    # the others reuse it, each on its own connection.
    conversation = factories.make_conversation(inbox, text="one")
    read = CompiledRead(_conversations, standin=STANDIN)
    assert read.first(conversation.pk) is not None
    found: list[object] = []

    def in_another_thread() -> None:
        try:
            found.append(read.first(conversation.pk))
        except Exception as error:  # reported below, in the test's thread
            found.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=in_another_thread)
    thread.start()
    thread.join()
    assert [getattr(item, "pk", item) for item in found] == [conversation.pk]
