"""The offline responder's own words, from the project's translation catalogs.

The responder lives in ``assistant.llm``, which is plain Python without Django; it takes its
texts as a mapping per language. They are built here, once per process, from the same gettext
catalogs as every other customer-facing text, so translators find them in one place.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _


def offline_texts() -> dict[str, dict[str, str]]:
    """{"de": {"dont_know": ..., "source": ...}, ...} for every language the product speaks."""
    texts: dict[str, dict[str, str]] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = {
                "dont_know": _(
                    "I'm sorry, I don't know the answer to that from our help articles. "
                    "Would you like me to connect you with a member of our team?"
                ),
                "dont_know_waiting": _(
                    "I'm sorry, I don't know the answer to that from our help articles."
                ),
                "source": _("Source"),
                "other_language": _("I found this only in our help articles in another language:"),
                "summary_intro": _("Summary written without a language model. The customer wrote:"),
            }
    return texts
