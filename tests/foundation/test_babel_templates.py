"""The Babel extractor for Django templates finds each text as the template tags look it up."""

from __future__ import annotations

import io

from babel.messages.extract import DEFAULT_KEYWORDS

from assistant.babel_templates import extract_django

TEMPLATE = """{% load i18n %}
<nav>
    {# Translators: the desk's main menu #}
    <a title="{% translate 'Open the queue' %}">{% translate "Waiting" %}</a>
  {% blocktranslate count n=rows|length %}{{ n }} row{% plural %}{{ n }} rows{% endblocktranslate %}
  {% translate "Close" context "dialog" %}
  {% blocktranslate with name=user.name %}Hello {{ name }},
  welcome back.{% endblocktranslate %}
</nav>
<p>Not marked</p>
"""


def extracted(template: str) -> list[tuple[str | tuple[str, ...], list[str]]]:
    found = extract_django(io.BytesIO(template.encode()), DEFAULT_KEYWORDS, ["Translators:"], {})
    return [(messages, comments) for _line, _function, messages, comments in found]


def test_it_finds_translate_and_blocktranslate_texts_with_their_plurals_and_context() -> None:
    messages = [message for message, _comments in extracted(TEMPLATE)]
    assert messages == [
        "Open the queue",
        "Waiting",
        ("%(n)s row", "%(n)s rows", None),
        ("dialog", "Close"),
        "Hello %(name)s,\n  welcome back.",
    ]


def test_it_keeps_the_translators_comments() -> None:
    comments = dict((str(message), found) for message, found in extracted(TEMPLATE))
    assert comments["Open the queue"] == ["Translators: the desk's main menu"]


def test_a_template_without_marked_texts_gives_nothing() -> None:
    assert extracted("<p>{{ name }} and <b>plain</b> text</p>\n  <i>indented</i>") == []
