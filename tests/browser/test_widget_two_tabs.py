"""Two tabs of one customer on one web process: the answer streams into both, once each.

Both widget sockets are in the web process that writes the answer and no desk watches, so its
typing, stream_start and deltas go straight to the sockets (assistant/chat/tabs.py) and only
stream_end through the channel layer (issue 23). What the customer sees must not change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.demo import load_demo_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens"
SCREENS.mkdir(parents=True, exist_ok=True)
QUESTION = "tell me a long story"


def _open(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/demo/")
    page.get_by_test_id("launcher").click()
    page.wait_for_selector("[data-testid=panel][data-state=open]")


def _answers(page: Any) -> Any:
    return page.locator("[data-testid=message][data-author=assistant]")


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 860}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_both_tabs_of_a_customer_watch_the_answer_stream_in_once(
    browser: Any, simulated_web_server: Any, viewport: dict[str, int]
) -> None:
    load_demo_data(port=simulated_web_server.port)
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(15_000)
    first = context.new_page()
    _open(first, simulated_web_server)
    second = context.new_page()  # the same browser: the same visitor, a second tab
    _open(second, simulated_web_server)

    first.get_by_test_id("input").fill(QUESTION)
    first.get_by_test_id("send").click()
    # The other tab shows the answer growing, piece by piece, as the first does.
    bubble = _answers(second).last
    bubble.wait_for()
    lengths = set()
    for _ in range(80):
        lengths.add(len(bubble.inner_text()))
        if "word119" in bubble.inner_text():
            break
        second.wait_for_timeout(25)
    assert len(lengths) >= 3, lengths
    size = "desktop" if viewport["width"] > 600 else "phone"
    for name, page in (("sender", first), ("other", second)):
        page.locator(
            "[data-testid=message][data-author=assistant]:not([data-stream])"
        ).first.wait_for()
        page.screenshot(path=str(SCREENS / f"widget-two-tabs-{name}-{size}.png"))
        texts = _answers(page).all_inner_texts()
        assert len(texts) == 1, texts  # the answer once, not once per path
        assert texts[0].count("word0 word1") == 1 and "word119" in texts[0]
        customer = page.locator("[data-testid=message][data-author=customer]").all_inner_texts()
        assert [t.count(QUESTION) for t in customer] == [1]
    context.close()
