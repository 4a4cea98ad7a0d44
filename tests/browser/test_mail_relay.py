"""A customer's e-mail, posted by a relay to the real web server, reaches the agent's desk live
and reads there as the customer wrote it (quote removed), once."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from assistant.chat.models import Conversation
from assistant.demo import DEMO_MAIL_ADDRESS, demo_relay_key, load_demo_data
from assistant.mail.models import MailAccount
from tests.browser.test_desk import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).parent.parent / "mail" / "fixtures"
SCREENS = settings.BASE_DIR / "var" / "screens"
WRITTEN = "The tracking number still shows"


def _relay(server: Any, raw: bytes) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{server.url}/mail/inbound/{DEMO_MAIL_ADDRESS}/",
        data=raw,
        headers={
            "Authorization": f"Bearer {demo_relay_key()}",
            "Content-Type": "message/rfc822",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


@pytest.mark.parametrize("viewport", [(1280, 860), (390, 844)], ids=["desktop", "phone"])
def test_a_relayed_email_reaches_the_desk_live(
    browser: Any, web_server: Any, celery_worker_process: Any, viewport: tuple[int, int]
) -> None:
    load_demo_data(port=web_server.port)
    # Agents only: the mail goes straight to the people's queue (the assistant's e-mail answers
    # are tested with the assistant).
    MailAccount.objects.filter(address=DEMO_MAIL_ADDRESS).update(assistant_mode="off")
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height})
    desk = context.new_page()
    try:
        sign_in(desk, web_server, "agent")
        desk.goto(f"{web_server.url}/desk/q/waiting/")
        desk.wait_for_selector("body[data-socket=open]")
        assert desk.get_by_test_id("row").count() == 0

        status, body = _relay(web_server, (FIXTURES / "gmail_reply_en.eml").read_bytes())
        assert (status, body["status"]) == (202, "stored")

        # No reload: processing (the worker), the handoff and the ticket reach the open queue.
        row = desk.get_by_test_id("row").first
        row.wait_for()
        assert "Maria Lopez" in row.inner_text()
        desk.screenshot(path=str(SCREENS / f"mail-relay-queue-{width}.png"), full_page=True)
        row.click()
        customer = desk.locator("[data-testid=transcript-message][data-author=customer]")
        customer.first.wait_for()
        # Once in the transcript (the queue's preview and the summary quote it too).
        texts = customer.all_inner_texts()
        assert len(texts) == 1 and texts[0].count(WRITTEN) == 1
        # Only what she wrote now: the quoted history and her signature stay in the raw mail.
        visible = desk.locator("body").inner_text()
        assert "Good news: your order #4417 has shipped" not in visible
        desk.screenshot(path=str(SCREENS / f"mail-relay-conversation-{width}.png"), full_page=True)

        # The relay posting the same mail again (its retry) adds nothing.
        status, body = _relay(web_server, (FIXTURES / "gmail_reply_en.eml").read_bytes())
        assert (status, body["status"]) == (200, "duplicate")
        conversation = Conversation.objects.get(channel="email")
        assert conversation.messages.filter(author_kind="customer").count() == 1
    finally:
        context.close()
