"""The desk in the agent's language: a manager who chose German on their profile opens the
pages they use every day from a browser that asks for English, and reads no English UI text.
Screenshots of each page, desktop and phone, go to var/screens/ (desk-de-*.png)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from assistant.demo import load_demo_data
from tests import factories
from tests.browser.conftest import in_thread
from tests.browser.test_desk import sign_in
from tickets.models import Team, Ticket
from tickets.workspace.preferences import agent_language_set

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = Path(settings.BASE_DIR) / "var" / "screens"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}

# UI texts of these pages in English: none may be visible once the desk speaks German. (Words
# German shares with English, such as Status, Team(s), Ticket, Tags or Online, are not listed.)
ENGLISH = [
    "Sign out",
    "Help articles",
    "Analytics",
    "Settings",
    "New ticket",
    "You are",
    "Waiting",
    "Mine",
    "Unassigned",
    "All inboxes",
    "Take over",
    "Hand back",
    "Resolve",
    "Reply",
    "Private note",
    "Send",
    "Suggest a reply",
    "Notes",
    "Add note",
    "Activity",
    "Handoff",
    "Customer",
    "Priority",
    "Subject",
    "Assignee",
    "Save",
    "Saved replies",
    "Members",
    "Business hours",
    "Holidays",
    "Language",
    "Browser default",
    "Published",
    "Draft",
    "New article",
    "Search",
    "Overview",
    "Response times",
    "Customer satisfaction",
    "Models and cost",
    "Conversations",
    "Last 30 days",
    "Apply",
    "Automated",
    "Handoff rate",
    "minutes",
    "hours",
    "ago",
]
# Case-insensitive: some headings are upper-cased by the style sheet ("NOTES").
WORD = {
    phrase: re.compile(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", re.IGNORECASE)
    for phrase in ENGLISH
}


# What people wrote (the demo's English articles and saved replies, a customer's message) is
# not the interface: it stays in its own language, so it is left out of the check.
CONTENT = ".msg-text, .article-row .what, [data-canned] option, .reply-item h3, .reply-text"
UI_TEXT = """(selector) => {
  const hidden = Array.from(document.querySelectorAll(selector));
  const before = hidden.map((element) => element.style.display);
  hidden.forEach((element) => { element.style.display = "none"; });
  const text = document.body.innerText;
  hidden.forEach((element, i) => { element.style.display = before[i]; });
  return text;
}"""


def visible_text(page: Any) -> str:
    return page.evaluate("document.body.innerText")


def english_left(page: Any) -> list[str]:
    text = page.evaluate(UI_TEXT, CONTENT)
    return [phrase for phrase, pattern in WORD.items() if pattern.search(text)]


def look_at(page: Any, url: str, name: str, *, once: tuple[str, ...]) -> None:
    """Open the page, check it is all German, and photograph it at both sizes."""
    page.set_viewport_size(DESKTOP)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == "de"
    assert english_left(page) == [], f"{name}: English left on the page"
    text = visible_text(page)
    for label in once:
        assert text.count(label) == 1, f"{name}: {label!r} seen {text.count(label)} times"
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"desk-de-{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SCREENS / f"desk-de-{name}-phone.png"), full_page=True)


def test_a_manager_who_chose_german_reads_the_main_pages_in_german(
    browser: Any, web_server: Any
) -> None:
    inbox = load_demo_data(port=web_server.port)
    conversation = in_thread(
        factories.make_conversation, inbox=inbox, text="Wo bleibt meine Bestellung NW-12345?"
    )
    in_thread(factories.make_ticket, conversation=conversation)
    # A ticket of its own (a phone call, say): the conversation's ticket opens the conversation.
    ticket: Ticket = in_thread(
        factories.make_ticket, inbox=inbox, subject="Rückerstattung für NW-12345"
    )
    agent_language_set(user=get_user_model().objects.get(username="manager"), language="de")
    team = Team.objects.get(name="Northwind support")

    # The browser asks for English: the profile's choice wins.
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, web_server, "manager")
        url = web_server.url
        look_at(page, f"{url}/desk/q/waiting/", "queue", once=("Abmelden", "Hilfeartikel"))
        look_at(
            page,
            f"{url}/desk/c/{conversation.pk}/",
            "conversation",
            once=("Private Notiz", "Antwort vorschlagen", "Übernehmen"),
        )
        look_at(page, f"{url}/desk/q/unassigned/", "queue-tickets", once=("Jede Priorität",))
        look_at(page, f"{url}/desk/t/{ticket.pk}/", "ticket", once=("Notiz hinzufügen",))
        look_at(page, f"{url}/desk/articles/", "articles", once=("Neuer Artikel",))
        look_at(
            page, f"{url}/desk/settings/teams/", "settings-teams", once=("Gespeicherte Antworten",)
        )
        look_at(
            page,
            f"{url}/desk/settings/teams/{team.pk}/",
            "settings-team",
            once=("Zeiten speichern", "Ziele speichern"),
        )
        look_at(
            page, f"{url}/desk/settings/replies/", "settings-replies", once=("Antwort speichern",)
        )
        look_at(
            page, f"{url}/desk/settings/language/", "settings-language", once=("Deutsch", "日本語")
        )
        look_at(
            page,
            f"{url}/analytics/",
            "analytics",
            once=("Eine Zeile pro Unterhaltung herunterladen (CSV)",),
        )
    finally:
        context.close()
