"""The conversation writes of the reply turn's hot path, each one SQL statement.

Every customer message and every answer appends a message to a conversation: the conversation's
sequence number goes up, the message is inserted with it. Through the ORM that is a SELECT ...
FOR UPDATE, an UPDATE and an INSERT, each a round trip and about a millisecond of a database
thread's CPU (issue 23, B1 in docs/benchmarks.md). Here the UPDATE (which takes the row lock
itself) and the INSERT are one statement: a data-modifying CTE whose RETURNING row feeds the
INSERT. A new conversation and its first message are one statement too.

The statements are composed from the ORM's own SQL and field conversions
(`assistant.sqlcompose`), not written out by hand, so a field added to a model is written here
as well. The services in ``services.py`` decide what to write; this module only says how in one
round trip.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import F, QuerySet

from assistant.chat.models import Conversation, Message
from assistant.sqlcompose import insert_select, quote, update_returning


def append_message(
    conversation_rows: QuerySet[Conversation], changes: dict[str, Any], message: Message
) -> Message | None:
    """One statement: the conversation's next sequence number (and ``changes`` to its row, in
    the same UPDATE), then ``message`` inserted with it. ``conversation_rows`` selects the one
    conversation, with whatever condition the write needs (the assistant's answer: "the
    assistant still has the turn"); when it selects nothing, nothing is written and None is
    returned. The UPDATE takes the row lock, so sequence numbers stay gap-free and ordered
    whether or not the caller already holds it. ``message`` gets its id and seq."""
    bump, bump_params = update_returning(
        conversation_rows,
        {"last_seq": F("last_seq") + 1, **changes},
        ["id", "last_seq"],
    )
    insert, insert_params = insert_select(
        message,
        source="bumped",
        computed={"conversation_id": "bumped.id", "seq": "bumped.last_seq"},
    )
    sql = f"WITH bumped AS ({bump}) {insert} RETURNING {quote('id')}, {quote('seq')}"
    with connection.cursor() as cursor:
        cursor.execute(sql, bump_params + insert_params)
        row = cursor.fetchone()
    if row is None:
        return None
    message.pk, message.seq = row
    return message


def conversation_start(
    conversation: Conversation, message: Message, *, contact_id: Any, client_id: str
) -> bool:
    """One statement: insert ``conversation`` (as the assistant's, sequence 1) and its first
    ``message``, if the inbox's assistant is on and the contact has no message with this client
    id in any conversation. The switch is read under a share lock, so switching the assistant
    off waits until this conversation is committed and then hands it over with the others
    (``services.inbox_set_assistant``). False when nothing was written (the switch is off, or
    the message is a retry): the caller takes the general path, which tells the two apart."""
    inbox = quote(conversation._meta.get_field("inbox").related_model._meta.db_table)
    conversations = quote(Conversation._meta.db_table)
    messages = quote(Message._meta.db_table)
    # A retried send of a message stored in an earlier (since resolved) conversation.
    already_stored = (
        f"NOT EXISTS (SELECT 1 FROM {messages} m JOIN {conversations} c "
        f"ON c.{quote('id')} = m.{quote('conversation_id')} "
        f"WHERE c.{quote('contact_id')} = %s AND m.{quote('client_id')} = %s)",
        [contact_id, client_id],
    )
    insert_conversation, conversation_params = insert_select(
        conversation, source="switch", computed={}, where=already_stored
    )
    insert_message, message_params = insert_select(
        message, source="started", computed={"conversation_id": f"started.{quote('id')}"}
    )
    sql = (
        f"WITH switch AS (SELECT 1 FROM {inbox} WHERE {quote('id')} = %s "
        f"AND {quote('bot_enabled')} FOR SHARE), "
        f"started AS ({insert_conversation} RETURNING {quote('id')}) "
        f"{insert_message} RETURNING {quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [conversation.inbox_id, *conversation_params, *message_params])
        row = cursor.fetchone()
    if row is None:
        return False
    message.pk = row[0]
    conversation._state.adding = False
    conversation._state.db = connection.alias
    return True
