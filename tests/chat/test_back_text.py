"""When the team is back, as the customer reads it: their language's weekday and time, in their
own time zone (Babel's CLDR data), never the server's English "Monday 03:00"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant.chat.availability import TeamStatus, back_text, wait_text, widget_payload

# Saturday night in Amsterdam; the team is back on Tuesday at 09:00 Amsterdam time (08:00 UTC).
SATURDAY_NIGHT = datetime(2026, 12, 12, 22, 0, tzinfo=UTC)
CLOSED = TeamStatus(
    open_now=False,
    back_at=datetime(2026, 12, 15, 8, 0, tzinfo=UTC),
    time_zone="Europe/Amsterdam",
    as_of=SATURDAY_NIGHT,
)
NARROW_SPACE = "\u202f"  # CLDR's space between a time and AM/PM


@pytest.mark.parametrize(
    ("language", "time_zone", "header", "sentence"),
    [
        ("de", "Europe/Berlin", "Wieder da: Dienstag, 09:00", "wieder erreichbar: Dienstag, 09:00"),
        ("fr", "Europe/Paris", "De retour : mardi 09:00", "sera de retour mardi 09:00"),
        ("ja", "Asia/Tokyo", "再開：火曜日 17:00", "再開は火曜日 17:00"),  # noqa: RUF001
        ("en", "America/New_York", f"Back Tuesday, 3:00{NARROW_SPACE}AM", "back Tuesday, 3:00"),
    ],
)
def test_the_return_is_written_in_the_customers_language_and_time_zone(
    language: str, time_zone: str, header: str, sentence: str
) -> None:
    payload = widget_payload(CLOSED, language=language, time_zone=time_zone)
    assert payload["reply_time"] == header
    assert sentence in wait_text(CLOSED, language=language, time_zone=time_zone)


def test_an_unknown_time_zone_falls_back_to_the_teams() -> None:
    assert back_text(CLOSED, language="de", time_zone="Mars/Olympus") == "Dienstag, 09:00"


def test_a_return_more_than_a_few_days_away_names_the_date() -> None:
    after_the_holidays = TeamStatus(
        open_now=False,
        back_at=datetime(2026, 12, 28, 8, 0, tzinfo=UTC),
        time_zone="Europe/Amsterdam",
        as_of=datetime(2026, 12, 19, 22, 0, tzinfo=UTC),
    )
    assert back_text(after_the_holidays, language="de", time_zone="") == (
        "Mo., 28. Dezember, 09:00"
    )
