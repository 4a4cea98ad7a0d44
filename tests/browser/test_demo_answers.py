"""The demo page's suggested questions, asked in Chromium and answered offline: what a person sees.

Each answer is whole Markdown rendered by the widget (a table as a table, no raw pipes, no
sentence ending in a colon) and cites the article it quotes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assistant.demo import load_demo_data
from tests.browser.test_widget import open_widget, send
from tests.browser.test_widget_semantic_search import wait_until_embedded

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


@dataclass(frozen=True)
class Asked:
    question: str
    article: str  # the slug of the article the answer must cite
    shows: str  # a fact of the answer that the customer must see


# Each suggestion asked as the page words it, as a customer would put it in their own words, and
# with a typo. No Chinese typo: the likely one is a homophone from the input method (久 -> 旧),
# which the search does not correct (docs/knowledge.md).
ROUNDS: dict[str, list[Asked]] = {
    "suggested": [
        Asked("How long does delivery take?", "delivery-options-and-costs", "working days"),
        Asked("When are your stores open?", "stores-and-opening-hours", "09:30"),
        Asked(
            "How much does a new e-bike battery cost?",
            "e-bike-battery-replacement-and-recycling",
            "€649",
        ),
        Asked("My e-bike battery won't charge", "e-bike-battery-charging-and-care", "charger"),
        Asked("退货需要多久？", "zh-returns-and-refunds", "天内"),  # noqa: RUF001
    ],
    "paraphrase": [
        Asked(
            "How long will it take to get my parcel?", "delivery-options-and-costs", "working days"
        ),
        Asked("Can I come by your shop on a Sunday?", "stores-and-opening-hours", "Sunday"),
        Asked(
            "What's the price of a replacement battery for my Volt?",
            "e-bike-battery-replacement-and-recycling",
            "€649",
        ),
        Asked(
            "My ebike isn't charging anymore when I plug it in",
            "e-bike-battery-charging-and-care",
            "charger",
        ),
        Asked("退货要多长时间？", "zh-returns-and-refunds", "天内"),  # noqa: RUF001
    ],
    "typo": [
        Asked("How long does delivey take?", "delivery-options-and-costs", "working days"),
        Asked("When are your stores opne?", "stores-and-opening-hours", "09:30"),
        Asked(
            "How much does a new e-bike batery cost?",
            "e-bike-battery-replacement-and-recycling",
            "€649",
        ),
        Asked("My e-bike battery won't chrage", "e-bike-battery-charging-and-care", "charger"),
    ],
}
TABLES = ("stores-and-opening-hours", "e-bike-battery-replacement-and-recycling")
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


def answer_to(page: Any, question: str) -> Any:
    """Send a question; the assistant's finished answer to it."""
    answers = page.locator("[data-testid=message][data-author=assistant]:not([data-stream])")
    before = answers.count()
    send(page, question)
    answers.nth(before).wait_for()
    return answers.nth(before)


@pytest.mark.worker
@pytest.mark.parametrize("viewport", [(1280, 860), (390, 844)], ids=["desktop", "phone"])
def test_each_suggested_question_its_paraphrase_and_typo_get_a_whole_answer_citing_its_article(
    page: Any, web_server: Any, celery_worker_process: Any, viewport: tuple[int, int]
) -> None:
    """Offline, as `make run` is with no key: the worker embeds the articles with the local
    model. Asked round by round (all suggestions, then the paraphrases, then the typos), as
    three near-identical messages in a row would rightly be read as a customer going round in
    circles and handed to a person."""
    load_demo_data(port=web_server.port)
    assert wait_until_embedded() > 100
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto(f"{web_server.url}/demo/")
    hint = page.locator(".hint").inner_text()
    for question in SUGGESTED:
        assert question in hint, f"the demo page no longer suggests {question!r}"
    assert [asked.question for asked in ROUNDS["suggested"]] == list(SUGGESTED)
    open_widget(page, web_server)
    for kind, questions in ROUNDS.items():
        for number, asked in enumerate(questions, start=1):
            answer = answer_to(page, asked.question)
            bubble = answer.locator(".bub")
            text = bubble.inner_text()
            assert "|" not in text, f"raw pipes in {asked.question!r}: {text}"
            assert not text.rstrip().endswith((":", "：")), text  # noqa: RUF001
            assert "don't know" not in text and "抱歉" not in text, (asked.question, text)
            assert asked.shows in text, (asked.question, text)
            links = answer.locator("[data-testid=citations] a")
            hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
            slugs = [h.rstrip("/").rsplit("/", 1)[-1] for h in hrefs]
            assert slugs == [asked.article], (asked.question, hrefs)
            if asked.article in TABLES:
                assert answer.locator("table th").count() == 2, asked.question
            answer.scroll_into_view_if_needed()
            name = f"demo-answer-{kind}-{number}-{viewport[0]}x{viewport[1]}.png"
            page.screenshot(path=str(SCREENS / name))
