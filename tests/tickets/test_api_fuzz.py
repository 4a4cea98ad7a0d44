"""The API fuzzed against its own OpenAPI schema (schemathesis): no input gives a server error.

Every operation of /api/schema/ gets valid and invalid requests (bodies, query strings, path
ids, headers) as an admin, who may see everything, over Django's WSGI handler in this process:
the same views, middleware and database as in production, inside the test's transaction.
Three of schemathesis's phases run per operation (explicit examples, the coverage phase's edge
cases, and fuzzing), each with positive and negative data; a fourth test runs its stateful
phase, chaining the calls along the links schemathesis infers (create a ticket, then read,
change and annotate it; take a conversation over, reply, resolve it...).

Schemathesis generates NUL characters but never lone surrogates (it keeps to what UTF-8 can
encode), and rarely other control characters: the hooks below put them into string values of
bodies and query strings (surrogates only into bodies, as "\ud800" JSON escapes: a URL cannot
carry one). The API must refuse them with a 400 (docs/api.md, "Errors").
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
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assistant.validation import text_problem
from tests import factories
from tests.tickets.conftest import World

# Examples per operation: enough to reach every field with good and bad values, and small
# enough that the whole schema runs in well under two minutes.
MAX_EXAMPLES = 40
SENT: Counter[tuple[str, int]] = Counter()
# Requests that carried one of the hostile characters below, by status.
HOSTILE_SENT: Counter[int] = Counter()
# Stateful scenarios: enough to chain the inferred links several steps deep, within the budget
# of a couple of minutes for the whole file on a small machine.
STATEFUL_EXAMPLES = 60
STATEFUL_STEPS = 10
# Characters no text field may hold (assistant/validation.py): NUL, other C0 controls, and lone
# surrogates of both halves. The query string gets the ones a URL can carry.
HOSTILE_IN_BODY = ("\x00", "\x01", "\x08", "\x0b", "\x1b", "\x1f", "\ud800", "\udbff", "\udfff")
HOSTILE_IN_QUERY = ("\x00", "\x01", "\x08", "\x0b", "\x1b", "\x1f")
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


def _string_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Where ``value`` holds strings (dict values and list items), as paths of keys."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_paths(item, (*path, index))


def _inject(value: Any, path: tuple[Any, ...], character: str, where: int) -> Any:
    """A copy of ``value`` with ``character`` inserted into the string at ``path``."""
    if not path:
        position = where % (len(value) + 1)
        return value[:position] + character + value[position:]
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _inject(value[head], tuple(rest), character, where)
    return copy


def _with_hostile_text(value: Any, characters: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """``value`` as generated, or with a hostile character put into one of its strings."""
    paths = list(_string_paths(value)) if isinstance(value, dict | list) else []
    if not paths:
        return st.just(value)
    hostile = st.builds(
        _inject,
        st.just(value),
        st.sampled_from(paths),
        st.sampled_from(characters),
        st.integers(min_value=0, max_value=10_000),
    )
    return st.one_of(st.just(value), hostile)


def _hostile(value: Any) -> bool:
    """Whether a generated body or query holds a hostile character in any of its strings."""
    if not isinstance(value, str | dict | list):
        return False  # None, numbers, or schemathesis's NotSet (no body)
    for path in _string_paths(value):
        text = value
        for key in path:
            text = text[key]
        if any(character in text for character in HOSTILE_IN_BODY):
            return True
    return False


@schema.hook
def flatmap_query(context: Any, query: Any) -> Any:
    return _with_hostile_text(query, HOSTILE_IN_QUERY)


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
        return _with_hostile_text(body, HOSTILE_IN_BODY)
    without_email = {key: value for key, value in body.items() if key != "contact_email"}
    real = st.sampled_from(pairs).map(
        lambda pair: {**without_email, "inbox": int(pair[0]), "contact": pair[1]}
    )
    return st.one_of(st.just(body), real).flatmap(
        lambda chosen: _with_hostile_text(chosen, HOSTILE_IN_BODY)
    )


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
        yield factories.make_api_key(world.admin)
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
    if HOSTILE_SENT:
        statuses = ", ".join(f"{status} x{n}" for status, n in sorted(HOSTILE_SENT.items()))
        print(f"  with NUL, control characters or lone surrogates: {statuses}")


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
    _check(case, response)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _check(case: Any, response: Any, **transport_kwargs: Any) -> None:
    SENT[(f"{case.method} {case.path}", response.status_code)] += 1
    if _hostile(case.body) or _hostile(case.query):
        HOSTILE_SENT[response.status_code] += 1
    case.validate_response(response, checks=CHECKS, transport_kwargs=transport_kwargs)
    if response.status_code < 300 and response.content:
        # What the API answers with is what it stored: no text in it breaks the rules.
        body = response.json()
        for path in _string_paths(body):
            text = body
            for key in path:
                text = text[key]
            assert text_problem(text) is None, (case.method, case.path, path, text)


class Workflows(schema.as_state_machine()):  # type: ignore[misc]
    """Sequences of calls along the links schemathesis infers from the schema."""

    token = ""

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"headers": {"Authorization": f"Token {self.token}"}}

    def validate_response(
        self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
    ) -> None:
        SENT[("stateful", response.status_code)] += 1
        _check(case, response, **kwargs)


@pytest.mark.django_db
def test_no_sequence_of_calls_makes_the_api_fail(admin_token: str) -> None:
    Workflows.token = admin_token
    Workflows.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
