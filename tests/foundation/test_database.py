from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db


def test_migrations_are_complete() -> None:
    # Exits non-zero (SystemExit) if a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def test_it_runs_on_postgresql_with_pgvector() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int")
        (version,) = cursor.fetchone()
        cursor.execute("SELECT '[1,2,3]'::vector <-> '[1,2,4]'::vector")
        (distance,) = cursor.fetchone()
    assert connection.vendor == "postgresql"
    assert version >= 150000
    assert distance == pytest.approx(1.0)


def test_connections_come_from_psycopgs_pool() -> None:
    assert connection.settings_dict["CONN_MAX_AGE"] == 0
    assert "pool" in connection.settings_dict["OPTIONS"]
    connection.ensure_connection()
    assert connection.pool is not None
