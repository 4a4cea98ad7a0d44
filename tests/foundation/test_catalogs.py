"""The translation catalogs: complete, behind no code, compiled, and read by Django.

The customer-facing texts (the files in locale/babel.cfg) are extracted, merged and compiled by
`make messages` with Babel; the .po and .mo files are committed. These tests fail when a text was
added without running it, when a language lacks a translation, or when a .mo is older than its .po.
"""

from __future__ import annotations

import gettext
import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import to_locale

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# Babel's defaults plus what the Makefile's BABEL_KEYWORDS adds.
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "gettext_lazy": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
    "_translated": (2,),
}
# Named (%(name)s) and positional (%s, the desk's JavaScript texts) placeholders.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sd]")


def catalog(code: str) -> Catalog:
    path = LOCALE / to_locale(code) / "LC_MESSAGES" / "django.po"
    with path.open("rb") as po:
        return read_po(po)


def test_the_template_holds_every_customer_facing_text_in_the_code() -> None:
    with (LOCALE / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    in_code = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS
        )
    }
    with (LOCALE / "django.pot").open("rb") as pot:
        in_template = {m.id for m in read_po(pot) if m.id}
    assert in_code == in_template, "run `make messages`, then translate the new texts"


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_text_is_translated_with_its_placeholders(code: str) -> None:
    with (LOCALE / "django.pot").open("rb") as pot:
        wanted = {m.id for m in read_po(pot) if m.id}
    messages = {m.id: m for m in catalog(code) if m.id}
    assert set(messages) == wanted, "run `make messages`"
    for msgid, message in messages.items():
        assert message.string, f"{code}: untranslated {msgid!r}"
        assert not message.fuzzy, f"{code}: fuzzy {msgid!r}"
        if isinstance(msgid, tuple):  # a plural: every form of the language says its count
            assert all(message.string), f"{code}: a plural form missing for {msgid!r}"
            wanted = set(PLACEHOLDER.findall(msgid[1]))
            for form in message.string:
                assert set(PLACEHOLDER.findall(form)) <= wanted | set(PLACEHOLDER.findall(msgid[0]))
            assert set(PLACEHOLDER.findall(message.string[-1])) == wanted, f"{code}: {msgid!r}"
        else:
            assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
                PLACEHOLDER.findall(msgid)
            ), f"{code}: placeholders of {msgid!r}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalog_matches_its_source(code: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalog(code))
    compiled.seek(0)
    expected = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    path = LOCALE / to_locale(code) / "LC_MESSAGES" / "django.mo"
    with path.open("rb") as mo:
        committed = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    assert committed == expected, "run `make messages` (the .mo is behind its .po)"


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("de", "Sam ist der Unterhaltung beigetreten."),
        ("es", "Sam se ha unido a la conversación."),
        ("fr", "Sam a rejoint la conversation."),
        ("ja", "Samが会話に参加しました。"),
        ("zh-hans", "Sam 已加入对话。"),
        ("en", "Sam joined the conversation."),
    ],
)
def test_django_speaks_each_language_from_the_catalogs(code: str, said: str) -> None:
    with translation.override(code):
        assert _("%(name)s joined the conversation.") % {"name": "Sam"} == said
