"""The reply turn's SQL, statement by statement (issue 23): each explicit statement of the hot
path does what the ORM calls it replaced did, and one customer message with its answer stays
within its count of statements."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assistant.chat import selectors, services, statements
from assistant.chat.models import Conversation, Message
from assistant.db_async import db_async
from assistant.privacy.models import InboxPrivacy
from tests import factories
from tests.chat.conftest import Widget, turns_finished

# Per customer message, besides the knowledge search's own statements: storing the message
# (the contact locked; the open conversation locked with the retry check; the message appended
# or the conversation started with it), the ticket's clock for a conversation that may have one,
# the turn's context, the answer with the conversation's update, the call's records, and the
# check for messages that arrived meanwhile.
STATEMENTS_PER_MESSAGE = 8


def _message(conversation: Conversation, text: str = "hi", **fields: Any) -> Message:
    return Message(conversation=conversation, seq=0, author_kind="customer", text=text, **fields)


@pytest.mark.django_db
def test_appending_gives_the_next_sequence_number_and_saves_the_changes_in_one_statement(
    inbox,
) -> None:
    conversation = factories.make_conversation(inbox)
    message = _message(conversation, "second", client_id="c2")
    with CaptureQueriesContext(connection) as queries:
        stored = statements.append_message(
            Conversation.objects.filter(pk=conversation.pk), {"language": "de"}, message
        )
    assert len(queries) == 1
    assert stored is message and message.pk is not None and message.seq == 2
    conversation.refresh_from_db()
    assert (conversation.last_seq, conversation.language) == (2, "de")
    row = Message.objects.get(pk=message.pk)
    assert (row.seq, row.text, row.client_id, row.author_kind) == (2, "second", "c2", "customer")
    assert row.created_at is not None and row.citations == []


@pytest.mark.django_db
def test_appending_writes_nothing_when_the_condition_excludes_the_conversation(inbox) -> None:
    conversation = factories.make_conversation(inbox)
    Conversation.objects.filter(pk=conversation.pk).update(state=Conversation.State.AGENT)
    rows = Conversation.objects.filter(pk=conversation.pk, state=Conversation.State.BOT)
    assert statements.append_message(rows, {}, _message(conversation)) is None
    conversation.refresh_from_db()
    assert conversation.last_seq == 1
    assert conversation.messages.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_get_gap_free_sequence_numbers(inbox) -> None:
    conversation = factories.make_conversation(inbox)
    start = threading.Barrier(6)

    def append(index: int) -> None:
        start.wait()
        try:
            with transaction.atomic():
                statements.append_message(
                    Conversation.objects.filter(pk=conversation.pk),
                    {},
                    _message(conversation, f"m{index}", client_id=f"x{index}"),
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seqs = sorted(conversation.messages.values_list("seq", flat=True))
    assert seqs == list(range(1, 8))
    conversation.refresh_from_db()
    assert conversation.last_seq == 7


@pytest.mark.django_db
def test_a_conversation_starts_with_its_first_message_in_one_statement(inbox) -> None:
    contact = factories.make_session(inbox).contact
    conversation = Conversation(inbox=inbox, contact=contact, last_seq=1, language="fr")
    message = _message(conversation, "Bonjour", client_id="a")
    message.seq = 1
    with CaptureQueriesContext(connection) as queries:
        started = statements.conversation_start(
            conversation, message, contact_id=contact.pk, client_id="a"
        )
    assert started is True and len(queries) == 1
    row = Conversation.objects.get(pk=conversation.pk)
    assert (row.state, row.language, row.last_seq, row.contact_id) == ("bot", "fr", 1, contact.pk)
    assert list(row.messages.values_list("seq", "text", "client_id")) == [(1, "Bonjour", "a")]
    assert Message.objects.get(pk=message.pk).conversation_id == conversation.pk


@pytest.mark.django_db
def test_no_conversation_starts_in_one_statement_while_the_assistant_is_off(inbox) -> None:
    contact = factories.make_session(inbox).contact
    inbox.bot_enabled = False
    inbox.save()
    conversation = Conversation(inbox=inbox, contact=contact, last_seq=1)
    assert not statements.conversation_start(
        conversation, _message(conversation), contact_id=contact.pk, client_id="a"
    )
    assert not Conversation.objects.filter(contact=contact).exists()


@pytest.mark.django_db
def test_no_conversation_starts_for_a_message_stored_before(inbox) -> None:
    first = factories.make_conversation(inbox, client_id="same")
    services.conversation_resolve(conversation_id=first.pk)
    conversation = Conversation(inbox=inbox, contact=first.contact, last_seq=1)
    assert not statements.conversation_start(
        conversation, _message(conversation), contact_id=first.contact_id, client_id="same"
    )
    assert Conversation.objects.filter(contact=first.contact).count() == 1


@pytest.mark.django_db
def test_a_retry_of_a_message_whose_conversation_was_resolved_is_stored_once(inbox) -> None:
    first = factories.make_conversation(inbox, client_id="same")
    services.conversation_resolve(conversation_id=first.pk)
    again = services.customer_message_create(
        contact_id=first.contact_id, text="Where is my order?", client_id="same"
    )
    assert not again.created and again.conversation.pk == first.pk
    assert Conversation.objects.filter(contact=first.contact).count() == 1


@pytest.mark.django_db
def test_a_retry_in_the_open_conversation_is_found_with_the_conversation(inbox) -> None:
    conversation = factories.make_conversation(inbox, client_id="same")
    again = services.customer_message_create(
        contact_id=conversation.contact_id, text="Where is my order?", client_id="same"
    )
    assert not again.created and again.message.seq == 1
    assert Message.objects.filter(conversation=conversation).count() == 1


@pytest.mark.django_db
def test_the_answer_updates_the_conversation_and_is_stored_in_one_statement(inbox) -> None:
    conversation = factories.make_conversation(inbox)
    # The answer's call, as far as storing it reads it: its tokens.
    result: Any = SimpleNamespace(input_tokens=7, output_tokens=5)
    with CaptureQueriesContext(connection) as queries:
        message = services.assistant_message_store(
            conversation_id=conversation.pk,
            language="de",
            text="Die Antwort",
            citations=[{"title": "T", "url": "https://help.example.com/t"}],
            result=result,
            dont_know=True,
        )
    assert len(queries) == 1
    assert message is not None and message.seq == 2
    row = Message.objects.get(pk=message.pk)
    assert (row.author_kind, row.author_name, row.text) == ("assistant", "Assistent", "Die Antwort")
    assert row.citations == [{"title": "T", "url": "https://help.example.com/t"}]
    # A column with a database default is written when the answer sets it (the gaps page
    # reads the flag): the statement must not leave it to the default.
    assert row.unanswered is True
    conversation.refresh_from_db()
    first_response = conversation.first_response_at
    assert first_response is not None
    assert (conversation.tokens_used, conversation.dont_know_streak, conversation.last_seq) == (
        12,
        1,
        2,
    )
    # The first response stays the first; a supported answer ends the streak.
    services.assistant_message_store(
        conversation_id=conversation.pk, language="en", text="More", citations=[], result=None
    )
    conversation.refresh_from_db()
    assert conversation.first_response_at == first_response
    assert (conversation.tokens_used, conversation.dont_know_streak) == (12, 0)
    assert Message.objects.get(conversation=conversation, seq=3).unanswered is False


@pytest.mark.django_db
def test_an_unsupported_answer_while_waiting_for_a_person_is_not_counted_as_an_offer(
    inbox,
) -> None:
    conversation = factories.make_conversation(inbox)
    Conversation.objects.filter(pk=conversation.pk).update(state=Conversation.State.WAITING)
    stored = services.assistant_message_store(
        conversation_id=conversation.pk,
        language="en",
        text="I don't know",
        citations=[],
        result=None,
        dont_know=True,
    )
    assert stored is not None and stored.unanswered is True
    conversation.refresh_from_db()
    assert conversation.dont_know_streak == 0


@pytest.mark.django_db
def test_the_answer_is_not_stored_once_a_person_has_the_conversation(inbox) -> None:
    conversation = factories.make_conversation(inbox)
    agent = factories.make_agent("ada")
    services.conversation_takeover(conversation_id=conversation.pk, agent=agent)
    last_seq = Conversation.objects.get(pk=conversation.pk).last_seq
    stored = services.assistant_message_store(
        conversation_id=conversation.pk, language="en", text="Late", citations=[], result=None
    )
    assert stored is None
    conversation.refresh_from_db()
    assert conversation.last_seq == last_seq
    assert not conversation.messages.filter(author_kind="assistant").exists()


@pytest.mark.django_db
def test_the_turns_context_is_read_in_one_statement(inbox) -> None:
    conversation = factories.make_conversation(inbox, text="first")
    for index in range(3):
        services.customer_message_create(
            contact_id=conversation.contact_id, text=f"more {index}", client_id=f"m{index}"
        )
    InboxPrivacy.objects.create(inbox=inbox, link_domains=["docs.example.com"])
    with CaptureQueriesContext(connection) as queries:
        loaded = selectors.turn_conversation(conversation.pk, history=3)
        assert loaded is not None
        texts = [entry["text"] for entry in loaded.recent]
        assert loaded.inbox.privacy.link_domains == ["docs.example.com"]
        assert loaded.contact.pk == conversation.contact_id
    assert len(queries) == 1
    assert texts == ["more 2", "more 1", "more 0"]  # newest first, as many as asked for
    assert selectors.turn_conversation(uuid.uuid4(), history=3) is None


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    """Every SQL statement any thread runs (the turn's run on the database threads)."""
    from django.db.backends.utils import CursorWrapper

    seen: list[str] = []
    originals = {name: getattr(CursorWrapper, name) for name in ("execute", "executemany")}

    def counted(name: str) -> Any:
        def run(self: Any, sql: str, *args: Any, **kwargs: Any) -> Any:
            seen.append(sql)
            return originals[name](self, sql, *args, **kwargs)

        return run

    for name in originals:
        setattr(CursorWrapper, name, counted(name))
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(CursorWrapper, name, original)


@pytest.mark.django_db(transaction=True)
async def test_a_customer_message_and_its_answer_take_at_most_eight_statements(
    inbox, new_session, simulated_llm, with_passages
) -> None:
    # with_passages: the knowledge search is replaced (its own statements are not counted
    # here); the answer still cites the passage, as a real turn does. No classification model
    # (as in B1): a classifier's call is a second model call with records of its own.
    simulated_llm.configure(routes={"classification": ["offline"]})
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    counts = []
    for client_id in ("1", "2"):  # a conversation's first message, then a later one
        with counting_statements() as seen:
            await tab.say("When will my order arrive?", client_id)
            end, _ = await tab.receive_until("stream_end")
            await turns_finished(uuid.UUID(end["message"]["conversation_id"]))
            await asyncio.sleep(0.1)  # signals and announcements after the last commit
        counts.append(len(seen))
        assert end["message"]["citations"], "the answer cites the passage"
    assert counts[0] <= STATEMENTS_PER_MESSAGE - 1, counts  # a new conversation has no ticket
    assert counts[1] <= STATEMENTS_PER_MESSAGE, counts
    stored = await db_async(lambda: list(Message.objects.values_list("seq", "author_kind")))()
    assert sorted(stored) == [(1, "customer"), (2, "assistant"), (3, "customer"), (4, "assistant")]
    await tab.close()


# Per customer message, besides the knowledge search's: storing the message with the turn's
# lock and context, storing the answer with its call's records, and the check for messages that
# arrived meanwhile. Each call is a pooled connection checked out, a thread hop and a
# transaction, whatever its statements.
DATABASE_CALLS_PER_MESSAGE = 3


@pytest.mark.django_db(transaction=True)
async def test_a_customer_message_and_its_answer_take_three_database_calls(
    inbox, new_session, simulated_llm, with_passages, monkeypatch
) -> None:
    from assistant import db_async as module

    simulated_llm.configure(routes={"classification": ["offline"]})
    calls: list[str] = []
    closing = module._closing

    def counted(announced: Any, func: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(func, "__qualname__", repr(func)))
        return closing(announced, func, *args, **kwargs)

    monkeypatch.setattr(module, "_closing", counted)
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    for client_id in ("1", "2"):
        calls.clear()
        await tab.say("When will my order arrive?", client_id)
        end, _ = await tab.receive_until("stream_end")
        await turns_finished(uuid.UUID(end["message"]["conversation_id"]))
        assert end["message"]["text"]
        assert len(calls) <= DATABASE_CALLS_PER_MESSAGE, calls
    await tab.close()
