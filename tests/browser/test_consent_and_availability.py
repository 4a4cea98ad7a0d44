"""Consent, never silent and honest availability, as a customer sees them in Chromium: the
demo page's widget against a real server on the offline responder."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from assistant.chat import services
from assistant.chat.models import Contact, Conversation
from assistant.demo import load_demo_data
from tests.browser.conftest import in_thread
from tests.browser.test_widget import assistant_texts, open_widget, send
from tickets import escalation, online
from tickets.business_hours import DAY_KEYS
from tickets.models import BusinessCalendar, Holiday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = settings.BASE_DIR / "var" / "screens"
SCREENS.mkdir(parents=True, exist_ok=True)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


def screenshots(page: Any, name: str) -> None:
    """What the customer sees, at desktop and phone sizes (var/screens/)."""
    page.screenshot(path=str(SCREENS / f"{name}-desktop.png"))
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENS / f"{name}-phone.png"))
    page.set_viewport_size(DESKTOP)


def widget_text(page: Any) -> str:
    return page.get_by_test_id("panel").inner_text()


def messages(page: Any, author: str) -> Any:
    return page.locator(f"[data-testid=message][data-author={author}]")


def wait_for_assistant_messages(page: Any, count: int) -> None:
    done = "[data-testid=message][data-author=assistant]:not([data-stream])"
    page.wait_for_function(
        "([selector, n]) => document.querySelector('assistant-widget').shadowRoot"
        ".querySelectorAll(selector).length >= n",
        arg=[done, count],
    )


def team_hours(*, open_all_day: bool = False, only_on: int | None = None) -> None:
    """The demo team's calendar, made independent of when the test runs."""
    calendar = BusinessCalendar.objects.get(team__name="Northwind support")
    Holiday.objects.filter(calendar=calendar).delete()
    if open_all_day:
        calendar.weekly_hours = {day: [["00:00", "24:00"]] for day in DAY_KEYS}
    else:
        calendar.weekly_hours = {DAY_KEYS[only_on or 0]: [["09:00", "17:30"]]}
    calendar.save()


def agent_at_the_desk(username: str) -> Any:
    agent = get_user_model().objects.get(username=username)
    in_thread(async_to_sync(online.tab_alive), user_id=agent.pk, tab=f"browser-{username}")
    return agent


def test_the_customer_declines_the_offer_and_the_assistant_keeps_answering(
    page: Any, web_server: Any
) -> None:
    load_demo_data(port=web_server.port)
    open_widget(page, web_server)
    send(page, "What is the capital of Mongolia?")
    wait_for_assistant_messages(page, 1)
    send(page, "Can you recommend a pizza recipe?")
    wait_for_assistant_messages(page, 2)
    offer = "Would you like me to connect you with a member of our team?"
    assert offer in assistant_texts(page)[-1]
    # Two answers it could not support: offered, not handed over.
    assert Conversation.objects.get().state == Conversation.State.BOT
    send(page, "No thanks")
    wait_for_assistant_messages(page, 3)
    assert "keep helping you here" in assistant_texts(page)[-1]
    send(page, "How long does delivery take?")
    wait_for_assistant_messages(page, 4)
    answer = assistant_texts(page)[-1]
    assert "don't know" not in answer and offer not in answer
    assert "deliver" in answer.lower()
    assert Conversation.objects.get().state == Conversation.State.BOT
    assert "finding a person" not in widget_text(page)
    assert page.get_by_test_id("handoff").is_visible()
    screenshots(page, "consent-declined")


def test_waiting_for_a_person_the_assistant_answers_until_an_agent_joins(
    page: Any, web_server: Any
) -> None:
    load_demo_data(port=web_server.port)
    team_hours(open_all_day=True)
    alex = agent_at_the_desk("agent")
    open_widget(page, web_server)
    team = page.get_by_test_id("team")
    team.wait_for()
    assert "Usually replies in about 5 minutes" in team.inner_text()
    assert "Alex" in (team.get_attribute("title") or "")

    send(page, "I want to talk to a person")
    messages(page, "system").get_by_text(CONNECTING).wait_for()
    conversation = Conversation.objects.get()
    in_thread(escalation.escalate, conversation_id=str(conversation.pk), reason="customer_request")
    messages(page, "system").get_by_text("Alex from our team will reply here shortly.").wait_for()
    assert page.get_by_test_id("subtitle").inner_text() == "Usually replies in about 5 minutes"

    send(page, "How long does delivery take?")
    wait_for_assistant_messages(page, 1)
    assert "deliver" in assistant_texts(page)[-1].lower()
    assert messages(page, "assistant").last.get_attribute("data-author") == "assistant"
    screenshots(page, "waiting-assistant-answers")

    in_thread(services.conversation_takeover, conversation_id=conversation.pk, agent=alex)
    messages(page, "system").get_by_text("Alex joined the conversation").first.wait_for()
    send(page, "And can I return a bike?")
    page.wait_for_selector(
        "[data-testid=message][data-author=customer]:not([data-pending]) >> nth=2"
    )
    page.wait_for_timeout(3000)
    assert len(assistant_texts(page)) == 1  # the agent answers now, not the assistant
    screenshots(page, "waiting-agent-joined")


def test_waiting_for_a_person_a_question_it_cannot_answer_is_not_offered_a_person_again(
    page: Any, web_server: Any
) -> None:
    """The customer already waits: "I don't know" offers nobody, and the widget says where
    they stand instead."""
    load_demo_data(port=web_server.port)
    team_hours(open_all_day=True)
    agent_at_the_desk("agent")
    open_widget(page, web_server)
    send(page, "I want to talk to a person")
    messages(page, "system").get_by_text(CONNECTING).wait_for()
    conversation = Conversation.objects.get()
    in_thread(escalation.escalate, conversation_id=str(conversation.pk), reason="customer_request")
    messages(page, "system").get_by_text("Alex from our team will reply here shortly.").wait_for()

    send(page, "Do you sell skateboards?")
    wait_for_assistant_messages(page, 1)
    said = "I'm sorry, I don't know the answer to that from our help articles."
    assert assistant_texts(page)[-1].endswith(said)
    wait = "Thanks, your message is with our team. A person from our team will reply here."
    messages(page, "system").get_by_text(wait, exact=False).wait_for()
    # The conversation as shown (the screen reader's live region repeats the latest notice).
    seen = page.get_by_test_id("message-list").inner_text()
    assert "connect you with a member of our team" not in seen
    assert seen.count(said) == 1 and seen.count(wait) == 1, seen
    assert Conversation.objects.get().state == Conversation.State.WAITING
    screenshots(page, "waiting-dont-know-no-offer")


def test_nobody_online_the_customer_hears_when_the_team_is_back_and_leaves_an_email(
    browser: Any, web_server: Any
) -> None:
    load_demo_data(port=web_server.port)
    # Open only two days from now, so the team is closed whatever the time of the run.
    amsterdam_today = timezone.now().astimezone(ZoneInfo("Europe/Amsterdam"))
    reopening_day = (amsterdam_today + timedelta(days=2)).weekday()
    team_hours(only_on=reopening_day)
    context = browser.new_context(viewport=DESKTOP, timezone_id="America/New_York")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        open_widget(page, web_server)
        back = page.get_by_test_id("team")
        back.wait_for()
        # 09:00 in Amsterdam is 03:00 in New York, written as English writes a time (CLDR).
        day = DAY_NAMES[reopening_day]
        assert f"Back {day}, 3:00\u202fAM" in back.inner_text()

        page.get_by_test_id("handoff").click()
        messages(page, "system").get_by_text(CONNECTING).wait_for()
        conversation = Conversation.objects.get()
        in_thread(escalation.escalate, conversation_id=str(conversation.pk), reason="x")
        notice = f"Our team is away right now and back {day}, 3:00\u202fAM (your time)."
        messages(page, "system").get_by_text(notice, exact=False).wait_for()
        assert "shortly" not in widget_text(page)
        form = page.get_by_test_id("email-form")
        form.wait_for()
        screenshots(page, "nobody-online-email-offer")

        page.get_by_test_id("email-input").fill("not an address")
        page.get_by_test_id("email-save").click()
        page.get_by_test_id("notice").get_by_text(
            "That doesn't look like an email address."
        ).wait_for()
        page.get_by_test_id("email-input").fill("kim@example.com")
        page.get_by_test_id("email-save").click()
        messages(page, "system").get_by_text(
            "Thanks! We'll send the answer to kim@example.com."
        ).wait_for()
        assert not form.is_visible()
        assert Contact.objects.get().email == "kim@example.com"
        screenshots(page, "nobody-online-email-left")
    finally:
        context.close()


CONNECTING = "I'm connecting you with a person from our team."
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


FITS = """(el) => el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1"""


@pytest.mark.parametrize("locale", ["en-US", "de-DE"])
def test_on_a_phone_the_header_shows_the_whole_reply_time_beside_a_team_of_four(
    browser: Any, web_server: Any, locale: str
) -> None:
    """Four people in the team and nobody at the desk: the header shows two initials and "+2"
    and the whole sentence, wrapped, not cut off."""
    load_demo_data(port=web_server.port)
    team_hours(open_all_day=True)
    context = browser.new_context(viewport=PHONE, locale=locale)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        open_widget(page, web_server)
        team = page.get_by_test_id("team")
        team.wait_for()
        sentence = {
            "en-US": "Nobody from our team is online right now",
            "de-DE": "Gerade ist niemand aus unserem Team online",
        }[locale]
        said = team.locator(".tt")
        assert said.inner_text() == sentence
        assert said.evaluate(FITS), "the reply time is cut off"
        assert team.locator(".ini span").count() == 3
        assert page.get_by_test_id("team-more").inner_text() == "+2"
        names = team.get_attribute("title") or ""
        assert names.count(",") == 3, names  # all four named for the pointer and assistive tech
        header_right = page.get_by_test_id("close").bounding_box()
        assert header_right is not None
        box = said.bounding_box()
        assert box is not None and box["x"] + box["width"] <= header_right["x"]
        page.screenshot(path=str(SCREENS / f"header-team-of-four-{locale}-phone.png"))
        page.set_viewport_size(DESKTOP)
        page.wait_for_timeout(200)
        assert said.evaluate(FITS)
        page.screenshot(path=str(SCREENS / f"header-team-of-four-{locale}-desktop.png"))
    finally:
        context.close()
