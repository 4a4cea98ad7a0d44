"""The conversation's language: identified from what the customer writes, else the browser's.

A conversation's language is one of the languages the product speaks (``settings.LANGUAGES``,
Django codes such as "de" or "zh-hans"), so the notices, the retrieval, the answer and the
analytics all agree on it. The identifier is py3langid, whose model ships inside its wheel:
nothing is downloaded at run time. It is restricted to the product's languages, and a message too
short or too ambiguous to tell ("ok", "hi", "merci") leaves the language as it was.

Accuracy on short customer messages is measured by tests/chat/test_languages.py on the fixture
tests/chat/language_samples.json (figure in docs/widget-protocol.md).
"""

from __future__ import annotations

import functools
import unicodedata

from django.conf import settings
from django.utils.translation import get_supported_language_variant

# How sure the identifier must be before a message changes the conversation's language. Below
# this, a short reply ("ok", "danke") says too little and the language stays as it was.
MIN_PROBABILITY = 0.9
# Fewer letters than this say too little about the language to change it.
MIN_LETTERS = 4

# py3langid labels -> the product's language codes (Django's script subtag for Chinese).
_FROM_IDENTIFIER = {"zh": "zh-hans"}


def supported_languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def from_browser(tag: str | None) -> str:
    """The product language closest to a browser's tag ("de-CH" -> "de", "zh-CN" -> "zh-hans"),
    or the project's default when the product does not speak it."""
    tag = (tag or "").strip().replace("_", "-").lower()
    if tag in {"zh", "zh-cn", "zh-sg", "zh-my"}:
        tag = "zh-hans"
    try:
        return get_supported_language_variant(tag) if tag else settings.LANGUAGE_CODE
    except LookupError:
        return settings.LANGUAGE_CODE


def identify(text: str) -> str | None:
    """The language ``text`` is written in, or None when it is too short or unclear to tell."""
    letters = sum(1 for char in text if unicodedata.category(char).startswith("L"))
    if letters < MIN_LETTERS:
        return None
    label, probability = _identifier().classify(text)
    if probability < MIN_PROBABILITY:
        return None
    return _FROM_IDENTIFIER.get(label, label)


@functools.cache
def _identifier():  # type: ignore[no-untyped-def]
    """Loaded once per process (about 0.4 s), on the first message rather than at start-up."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([code.split("-")[0] for code in supported_languages()])
    return identifier
