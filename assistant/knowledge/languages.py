"""Locales of articles and conversations, and the PostgreSQL text-search configuration of each.

Articles keep Django-style language codes ("en", "de", "zh-hans"), so a conversation's language
and an article's locale compare directly. Help-center exports use region tags ("en-us", "zh-cn"),
which `normalize_locale` maps onto that form.
"""

from __future__ import annotations

# Snowball configurations that every supported PostgreSQL (15 and newer) ships. Estonian is left
# out on purpose: it only arrived in later releases, and a configuration the production server
# lacks would make every write of an Estonian chunk fail. Anything unlisted uses "simple", which
# lower-cases words without stemming; Chinese, Japanese and Korean also get character bigrams
# (see cjk.py) because no built-in parser splits them into words.
TEXT_SEARCH_CONFIGS: dict[str, str] = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish",
    "nl": "dutch", "en": "english", "fi": "finnish", "fr": "french", "de": "german",
    "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "nb": "norwegian", "nn": "norwegian",
    "no": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip
SIMPLE_CONFIG = "simple"

# Region tags of Chinese name a script in practice; Django names the script itself.
_CHINESE_SCRIPTS = {
    "zh": "zh-hans", "zh-cn": "zh-hans", "zh-sg": "zh-hans", "zh-my": "zh-hans",
    "zh-hans": "zh-hans", "zh-hans-cn": "zh-hans",
    "zh-tw": "zh-hant", "zh-hk": "zh-hant", "zh-mo": "zh-hant", "zh-hant": "zh-hant",
    "zh-hant-tw": "zh-hant",
}  # fmt: skip


def normalize_locale(value: str | None, default: str = "en") -> str:
    """ "en-US" -> "en-us", "zh_CN" -> "zh-hans", "" -> the default."""
    locale = (value or "").strip().replace("_", "-").lower()
    if not locale:
        return default
    return _CHINESE_SCRIPTS.get(locale, locale)


def base_language(locale: str) -> str:
    """The part that decides the language: "en-us" -> "en"; the two Chinese scripts stay apart."""
    locale = normalize_locale(locale)
    return locale if locale.startswith("zh-") else locale.split("-", 1)[0]


def search_config(locale: str) -> str:
    """The text-search configuration for text in this locale."""
    return TEXT_SEARCH_CONFIGS.get(base_language(locale), SIMPLE_CONFIG)
