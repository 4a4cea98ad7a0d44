"""Fixtures for the analytics tests: people, an inbox, and helpers that read both sources."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from analytics import rollups, sources
from analytics.metrics import CallSummary, ConversationSummary
from tests import factories

# The end of every hand-built history: rollups are refreshed "now" = this moment.
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def inbox(db: Any) -> Any:
    return factories.make_inbox(name="Shop")


@pytest.fixture
def team(inbox: Any) -> Any:
    return factories.make_team("Support", inboxes=(inbox,))


@pytest.fixture
def agent(team: Any, fast_passwords: None) -> Any:
    return factories.make_agent("alice", teams=(team,))


@pytest.fixture
def manager(team: Any, fast_passwords: None) -> Any:
    return factories.make_agent("maria", role="manager", teams=(team,))


def scope(start: datetime, end: datetime, **filters: Any) -> sources.Scope:
    return sources.Scope(start=start, end=end, **filters)


def refreshed(now: datetime = NOW) -> rollups.RefreshResult:
    return rollups.refresh(now=now)


def total(scope_: sources.Scope, source: sources.Source = "rollup") -> ConversationSummary:
    groups = sources.conversation_groups(
        scope_, sparse=("frt_a", "frt_h", "reply_h", "resolution", "reason"), source=source
    )
    return ConversationSummary.of(groups[()])


def calls(scope_: sources.Scope, source: sources.Source = "rollup") -> dict[Any, CallSummary]:
    groups = sources.call_groups(scope_, sparse=("ttft",), source=source)
    return {key: CallSummary.of(group) for key, group in groups.items()}


def same(
    scope_: sources.Scope,
    *,
    by: Sequence[str] = (),
    unit: str | None = None,
    sparse: Sequence[str] = ("frt_a", "frt_h", "reply_h", "resolution", "reason"),
    kind: str = "conversations",
) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """The rollup answer and the raw answer in a comparable form."""
    read = sources.conversation_groups if kind == "conversations" else sources.call_groups
    results = []
    for source in ("rollup", "raw"):
        if kind == "conversations":
            groups = read(scope_, by=by, unit=unit, sparse=sparse, source=source)
        else:
            groups = read(scope_, by=("provider", "model", "currency", *by), unit=unit,
                          sparse=("ttft",), source=source)  # fmt: skip
        results.append({key: _plain(group) for key, group in groups.items()})
    return results[0], results[1]


def _plain(group: sources.Group) -> dict[str, Any]:
    sums = {
        name: round(value, 9) if isinstance(value, float) else value
        for name, value in group.sums.items()
    }
    # Groups with zero-count sparse entries do not exist in either source.
    return {"sums": sums, "sparse": {m: dict(c) for m, c in group.sparse.items() if c}}
