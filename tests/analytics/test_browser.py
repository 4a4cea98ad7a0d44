"""A manager opens the dashboard in Chromium: the charts draw, and a chart point and a number
lead to the conversations behind them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from analytics import rollups
from tests import factories
from tests.analytics.builders import Call, Spec, build
from tests.browser.conftest import browser, context, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, server: Any, username: str) -> None:  # noqa: F811
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk/**")


def test_the_dashboard_draws_its_charts_and_drills_down(page: Any, web_server: Any) -> None:  # noqa: F811
    inbox = factories.make_inbox(name="Shop")
    team = factories.make_team("Support", inboxes=(inbox,))
    agent = factories.make_agent("alice", teams=(team,))
    factories.make_agent("maria", role="manager", teams=(team,))
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for i in range(30):
        human = i % 5 == 0
        build(
            inbox,
            Spec(
                now - timedelta(days=i % 5, hours=1 + i % 9),
                messages=[(0, "customer"), (3, "assistant")] + ([(90, "agent")] if human else []),
                handoff=30 if human else None,
                reason="customer_request" if human else "",
                resolved=600 if i % 4 else None,
                csat=(i % 5) + 1 if i % 3 == 0 else None,
                language="de" if i % 2 else "en",
                route="reply-lite" if i % 2 else "reply",
                agent=agent if human else None,
                team=team if human else None,
                calls=[Call(cost=Decimal("0.003"))],
            ),
        )
    rollups.refresh(now=timezone.now())

    sign_in(page, web_server, "maria")
    page.goto(f"{web_server.url}/analytics/?range=7d&tz=UTC")
    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() >= 3
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every((c) => c.dataset.drawn === 'true')"
    )
    # Drawn means painted: every chart has plenty of non-transparent pixels.
    painted = page.evaluate(
        """() => [...document.querySelectorAll('canvas[data-chart]')].map((canvas) => {
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
            let n = 0;
            for (let i = 3; i < pixels.data.length; i += 4) if (pixels.data[i] > 0) n++;
            return n;
        })"""
    )
    assert all(n > 500 for n in painted), painted
    assert page.get_by_test_id("kpi-conversations").inner_text().splitlines()[1] == "30"

    # A bar of the volume chart leads to that day's conversations.
    target = page.evaluate(
        """() => {
            const canvas = document.querySelector('canvas[data-chart=chart-volume]');
            canvas.scrollIntoView({block: 'center'});
            const chart = window.Chart.getChart(canvas);
            const totals = chart.data.labels.map((_, i) =>
                chart.data.datasets.reduce((sum, d) => sum + (d.data[i] || 0), 0));
            const index = totals.findIndex((t) => t > 0);
            const bar = chart.getDatasetMeta(0).data[index];
            const box = canvas.getBoundingClientRect();
            return {x: box.left + bar.x, y: box.top + (bar.y + bar.base) / 2, n: totals[index]};
        }"""
    )
    page.mouse.click(target["x"], target["y"])
    page.wait_for_url("**/analytics/conversations/**")
    assert page.get_by_test_id("drill-row").count() == target["n"]

    # A number leads to its conversations too.
    page.go_back()
    page.get_by_test_id("kpi-handoff").locator("a").click()
    page.wait_for_url("**/analytics/conversations/**")
    assert page.get_by_test_id("drill-row").count() == 6


def test_a_manager_reads_what_awaits_an_outcome_and_how_it_is_counted(
    page: Any,  # noqa: F811
    web_server: Any,
) -> None:
    inbox = factories.make_inbox(name="Shop")
    team = factories.make_team("Support", inboxes=(inbox,))
    factories.make_agent("maria", role="manager", teams=(team,))
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    answered = [(0, "customer"), (3, "assistant")]
    build(inbox, Spec(now - timedelta(hours=5), messages=answered, resolved=600, csat=5))
    for hours in (3, 4):
        build(inbox, Spec(now - timedelta(hours=hours), messages=answered))
    rollups.refresh(now=timezone.now())
    screens = Path(__file__).resolve().parents[2] / "var" / "screens"
    screens.mkdir(parents=True, exist_ok=True)

    sign_in(page, web_server, "maria")
    page.goto(f"{web_server.url}/analytics/?range=7d&tz=UTC")
    pending = page.get_by_test_id("kpi-pending")
    assert pending.inner_text().splitlines()[:2] == ["AWAITING AN OUTCOME", "2"]
    assert "2 still with the assistant" in pending.inner_text()
    assert page.get_by_test_id("kpi-csat").inner_text().splitlines()[2] == "1 rating"
    assert page.get_by_text("1 ratings").count() == 0
    assert "docs/analytics.md" not in page.content()

    page.get_by_test_id("definitions-link").click()
    panel = page.get_by_test_id("definitions")
    rule = panel.get_by_text("Started in the range and not resolved yet", exact=False)
    assert rule.is_visible() and rule.count() == 1
    assert panel.get_by_text("Shop: 24 hours", exact=False).is_visible()
    page.screenshot(path=str(screens / "analytics-overview-desktop.png"), full_page=True)

    # The time-zone picker: regions as groups, narrowed by typing, Enter picks.
    groups = page.locator("select[name=tz] optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert "Europe" in groups and "Asia" in groups
    page.get_by_test_id("tz-filter").fill("kolkata")
    visible = page.locator("select[name=tz] option").evaluate_all(
        "os => os.filter(o => !o.hidden).map(o => o.value)"
    )
    assert visible == ["Asia/Kolkata"]
    page.get_by_test_id("tz-filter").press("Enter")
    page.wait_for_url("**tz=Asia%2FKolkata**")
    assert "days in Asia/Kolkata" in page.get_by_test_id("range").inner_text()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{web_server.url}/analytics/?range=7d&tz=UTC#definitions")
    assert (
        page.get_by_test_id("definitions")
        .get_by_text("Started in the range and not resolved yet", exact=False)
        .is_visible()
    )
    page.screenshot(path=str(screens / "analytics-overview-phone.png"), full_page=True)
