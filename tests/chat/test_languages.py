"""The conversation's language: identified from what the customer writes, else the browser's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.chat import languages, services
from assistant.chat.models import Contact
from tests import factories

SAMPLES: dict[str, list[str]] = json.loads(
    (Path(__file__).parent / "language_samples.json").read_text(encoding="utf-8")
)
# Measured 72/72 (100%) with py3langid 0.4.0 at MIN_PROBABILITY 0.9 (docs/widget-protocol.md).
# The floor leaves room for a model update, not for a broken identifier.
ACCURACY_FLOOR = 0.95


def test_the_fixture_has_at_least_ten_messages_in_each_language() -> None:
    assert set(SAMPLES) == set(languages.supported_languages())
    assert all(len(messages) >= 10 for messages in SAMPLES.values())
    assert sum(len(messages) for messages in SAMPLES.values()) >= 60


def test_short_customer_messages_are_identified_above_the_floor() -> None:
    results = [
        (language, message, languages.identify(message))
        for language, messages in SAMPLES.items()
        for message in messages
    ]
    wrong = [(want, message, got) for want, message, got in results if got != want]
    accuracy = 1 - len(wrong) / len(results)
    assert accuracy >= ACCURACY_FLOOR, wrong


@pytest.mark.parametrize("text", ["ok", "hi", "danke", "merci", "👍", "12345", "?!"])
def test_a_message_too_short_to_tell_leaves_the_language_alone(text: str) -> None:
    assert languages.identify(text) is None


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("de-DE", "de"),
        ("de-CH", "de"),
        ("zh-CN", "zh-hans"),
        ("zh_CN", "zh-hans"),
        ("ja", "ja"),
        ("fr-CA", "fr"),
        ("pt-BR", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_the_browser_language_maps_onto_a_language_the_product_speaks(
    tag: str | None, language: str
) -> None:
    assert languages.from_browser(tag) == language


@pytest.mark.django_db
def test_a_german_writer_on_an_english_browser_gets_a_german_conversation() -> None:
    inbox = factories.make_inbox(greeting="")
    session = factories.make_session(inbox, language="en-US")
    stored = services.customer_message_create(
        contact_id=session.contact.id, text="Wo ist meine Bestellung?", client_id="c1"
    )
    stored.conversation.refresh_from_db()
    assert stored.conversation.language == "de"
    # The next visit greets them in German too.
    assert Contact.objects.get(pk=session.contact.id).language == "de"
    again = factories.make_session(inbox, visitor=session.visitor_secret, language="en-US")
    assert again.greeting.startswith("Hallo!")


@pytest.mark.django_db
def test_the_language_follows_the_customer_when_they_switch() -> None:
    inbox = factories.make_inbox()
    session = factories.make_session(inbox, language="de-DE")
    first = services.customer_message_create(
        contact_id=session.contact.id, text="Wie lange dauert die Lieferung?", client_id="c1"
    )
    assert first.conversation.language == "de"
    services.customer_message_create(
        contact_id=session.contact.id, text="ok", client_id="c2"
    )  # too short to tell: still German
    first.conversation.refresh_from_db()
    assert first.conversation.language == "de"
    services.customer_message_create(
        contact_id=session.contact.id,
        text="Sorry, can we continue in English please?",
        client_id="c3",
    )
    first.conversation.refresh_from_db()
    assert first.conversation.language == "en"


@pytest.mark.django_db
def test_the_browser_language_is_used_until_the_customer_writes() -> None:
    inbox = factories.make_inbox()
    session = factories.make_session(inbox, language="ja-JP")
    stored = services.customer_message_create(
        contact_id=session.contact.id, text="ok", client_id="c1"
    )
    assert stored.conversation.language == "ja"


@pytest.mark.django_db
def test_an_inbox_without_its_own_greeting_greets_in_the_visitors_language() -> None:
    inbox = factories.make_inbox(greeting="")
    assert factories.make_session(inbox, language="fr-FR").greeting.startswith("Bonjour !")
    assert factories.make_session(inbox, language="zh-CN").greeting.startswith("您好！")  # noqa: RUF001


@pytest.mark.django_db
def test_an_inbox_greeting_greets_those_who_speak_its_language_and_others_get_the_default() -> None:
    own = factories.make_inbox(greeting="Moin! Wie können wir helfen?", default_language="de")
    assert factories.make_session(own, language="de-AT").greeting == "Moin! Wie können wir helfen?"
    # A French visitor would not read the German text: the translated default greets them.
    assert factories.make_session(own, language="fr-FR").greeting.startswith("Bonjour !")
