"""The demo page's suggested questions, asked in Chromium and answered offline: what a person sees.

Each answer is whole Markdown rendered by the widget (a table as a table, no raw pipes, no
sentence ending in a colon) and cites the article it quotes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.demo import load_demo_data
from tests.browser.test_widget import open_widget, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens"
SCREENS.mkdir(parents=True, exist_ok=True)

SUGGESTED = {
    # what the demo page suggests: the help article that answers it
    "How long does delivery take?": "delivery-options-and-costs",
    "When are your stores open?": "stores-and-opening-hours",
    "How much does a new e-bike battery cost?": "e-bike-battery-replacement-and-recycling",
    "My e-bike battery won't charge": "e-bike-battery-charging-and-care",
    "退货需要多久？": "zh-returns-and-refunds",  # noqa: RUF001
}
SHADOW = "document.querySelector('assistant-widget').shadowRoot"


def test_the_widget_renders_a_table_and_keeps_its_cells_inert(page: Any, web_server: Any) -> None:
    load_demo_data(port=web_server.port)
    open_widget(page, web_server)
    html = page.evaluate(
        """() => window.AssistantWidget.__debug.render(
            "Prices:\\n\\n| Battery | Price |\\n|---|---:|\\n| **500 Wh** | €649 |\\n"
            + "| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |").innerHTML"""
    )
    assert "<th>Battery</th>" in html and "<td><strong>500 Wh</strong></td>" in html
    assert "<img" not in html and "javascript:" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize("viewport", [(1280, 860), (390, 844)], ids=["desktop", "phone"])
def test_each_suggested_question_gets_a_whole_answer_citing_its_article(
    page: Any, web_server: Any, viewport: tuple[int, int]
) -> None:
    load_demo_data(port=web_server.port)
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto(f"{web_server.url}/demo/")
    hint = page.locator(".hint").inner_text()
    for question in SUGGESTED:
        assert question in hint, f"the demo page no longer suggests {question!r}"
    open_widget(page, web_server)
    for number, (question, slug) in enumerate(SUGGESTED.items(), start=1):
        send(page, question)
        answers = page.locator("[data-testid=message][data-author=assistant]:not([data-stream])")
        # The greeting is not a message; each question adds one answer.
        answers.nth(number - 1).wait_for()
        answer = answers.nth(number - 1)
        text = answer.locator(".bub").inner_text()
        assert "|" not in text, f"raw pipes in {question!r}: {text}"
        assert not text.rstrip().endswith((":", "：")), text  # noqa: RUF001
        assert "don't know" not in text and "抱歉" not in text, text
        links = answer.locator("[data-testid=citations] a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert [h.rstrip("/").rsplit("/", 1)[-1] for h in hrefs] == [slug], (question, hrefs)
        if slug in ("stores-and-opening-hours", "e-bike-battery-replacement-and-recycling"):
            assert answer.locator("table th").count() == 2
        answer.scroll_into_view_if_needed()
        name = f"demo-answer-{number}-{viewport[0]}x{viewport[1]}.png"
        page.screenshot(path=str(SCREENS / name))
