"""The grouping levels kept in the rollup tables, and how a query picks one.

A rollup row is kept for every combination of values of a level's dimensions that occurs in a
period. Coarse levels are small, so the dashboard's usual questions (no filter, or one filter,
broken down by the same dimension) read few rows; the last level has every dimension, so any
combination of filters is still answered exactly, from more rows. Adding a level here (and a
migration-free refresh) is all it takes to make another common question cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# Dimension name -> column in the fact table and in ConversationHourly/Daily.
CONVERSATION_DIMENSIONS: dict[str, str] = {
    "inbox": "inbox_id",
    "channel": "channel",
    "language": "language",
    "topic": "topic",
    "team": "team_id",
    "agent": "agent_id",
    "route": "route",
    "model": "model",
}

# Every figure can be filtered by channel (chat or e-mail), so every level but the grand total
# also groups by channel: with two channels that at most doubles a level's rows, and a page
# filtered by channel reads the same level as the unfiltered page.
CONVERSATION_LEVELS: tuple[tuple[str, ...], ...] = (
    (),
    ("channel",),
    ("inbox", "channel"),
    ("language", "channel"),
    ("topic", "channel"),
    ("team", "channel"),
    ("team", "agent", "channel"),
    ("route", "model", "channel"),
    ("inbox", "route", "model", "channel"),
    ("inbox", "channel", "language", "topic", "team", "agent", "route", "model"),
)

# Model calls: every level keeps provider, model and currency (the Models table's rows; costs
# in different currencies are never added up). A call's channel is its conversation's.
CALL_DIMENSIONS: dict[str, str] = {
    "inbox": "inbox_id",
    "channel": "channel",
    "route": "route",
    "provider": "provider",
    "model": "model",
    "purpose": "purpose",
    "currency": "currency",
}

CALL_LEVELS: tuple[tuple[str, ...], ...] = (
    ("provider", "model", "currency"),
    ("channel", "provider", "model", "currency"),
    ("channel", "route", "provider", "model", "currency"),
    ("inbox", "channel", "route", "provider", "model", "purpose", "currency"),
)


def pick_level(levels: Sequence[tuple[str, ...]], needed: Iterable[str]) -> int:
    """The first (smallest) level that has every needed dimension."""
    wanted = set(needed)
    for index, level in enumerate(levels):
        if wanted <= set(level):
            return index
    raise ValueError(f"no rollup level has {sorted(wanted)}")
