"""The customer's language and connection, as a person sees them in the widget (Chromium)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings

from assistant.chat import languages, services
from assistant.chat.models import Conversation
from assistant.demo import load_demo_data
from tests import factories
from tests.browser.conftest import in_thread
from tests.browser.test_widget import open_widget, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = settings.BASE_DIR / "var" / "screens"
SCREENS.mkdir(parents=True, exist_ok=True)
PHONE = {"width": 390, "height": 844}

# What the German visitor must see, each exactly once.
GERMAN_NOTICES = [
    "Hallo! Ich bin der Assistent.",  # the greeting
    "Das kann ich anhand unserer Hilfeartikel leider nicht beantworten.",  # the decline
    "Ich verbinde Sie mit einer Person aus unserem Team.",  # the handoff
    "Sam ist der Unterhaltung beigetreten.",  # the agent joined
    "Diese Unterhaltung ist abgeschlossen.",  # resolved
    "Wie bewerten Sie diese Unterhaltung?",  # the rating prompt (the widget's own)
]
# The English (and the widget's former duplicate) wordings of the same events.
NOT_TO_SEE = [
    "joined the conversation",
    "I'm sorry",
    "connecting you",
    "resolved",
    "How would you rate",
    "Hi! I'm",
    "Sam ist der Unterhaltung beigetreten\n",  # the widget's old copy had no full stop
]


@pytest.fixture
def german_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def panel_text(page: Any) -> str:
    """The panel's text as seen on screen: without the screen-reader live region, which
    repeats the latest notice for screen readers only (visually hidden)."""
    spoken = page.get_by_test_id("live").inner_text()
    return page.get_by_test_id("panel").inner_text().replace(spoken, "", 1)


def shown(page: Any, text: str) -> Any:
    """The text in the conversation on screen (not the screen reader's copy of it)."""
    return page.get_by_test_id("message-list").get_by_text(text)


def shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENS / f"{name}-desktop.png"))
    desktop = page.viewport_size
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(200)
    page.screenshot(path=str(SCREENS / f"{name}-phone.png"))
    page.set_viewport_size(desktop)


def test_a_german_visitor_writing_german_sees_every_notice_in_german_once(
    german_page: Any, web_server: Any
) -> None:
    page = german_page
    load_demo_data(port=web_server.port)
    agent = in_thread(factories.make_agent, username="sam")
    open_widget(page, web_server)
    page.get_by_test_id("greeting").wait_for()

    send(page, "Wie repariere ich den Vergaser meines Mopeds?")
    shown(page, "Das kann ich anhand unserer Hilfeartikel leider nicht").wait_for()
    page.get_by_test_id("handoff").click()
    shown(page, "Ich verbinde Sie mit einer Person").wait_for()
    conversation = Conversation.objects.latest("created_at")
    assert conversation.language == "de"

    in_thread(services.conversation_takeover, conversation_id=conversation.id, agent=agent)
    shown(page, "Sam ist der Unterhaltung beigetreten.").wait_for()
    in_thread(services.conversation_resolve, conversation_id=conversation.id)
    shown(page, "Wie bewerten Sie diese Unterhaltung?").wait_for()
    page.wait_for_timeout(500)  # anything announced twice would have arrived by now

    seen = panel_text(page)
    for notice in GERMAN_NOTICES:
        assert seen.count(notice) == 1, (notice, seen)
    for english in NOT_TO_SEE:
        assert english not in seen, (english, seen)
    said_by_us = page.locator(
        "[data-testid=message][data-author=assistant], [data-testid=message][data-author=system]"
    ).all_inner_texts()
    assert said_by_us and all(languages.identify(text) == "de" for text in said_by_us), said_by_us
    shoot(page, "language-german-visitor")


def test_the_widget_follows_the_language_the_customer_writes_in(page: Any, web_server: Any) -> None:
    """An English browser; the customer's first message is Spanish: the widget's own texts,
    its greeting and the header's team line turn Spanish."""
    load_demo_data(port=web_server.port)
    open_widget(page, web_server)
    greeting, team = page.get_by_test_id("greeting"), page.get_by_test_id("team")
    english_team = team.inner_text()
    assert page.get_by_test_id("input").get_attribute("placeholder") == "Write a message…"
    send(page, "¿Cuánto tarda el envío a Portugal?")
    page.wait_for_function(
        "() => document.querySelector('assistant-widget').shadowRoot"
        ".querySelector('[data-testid=input]').placeholder === 'Escribe un mensaje…'"
    )
    shown(page, "Lo siento, no encuentro la respuesta").wait_for()
    conversation = Conversation.objects.latest("created_at")
    assert conversation.language == "es"
    spanish = in_thread(services.widget_texts, conversation=conversation)
    greeting.get_by_text(spanish["greeting"]).wait_for()
    assert spanish["team"]["reply_time"] in team.inner_text()
    assert team.inner_text() != english_team
    assert "Hi! I'm" not in panel_text(page)
    shoot(page, "language-follows-spanish")


def test_the_greeting_and_the_team_line_turn_german_when_the_customer_switches_mid_chat(
    page: Any, web_server: Any
) -> None:
    """An English browser; the customer asks in English, then writes German: the greeting, the
    header's team line and the widget's own texts turn German, each shown once."""
    load_demo_data(port=web_server.port)
    open_widget(page, web_server)
    greeting, team = page.get_by_test_id("greeting"), page.get_by_test_id("team")
    assert greeting.inner_text().startswith("Hi! I'm the assistant.")
    english_team = team.inner_text()
    send(page, "When are your stores open?")
    shown(page, "Both stores have the same opening hours").wait_for()

    send(page, "Wie lange dauert die Lieferung nach Deutschland?")
    page.wait_for_function(
        "() => document.querySelector('assistant-widget').shadowRoot"
        ".querySelector('[data-testid=input]').placeholder === 'Nachricht schreiben…'"
    )
    greeting.get_by_text("Hallo! Ich bin der Assistent.").wait_for()
    conversation = Conversation.objects.latest("created_at")
    assert conversation.language == "de"
    german_team = in_thread(services.widget_texts, conversation=conversation)["team"]
    assert german_team["reply_time"] and german_team["reply_time"] in team.inner_text()
    assert team.inner_text() != english_team
    seen = panel_text(page)
    assert seen.count("Hallo! Ich bin der Assistent.") == 1, seen
    assert "Hi! I'm" not in seen and english_team not in seen, seen
    answers = page.locator("[data-testid=message][data-author=assistant]:not([data-stream])")
    answers.nth(1).wait_for()
    answers.nth(1).scroll_into_view_if_needed()
    shoot(page, "language-switch-to-german")


def test_the_offline_banner_shows_within_seconds_and_goes_when_back(
    german_page: Any, web_server: Any
) -> None:
    page = german_page
    load_demo_data(port=web_server.port)
    open_widget(page, web_server)
    send(page, "Hallo, ich habe eine Frage zu meiner Bestellung.")
    page.wait_for_selector("[data-testid=message][data-author=customer]:not([data-pending])")
    status = page.get_by_test_id("status")
    offline = "Sie sind offline. Wir verbinden uns automatisch neu."

    went = time.monotonic()
    page.context.set_offline(True)
    page.get_by_text(offline).wait_for(timeout=5_000)
    assert time.monotonic() - went < 5
    assert status.inner_text() == offline
    shoot(page, "offline-banner")

    back = time.monotonic()
    page.context.set_offline(False)
    status.wait_for(state="hidden", timeout=5_000)
    assert time.monotonic() - back < 5
    assert offline not in panel_text(page)
    # Still connected: a message written now is delivered.
    send(page, "Bin wieder da.")
    page.wait_for_function(
        "() => [...document.querySelector('assistant-widget').shadowRoot"
        ".querySelectorAll('[data-testid=message][data-author=customer]')]"
        ".every((m) => !m.hasAttribute('data-pending'))",
        timeout=15_000,
    )


def test_the_banner_shows_within_seconds_when_the_socket_closes_and_goes_when_back(
    german_page: Any, web_server: Any
) -> None:
    """The connection drops while the browser still believes it is online (a server restart, a
    proxy cutting idle sockets): no offline event, only the socket's close."""
    page = german_page
    load_demo_data(port=web_server.port)
    sockets: list[Any] = []
    refusing = {"now": False}

    def through_the_network(socket: Any) -> None:
        if refusing["now"]:
            socket.close(code=1013)  # "try again later", as an overloaded proxy says
            return
        socket.connect_to_server()
        sockets.append(socket)

    page.route_web_socket(re.compile(r"/ws/widget/"), through_the_network)
    open_widget(page, web_server)
    send(page, "Hallo, ich habe eine Frage zu meiner Bestellung.")
    page.wait_for_selector("[data-testid=message][data-author=customer]:not([data-pending])")
    status = page.get_by_test_id("status")
    cut = "Verbindung unterbrochen. Neuer Versuch…"

    went = time.monotonic()
    refusing["now"] = True
    sockets[-1].close(code=1001)
    page.get_by_test_id("status").get_by_text(cut).wait_for(timeout=5_000)
    assert time.monotonic() - went < 5
    assert page.evaluate("navigator.onLine") is True  # the socket said it, not the browser
    page.wait_for_timeout(1500)  # reconnecting attempts are refused meanwhile
    assert status.inner_text() == cut
    shoot(page, "connection-cut-banner")

    refusing["now"] = False
    status.wait_for(state="hidden", timeout=20_000)
    assert cut not in panel_text(page)
    # The answer written while the socket was down arrives with the reconnect, once.
    answers = page.locator("[data-testid=message][data-author=assistant]:not([data-stream])")
    answers.first.wait_for()
    page.wait_for_timeout(500)
    assert answers.count() == 1
    shoot(page, "connection-back")
    send(page, "Bin wieder da.")
    page.wait_for_function(
        "() => [...document.querySelector('assistant-widget').shadowRoot"
        ".querySelectorAll('[data-testid=message][data-author=customer]')]"
        ".every((m) => !m.hasAttribute('data-pending'))",
        timeout=15_000,
    )
