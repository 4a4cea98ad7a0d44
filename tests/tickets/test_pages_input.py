"""Malformed query parameters and form data on every desk, analytics and help page: never a 500.

The pages are enumerated from the URL configuration, so a new page under /desk/, /analytics/,
/help/ or /accounts/ is covered without being listed here. Each gets, as a manager (who may see
the desk and analytics), GET requests whose query parameters hold NUL and other control
characters, invalid UTF-8 (what a lone surrogate becomes in a URL), impossible and SQL-looking
dates, huge numbers, non-ids like "²", repeated (list) parameters and over-long values; pages
that take a POST get the same in their form fields. The answer may be a page with a message, a
400, a 404 or a redirect; it is never a server error.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from assistant.knowledge.models import Article
from tests.tickets.conftest import World
from tickets.models import CannedReply

pytestmark = pytest.mark.django_db

PREFIXES = ("desk/", "analytics/", "help/", "accounts/")

# The query parameters and form fields the pages under each prefix read: all of them go to
# every page of the prefix (a page ignores the ones it does not know, which is worth checking
# too), and a new page gets its prefix's list.
PARAMETERS = {
    "analytics/": (
        "range", "start", "end", "tz", "inbox", "team", "agent", "language", "route", "model",
        "by", "metric", "dim", "value", "period", "unit", "reason", "segment", "export", "page",
        "arm_a", "arm_b",
    ),
    "desk/": (
        "q", "inbox", "priority", "page", "status", "assignee", "team", "tags", "text",
        "subject", "description", "contact_name", "contact_email", "title", "locale", "body",
        "source_url", "reason", "confirm", "availability", "next", "enabled",
    ),
    "help/": ("q", "page"),
    "accounts/": ("username", "password", "next"),
}  # fmt: skip


# Raw, already percent-encoded query values: what a browser or a script can put in a URL.
HOSTILE = {
    "nul": quote("a\x00b"),
    "control": quote("a\x01\x1b[31mb\x7f"),
    "newline": quote("/desk/\r\nSet-Cookie: x=1"),
    "surrogate": "%ED%A0%80",  # the UTF-8 form of U+D800: invalid UTF-8
    "invalid utf-8": "%FF%FE%C3",
    "superscript two": quote("²"),
    "huge number": "9" * 40,
    "negative": "-1",
    "impossible date": "2026-13-45",
    "sql": quote("2026-01-01'; DROP TABLE tickets_ticket;--"),
    "year one": "0001-01-01",
    "year 9999": "9999-12-31T23:00",
    "long": "x" * 5000,
    "empty": "",
}
# Values that are hostile only together with another parameter.
COMBINATIONS = (
    "dim=inbox&value=%C2%B2",
    "dim=team&value=" + "9" * 30,
    "dim=language&value=a%00b",
    "dim=nonsense&value=1",
    "period=2026-13-45&unit=day",
    "period=2026-03-05T25:00&unit=hour",
    "period=0001-01-01&unit=month&tz=Pacific/Kiritimati",
    "period=9999-12-31&unit=week",
    "period=2026-01-01'%20OR%201=1--&unit=day",
    "range=custom&start=0001-01-01&end=0001-01-02&tz=Pacific/Kiritimati",
    "range=custom&start=9999-12-30&end=9999-12-31",
    "range=custom&start=2026-13-45&end=2026-01-01",
    "metric=rated&metric=all&value=1&value=2&dim=inbox",
    "export=conversations&dim=inbox&value=%C2%B2",
    "export=breakdown&tz=%00",
    "page=" + "9" * 40,
    "page=%00",
)


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        else:
            yield route, entry


PAGES = sorted({route for route, _entry in _patterns(get_resolver()) if route.startswith(PREFIXES)})


def test_the_pages_were_found() -> None:
    routes = set(PAGES)
    for expected in (
        "desk/q/<slug:queue>/",
        "desk/c/<uuid:conversation_id>/reply",
        "analytics/conversations/",
        "help/<slug:slug>/",
    ):
        assert expected in routes


@pytest.fixture
def ids(world: World) -> dict[str, str]:
    """Path parameters by name: objects of the world the manager may see."""
    article = Article.objects.create(
        title="Returns", slug="returns", body="Send it back.", status=Article.Status.PUBLISHED
    )
    canned = CannedReply.objects.create(title="Hi", text="Hello {customer_name}")
    return {
        "conversation_id": str(world.conversation_a.pk),
        "contact_id": str(world.contact_a.pk),
        "ticket_id": str(world.ticket_a.pk),
        "inbox_id": str(world.inbox_a.pk),
        "article_id": str(article.pk),
        "canned_id": str(canned.pk),
        "record_id": "1",
        "queue": "teams",
        "slug": "returns",
    }


def _path(route: str, ids: dict[str, str], *, huge_ids: bool = False) -> str:
    """The route with its parameters filled in (or its integer ids made huge)."""

    def fill(match: re.Match[str]) -> str:
        converter, name = match.group(1), match.group(2)
        if huge_ids and converter == "int":
            return "9" * 30
        return ids.get(name) or (str(uuid.uuid4()) if converter == "uuid" else "1")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def _client(world: World) -> Client:
    # A server error comes back as a 500 response (as a browser would see it) instead of being
    # raised, so that the assertion can name the request.
    client = Client(raise_request_exception=False)
    client.force_login(world.manager)
    return client


def _parameters(route: str) -> tuple[str, ...]:
    return next(names for prefix, names in PARAMETERS.items() if route.startswith(prefix))


def _all_at_once(names: tuple[str, ...]) -> Iterator[str]:
    for value in HOSTILE.values():
        yield "&".join(f"{name}={value}" for name in names)
    # Every parameter given twice (a list), the second value hostile.
    yield "&".join(f"{name}=1&{name}={HOSTILE['nul']}" for name in names)


def _queries(route: str) -> Iterator[str]:
    names = _parameters(route)
    yield from _all_at_once(names)
    yield from COMBINATIONS
    # One parameter at a time, so that an early refusal of one does not hide another.
    for name in names:
        yield f"{name}=%C2%B2%00"


@pytest.mark.parametrize("route", PAGES)
def test_malformed_query_parameters_never_make_a_page_fail(
    world: World, ids: dict[str, str], route: str
) -> None:
    client = _client(world)
    requests = [(_path(route, ids), query) for query in _queries(route)]
    if "<int:" in route:
        huge = _path(route, ids, huge_ids=True)
        requests += [(huge, query) for query in _all_at_once(_parameters(route))]
    failures = []
    for path, query in requests:
        response = client.get(f"{path}?{query}")
        if response.status_code >= 500:
            failures.append(f"GET {path}?{query[:120]} -> {response.status_code}")
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize("route", PAGES)
def test_malformed_form_data_never_makes_a_page_fail(
    world: World, ids: dict[str, str], route: str
) -> None:
    client = _client(world)
    path = _path(route, ids)
    names = _parameters(route)
    bodies = [*_all_at_once(names), *(f"{name}={HOSTILE['control']}" for name in names)]
    failures = []
    for body in bodies:
        response = client.generic(
            "POST", path, body, content_type="application/x-www-form-urlencoded"
        )
        if response.status_code >= 500:
            failures.append(f"POST {path} {body[:120]} -> {response.status_code}")
    assert not failures, "\n".join(failures[:20])
