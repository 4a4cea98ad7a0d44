"""The API fuzzed against its own OpenAPI schema (schemathesis): no input gives a server error.

Every operation of /api/schema/ gets valid and invalid requests (bodies, query strings, path
ids, headers) as an admin, who may see everything, over Django's WSGI handler in this process:
the same views, middleware and database as in production, inside the test's transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.tickets.conftest import World

# Examples per operation: enough to reach every field with good and bad values, and small
# enough that the whole schema runs in well under two minutes.
MAX_EXAMPLES = 40
SENT: Counter[tuple[str, int]] = Counter()
# Ids of the test's own objects by collection, so that path ids hit real objects too, not only
# 404s: filled in by the admin_token fixture before any case is drawn.
KNOWN_IDS: dict[str, list[Any]] = {}


# Loaded once, at collection: serving the schema needs no database. (schemathesis's
# from_fixture() would load it per test, but relies on a pytest internal that pytest 9 removed.)
APP = WSGIHandler()
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    APP,
    config=schemathesis.Config.from_dict(
        {"generation": {"max-examples": MAX_EXAMPLES, "mode": "all"}}
    ),
)


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    collection = context.operation.path.split("/")[3]  # /api/v1/<collection>/{id}
    known = KNOWN_IDS.get(collection)
    if not known or "id" not in (path_parameters or {}):
        return st.just(path_parameters)
    real = st.sampled_from(known).map(lambda id_: {**path_parameters, "id": id_})
    return st.one_of(st.just(path_parameters), real)


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """New tickets also name a real inbox and one of its contacts, so that creation succeeds
    often enough for the rest of the body (subject, tags, priority...) to be exercised."""
    pairs = KNOWN_IDS.get("inbox_contact_pairs")
    if context.operation.path != "/api/v1/tickets" or not isinstance(body, dict) or not pairs:
        return st.just(body)
    without_email = {key: value for key, value in body.items() if key != "contact_email"}
    real = st.sampled_from(pairs).map(
        lambda pair: {**without_email, "inbox": int(pair[0]), "contact": pair[1]}
    )
    return st.one_of(st.just(body), real)


@pytest.fixture
def admin_token(world: World, settings: Any) -> Iterator[str]:
    """An admin's token, with no rate limit (the fuzzer sends thousands of requests; the limit
    is tested elsewhere), and Django's WSGI handler told not to close the test's connection
    after each request, as Django's own test client arranges too."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": None, "api_session": None},
    }
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    KNOWN_IDS.update(
        tickets=[str(world.ticket_a.pk), str(world.ticket_b.pk)],
        conversations=[str(world.conversation_a.pk), str(world.conversation_b.pk)],
        contacts=[str(world.contact_a.pk), str(world.contact_b.pk)],
        inbox_contact_pairs=[
            (world.inbox_a.pk, str(world.contact_a.pk)),
            (world.inbox_b.pk, str(world.contact_b.pk)),
        ],
    )
    try:
        yield Token.objects.create(user=world.admin).key
    finally:
        KNOWN_IDS.clear()
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if SENT:
        print("\nschemathesis requests by operation and status:")
        for (operation, status), count in sorted(SENT.items()):
            print(f"  {operation:55} {status} x{count}")
        print(f"  total: {SENT.total()} requests")


@pytest.mark.django_db
@schema.parametrize()
# The world is shared by an operation's examples on purpose: they keep working on one
# database (tickets created, conversations resolved), as a real client would.
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_makes_the_api_fail(case: Any, admin_token: str) -> None:
    response = case.call(headers={"Authorization": f"Token {admin_token}"})
    SENT[(f"{case.method} {case.path}", response.status_code)] += 1
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
