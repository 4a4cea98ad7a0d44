"""A backup of a database with conversations, restored into an empty database, gives back every
conversation, message and ticket."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from assistant.chat.models import Conversation, Message
from assistant.management.commands.pg_tools import libpq_environment
from tests import factories
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def _conninfo(dbname: str) -> str:
    env = libpq_environment(dbname=dbname)
    return psycopg.conninfo.make_conninfo(
        host=env.get("PGHOST"), port=env.get("PGPORT"), user=env.get("PGUSER"),
        password=env.get("PGPASSWORD"), dbname=dbname,
    )  # fmt: skip


def _rows(dbname: str, table: str) -> set[str]:
    with psycopg.connect(_conninfo(dbname)) as conn:
        return {str(row[0]) for row in conn.execute(f"SELECT id FROM {table}")}


def test_a_backup_restored_into_an_empty_database_gives_everything_back(tmp_path: Path) -> None:
    inbox = factories.make_inbox()
    for n in range(3):
        conversation = factories.make_conversation(inbox, client_id=f"c{n}")
        factories.make_ticket(conversation, subject=f"case {n}")
    assert Message.objects.count() >= 3

    dump = tmp_path / "assistant.dump"
    call_command("backup", output=str(dump))
    empty = f"{connection.settings_dict['NAME']}_restored"
    admin = psycopg.connect(_conninfo("postgres"), autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{empty}"')
    admin.execute(f'CREATE DATABASE "{empty}"')
    try:
        call_command("restore", str(dump), into=empty)
        live = connection.settings_dict["NAME"]
        for model in (Conversation, Message, Ticket):
            table = model._meta.db_table
            assert _rows(empty, table) == _rows(live, table) != set(), table
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)')
        admin.close()
