"""Drill-down and filter-bar parameters that no page link writes: refused with a message on the
page (400 for the drill-down, whose list would otherwise be wrong), never a 500 (issue 22).
Every analytics page with many more malformed parameters: tests/tickets/test_pages_input.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from analytics import rollups
from tests.analytics.builders import Spec, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(manager: Any, inbox: Any) -> Client:
    build(inbox, Spec(timezone.now() - timedelta(hours=3), language="de"))
    rollups.refresh(now=timezone.now())
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    return client


def _drill(client: Client, **params: str) -> Any:
    return client.get(reverse("analytics:conversations"), {"range": "7d", **params})


def _refused(response: Any, words: str) -> None:
    assert response.status_code == 400, response.status_code
    html = response.content.decode()
    assert 'data-testid="drill-error"' in html and words in html
    assert 'data-testid="drill-row"' not in html


def test_a_dimension_value_that_is_not_a_valid_key_is_refused(client: Client, inbox: Any) -> None:
    # "²".isdigit() is true, int("²") is a ValueError: this was a 500.
    _refused(_drill(client, dim="inbox", value="²"), "Not an id")
    _refused(_drill(client, dim="team", value="9" * 25), "Not an id")
    _refused(_drill(client, dim="agent", value="-1"), "Not an id")
    ok = _drill(client, dim="inbox", value=str(inbox.pk))
    assert ok.status_code == 200 and ok.content.decode().count('data-testid="drill-row"') == 1
    none = _drill(client, dim="team", value="none")
    assert none.content.decode().count('data-testid="drill-row"') == 1


def test_nul_in_a_drill_value_is_refused(client: Client) -> None:
    _refused(_drill(client, dim="language", value="de\x00"), "control character")
    _refused(_drill(client, metric="handed_off", reason="x\x00"), "control character")
    # A dimension this page does not know, and a value without its dimension.
    assert _drill(client, dim="nonsense", value="1").status_code == 400
    assert _drill(client, value="de").status_code == 400


def test_an_impossible_period_is_refused(client: Client) -> None:
    _refused(_drill(client, period="2026-13-45", unit="day"), "Not a calendar date")
    _refused(_drill(client, period="2026-03-05T25:00", unit="hour"), "Not a calendar date")
    _refused(_drill(client, period="2026-03-05", unit="fortnight"), "Select a valid choice")
    _refused(_drill(client, period="2026-03-05"), "A period needs its unit")


def test_an_sql_looking_period_is_refused(client: Client) -> None:
    _refused(
        _drill(client, period="2026-01-01'; DROP TABLE analytics_conversationfact;--", unit="day"),
        "Not a calendar date",
    )
    _refused(_drill(client, period="1 OR 1=1", unit="hour"), "Not a calendar date")


def test_periods_and_ranges_beyond_the_calendar_are_refused(client: Client) -> None:
    # Year 1 in a zone east of UTC starts before datetime.min; 9999-12-31 has no next day.
    _refused(
        _drill(client, period="0001-01-01", unit="month", tz="Pacific/Kiritimati"),
        "Not a calendar date",
    )
    _refused(_drill(client, period="9999-12-31", unit="week"), "Not a calendar date")
    for start, end in (("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")):
        response = client.get(
            reverse("analytics:overview"),
            {"range": "custom", "start": start, "end": end, "tz": "Pacific/Kiritimati"},
        )
        assert response.status_code == 200  # the filter bar's errors, and the default range
        assert 'role="alert"' in response.content.decode()


def test_a_refused_export_is_a_400_with_the_reason(client: Client) -> None:
    response = _drill(client, dim="inbox", value="²", export="conversations")
    assert response.status_code == 400
    assert "Not an id" in response.content.decode()


def test_a_valid_drill_down_is_unchanged(client: Client) -> None:
    today = timezone.now().strftime("%Y-%m-%d")
    response = _drill(client, period=today, unit="day", metric="all", dim="language", value="de")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="drill-row"') in (0, 1)
    # The refused parameters are not carried into the filter bar's hidden fields.
    refused = _drill(client, dim="inbox", value="²").content.decode()
    assert 'name="value"' not in refused
