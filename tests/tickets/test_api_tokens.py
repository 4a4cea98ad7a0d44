"""API tokens: only a digest is stored, keys made before hashing keep working, revoked and
read-only tokens are refused what they may not do, and "last used" costs one write a minute."""

from __future__ import annotations

import hashlib
import importlib
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.tickets.conftest import World
from tickets.apitokens import keys, tokens
from tickets.apitokens.models import ApiToken
from tickets.models import SettingsChange
from tickets.workspace import api_tokens as services
from tickets.workspace.permissions import SettingsRefused

pytestmark = pytest.mark.django_db


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_key_is_not_stored_only_its_prefix_and_digest(world: World) -> None:
    token, key = tokens.issue(name="CRM", user=world.agent_a)
    assert key.startswith("ast_") and len(key) == 52
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in {str(value) for value in row.values()}
    assert row["prefix"] == key[:12]
    assert row["digest"] == hashlib.sha256(key.encode()).hexdigest()


def test_two_tokens_never_share_a_key(world: World) -> None:
    issued = {tokens.issue(name=f"t{i}", user=world.agent_a)[1] for i in range(20)}
    assert len(issued) == 20


def test_a_new_key_authenticates_as_its_owner(world: World) -> None:
    _token, key = tokens.issue(name="CRM", user=world.agent_a)
    response = _client(key).get(f"/api/v1/tickets/{world.ticket_a.pk}")
    assert response.status_code == 200
    # The token sees what its owner sees: team B's ticket does not exist for Alice.
    assert _client(key).get(f"/api/v1/tickets/{world.ticket_b.pk}").status_code == 404


@pytest.mark.parametrize(
    "mangle",
    [
        lambda key: key[:-1] + ("0" if key[-1] != "0" else "1"),  # same prefix, wrong secret
        lambda key: key.upper(),
        lambda key: key[:12],
        lambda key: key + "0",
    ],
)
def test_a_key_that_is_almost_right_is_refused(world: World, mangle: Any) -> None:
    _token, key = tokens.issue(name="CRM", user=world.agent_a)
    response = _client(mangle(key)).get("/api/v1/tickets")
    assert response.status_code == 401


def test_a_revoked_token_is_refused_at_once(world: World) -> None:
    token, key = tokens.issue(name="CRM", user=world.agent_a)
    client = _client(key)
    assert client.get("/api/v1/tickets").status_code == 200
    assert tokens.revoke(token) is True
    assert client.get("/api/v1/tickets").status_code == 401
    assert tokens.revoke(token) is False  # once is enough


def test_a_read_only_token_reads_but_does_not_write(world: World) -> None:
    _token, key = tokens.issue(name="BI", user=world.agent_a, scope=ApiToken.Scope.READ)
    client = _client(key)
    assert client.get("/api/v1/tickets").status_code == 200
    response = client.post(f"/api/v1/tickets/{world.ticket_a.pk}/notes", {"text": "hi"})
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
    assert "only read" in response.json()["message"]


def test_last_used_is_written_at_most_once_a_minute(world: World) -> None:
    token, key = tokens.issue(name="CRM", user=world.agent_a)
    assert token.last_used_at is None
    client = _client(key)
    client.get("/api/v1/tickets")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/tickets")
    assert not [
        q for q in queries.captured_queries if "UPDATE" in q["sql"] and "apitokens" in q["sql"]
    ]
    token.refresh_from_db()
    assert token.last_used_at == first
    # A minute later the next request records itself again.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(seconds=61))
    client.get("/api/v1/tickets")
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(seconds=1)


def test_keys_made_before_hashing_keep_working_after_the_migration(world: World) -> None:
    legacy = Token.objects.create(user=world.agent_a)
    made = legacy.created
    migration = importlib.import_module(
        "tickets.apitokens.migrations.0002_hash_clear_text_authtoken_keys"
    )
    migration.hash_clear_text_keys(apps, None)
    # No key remains in clear text anywhere.
    assert not Token.objects.exists()
    migrated = ApiToken.objects.get(user=world.agent_a)
    assert migrated.created_at == made and migrated.prefix == legacy.key[:12]
    assert keys.is_well_formed(legacy.key)
    assert _client(legacy.key).get("/api/v1/tickets").status_code == 200


# ---------------------------------------------------------------------------------------------
# The settings services: admins only, a desk colleague as owner, every change in the audit log
# ---------------------------------------------------------------------------------------------


def test_an_admin_creates_a_token_for_a_colleague_and_the_log_says_so(world: World) -> None:
    token, key = services.api_token_create(
        by=world.admin, name="  Helpdesk bot ", owner=world.agent_a, scope="read"
    )
    assert (token.name, token.user, token.scope, token.created_by) == (
        "Helpdesk bot", world.agent_a, "read", world.admin,
    )  # fmt: skip
    change = SettingsChange.objects.get(action="api_token_created")
    assert change.actor == world.admin
    assert change.after == {"name": "Helpdesk bot", "owner": "alice", "scope": "read"}
    assert key not in str(change.after)
    services.api_token_revoke(by=world.admin, token=token)
    services.api_token_revoke(by=world.admin, token=token)
    assert SettingsChange.objects.filter(action="api_token_revoked").count() == 1


@pytest.mark.parametrize("name", ["manager", "agent_a", "outsider"])
def test_only_admins_issue_or_revoke_tokens(world: World, name: str) -> None:
    with pytest.raises(SettingsRefused) as refused:
        services.api_token_create(
            by=world.person(name), name="x", owner=world.agent_a, scope="read_write"
        )
    assert refused.value.status == 403
    token, _key = tokens.issue(name="CRM", user=world.agent_a)
    with pytest.raises(SettingsRefused):
        services.api_token_revoke(by=world.person(name), token=token)
    token.refresh_from_db()
    assert token.is_active and not SettingsChange.objects.exists()


@pytest.mark.parametrize(
    ("name", "owner", "scope"),
    [("", "agent_a", "read"), ("CRM", "outsider", "read"), ("CRM", "agent_a", "admin")],
)
def test_a_token_needs_a_name_a_desk_colleague_and_a_known_scope(
    world: World, name: str, owner: str, scope: str
) -> None:
    with pytest.raises(SettingsRefused) as refused:
        services.api_token_create(by=world.admin, name=name, owner=world.person(owner), scope=scope)
    assert refused.value.status == 400
    assert not ApiToken.objects.exists()


def test_tokens_of_a_deactivated_person_stop_working(world: World) -> None:
    _token, key = tokens.issue(name="CRM", user=world.agent_a)
    world.agent_a.is_active = False
    world.agent_a.save(update_fields=["is_active"])
    assert _client(key).get("/api/v1/tickets").status_code == 401
