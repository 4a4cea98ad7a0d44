"""With no model key, the demo's questions find their article even when written with a typo or
in other words: the worker embeds the demo articles with the local model (as `make run` does),
the widget's questions are embedded in the web process, and nothing leaves either."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from assistant.demo import load_demo_data
from assistant.knowledge.embedding import current_model_key
from assistant.knowledge.models import Chunk
from assistant.privacy.models import OutboundCallAudit
from tests.browser.test_widget import open_widget, send

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens"
SCREENS.mkdir(parents=True, exist_ok=True)

QUESTIONS = [
    # (what the customer writes, the article the answer must cite)
    ("How long is the warrenty on the frame?", "Warranty"),  # a typo
    ("I'd like my money back for the jacket I sent back", "Refunds"),  # other words
]


def wait_until_embedded(timeout: float = 60.0) -> int:
    """Until the worker has embedded every published chunk with the local model."""
    key = current_model_key()
    assert key is not None and key.startswith("local/")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = Chunk.objects.filter(article__status="published").exclude(embedding_model=key)
        if not pending.exists():
            return Chunk.objects.filter(embedding_model=key).count()
        time.sleep(0.5)
    raise AssertionError(f"{pending.count()} chunks still without a local embedding")


def answer_to(page: Any, question: str) -> Any:
    """Send a question; the assistant's finished answer to it."""
    answers = page.locator("[data-testid=message][data-author=assistant]:not([data-stream])")
    before = answers.count()
    send(page, question)
    answers.nth(before).wait_for()
    return answers.nth(before)


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 860}, {"width": 390, "height": 844}]
)
def test_a_typo_and_a_paraphrase_find_their_article_with_no_model_key(
    page: Any, web_server: Any, celery_worker_process: Any, viewport: dict[str, int]
) -> None:
    load_demo_data(port=web_server.port)
    assert wait_until_embedded() > 100
    page.set_viewport_size(viewport)
    open_widget(page, web_server)

    for number, (question, article) in enumerate(QUESTIONS, start=1):
        answer = answer_to(page, question)
        citations = answer.get_by_test_id("citations")
        citations.wait_for()
        assert article in citations.inner_text(), (question, citations.inner_text())
        assert "|" not in answer.inner_text().split(citations.inner_text())[0]
        page.screenshot(path=str(SCREENS / f"widget-semantic-{number}-{viewport['width']}.png"))

    unanswerable = answer_to(page, "Do you sell skateboards?")
    assert unanswerable.get_by_test_id("citations").count() == 0
    page.screenshot(path=str(SCREENS / f"widget-semantic-none-{viewport['width']}.png"))
    # Embedding the articles and the questions locally sent nothing anywhere.
    assert not OutboundCallAudit.objects.filter(purpose="embeddings").exists()


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 860}, {"width": 390, "height": 844}]
)
def test_the_data_page_says_the_local_embeddings_model_sends_nothing(
    page: Any, web_server: Any, viewport: dict[str, int]
) -> None:
    from assistant.chat.models import Inbox
    from tests.browser.test_desk import sign_in

    load_demo_data(port=web_server.port)
    inbox = Inbox.objects.get(public_key="pk_demo_northwind")
    page.set_viewport_size(viewport)
    sign_in(page, web_server, "manager")
    page.goto(f"{web_server.url}/desk/inboxes/{inbox.pk}/")

    row = page.get_by_test_id("hop-embeddings-1")
    row.scroll_into_view_if_needed()
    text = row.inner_text()
    assert "local · wordllama-l2-supercat" in text
    assert "in-process (no network)" in text
    assert text.count("not sent anywhere: computed inside this server") == 1
    assert "pseudonymised" not in text and "external" not in text
    row.screenshot(path=str(SCREENS / f"data-page-embeddings-row-{viewport['width']}.png"))
    page.screenshot(path=str(SCREENS / f"data-page-{viewport['width']}.png"), full_page=True)
