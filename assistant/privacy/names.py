"""Personal names: the people the conversation already names, names introduced as names, and
lexicon names with a second piece of evidence.

A name has no checksum, and half of all capitalised words could be one, so each rule asks for
evidence beyond the word itself:
- known: the contact's own name, the local part of their e-mail address and the agents' names,
  given by the caller (`DetectorConfig.known_names`), anywhere in the text;
- introduced: after the phrases people use to give a name ("my name is", "ich heiße",
  "je m'appelle", "me llamo", "我叫", "と申します", ...), or before a sign-off ("Best regards,");
- lexicon: a given name from `names.txt` followed by a capitalised word ("Anna Schmidt"), a
  capitalised word followed by a surname from the list ("Jo Müller"), a title followed by
  capitalised words ("Frau Weber", "Sr. García"), or a given name after a greeting ("Hi Anna").
  "Volt E8" and "Black Friday" are neither;
- Chinese and Japanese: a common surname and one to three more characters, after a phrase that
  introduces a name ("收件人", "我叫") or before an honorific ("様", "さん"), or a Japanese family
  and given name separated by a space.

Names the lexicon does not know, introduced in no such way ("tell Reimar"), are missed: see the
limits in docs/privacy.md.
"""

# Chinese and Japanese punctuation is written full-width, and names use typographic apostrophes:
# that is what is matched.
# ruff: noqa: RUF001

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources

LEXICON_FILE = "names.txt"

# Latin letters with accents; Latin Extended-A (U+0100-U+017F) holds Ł, Ś, Ż and their kin.
_UPPER = "A-ZÀ-ÖØ-Þ\u0100-\u017f"
_LOWER = "a-zß-öø-ÿ\u0100-\u017f"
# A capitalised word (hyphenated and apostrophe surnames included: "Morgan-Lawrence", "O'Brien").
# An apostrophe may follow the capital itself ("O'Donnell", "D'Angelo", "d' Heripon" is not).
_WORD = rf"[{_UPPER}](?:[{_LOWER}]+|['’][{_UPPER}][{_LOWER}]+)(?:[-'’][{_UPPER}]?[{_LOWER}]+)*"
_CAP_WORD = re.compile(_WORD)
# Surname particles that may stand between the parts of a name.
_PARTICLE = (
    r"(?:van der|van den|van de|von der|de la|de los|de las|van|von|de|del|della|di|da|das|dos"
    r"|du|le|la|ter|ten|zu|y|e|bin|al)"
)
_FULL_NAME = re.compile(rf"{_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_WORD}){{0,3}}")
_TOKEN = re.compile(_WORD)

_TITLES = re.compile(
    r"(?<![\w])(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Herr|Frau|Hr|Fr|M|Mme|Mlle|Monsieur|Madame|Sr|Sra|Srta"
    r"|Señor|Señora|Señorita|Don|Doña|Sig|Sig\.ra|Signor|Signora|Dott|Dott\.ssa|Dhr|Mevr|Mevrouw"
    r"|Meneer|Pan|Pani|Dona|Senhor|Senhora)\.?\s+"
)
_GREETINGS = re.compile(
    r"(?<![\w])(?:hi|hello|hey|dear|hallo|liebe|lieber|moin|servus|bonjour|salut|cher|chère|hola"
    r"|estimad[oa]|querid[oa]|ciao|gentile|car[oa]|beste|hoi|olá|oi|prezad[oa]|cześć|hej|hei"
    r"|thanks|thank you|danke|merci|gracias|grazie|bedankt|obrigad[oa])[ ,]+",
    re.IGNORECASE,
)
# Phrases after which a name follows. Strong ones say it outright; after weak ones ("I'm",
# "soy", "je suis": also "I'm late", "soy cliente") the word must be a known given name.
_STRONG_INTRO = re.compile(
    r"(?<![\w])(?:account holder|holder|contact:?|name|kontoinhaber(?:in)?|inhaber(?:in)?"
    r"|ansprechpartner(?:in)?:?|kontakt:?|titulaire|contact :|titular|contacto:?|intestatari[oa]"
    r"|referente:?|op naam van|au nom de|contato:?|my name is|my name's|name is|i am called"
    r"|full name|name:|named|called"
    r"|ich heiße|ich heisse|mein name ist|mein name lautet|name lautet|hier spricht|hier ist"
    r"|je m'appelle|je m’appelle|mon nom est|mon nom c'est|nom :|nom:"
    r"|me llamo|mi nombre es|nombre:|a nombre de|a la atención de|a la atencion de"
    r"|mi chiamo|il mio nome è|nome:|a nome di"
    r"|ik heet|mijn naam is|naam:|ten name van|t\.a\.v\.?"
    r"|meu nome é|me chamo|chamo-me|em nome de|aos cuidados de"
    r"|nazywam się|mam na imię|nazwisko:|attn:?|c/o|z rąk)\s*",
    re.IGNORECASE,
)
_WEAK_INTRO = re.compile(
    r"(?<![\w])(?:i'm|i’m|i am|this is|it's|ich bin|je suis|c'est|soy|sono|ik ben|sou|jestem"
    r"|to|for|from|an|für|von|à|pour|de la part de|para|per|voor|aan|dla|till|with|mit|avec|con"
    r"|com|und|and|et|y|e|ou|or|oder)\s+",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"(?<![\w])(?:regards|best|cheers|thanks|thank you|sincerely|grüße|gruß|grüsse|gruss|lg|mfg"
    r"|cordialement|bien à vous|merci|saludos|un saludo|atentamente|gracias|cordiali saluti|saluti"
    r"|grazie|groeten|met vriendelijke groet|groet|atenciosamente|abraços|obrigad[oa]|pozdrawiam"
    r"|hälsningar|mvh|med vänlig hälsning)[,!.]?\s*\n?\s*",
    re.IGNORECASE,
)
# Weak phrases at the start of a message introduce the writer: "Sono Marco, ...", "Met Jente".
_OPENING = re.compile(
    r"^\s*(?:i'm|i’m|this is|it's|ich bin|hier ist|c'est|soy|sono|met|aqui é|aquí|jestem)\s+",
    re.IGNORECASE,
)
_PARTICLES = {"le", "la", "de", "del", "della", "di", "da", "das", "dos", "du", "van", "von"}
# Titles stand before a name but are not part of it.
_TITLE_WORDS = {
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "herr", "frau", "hr", "fr", "m", "mme", "mlle",
    "monsieur", "madame", "sr", "sra", "srta", "señor", "señora", "don", "doña", "sig", "signor",
    "signora", "dott", "dhr", "mevr", "mevrouw", "meneer", "pan", "pani", "dona", "senhor",
    "senhora",
}  # fmt: skip
# Capitalised words that are not names although they stand where one could.
_NOT_NAMES = {
    "i", "the", "a", "an", "and", "or", "but", "my", "your", "our", "please", "thanks", "thank",
    "hello", "hi", "dear", "team", "support", "service", "customer", "order", "invoice", "street",
    "und", "der", "die", "das", "ein", "eine", "mein", "meine", "ihr", "ihre", "bitte", "danke",
    "le", "la", "les", "un", "une", "mon", "ma", "mes", "votre", "merci", "el", "los", "las",
    "mi", "su", "por", "favor", "il", "lo", "gli", "uno", "grazie", "het", "een", "mijn", "o",
    "os", "meu", "minha", "obrigado", "obrigada", "gracias", "ich", "je", "yo", "io", "ik", "eu",
}  # fmt: skip

# Chinese and Japanese.
_HAN = "\u4e00-\u9fff"
_KANA = "\u3040-\u309f\u30a0-\u30ff"
_ZH_INTRO = re.compile(
    r"(?:我叫|我是|我的名字是|我的名字叫|名字叫|本人|姓名|收件人|收货人|联系人|寄给|转交|交给|签收人"
    r"|户名|账户名|开户名|持卡人|私は|わたしは|名前は|名義は|名義|氏名|宛先|お届け先|受取人|担当の?)[：:\s]*"
)
_HONORIFICS = ("様", "さま", "さん", "殿", "と申します", "といいます", "宛", "先生", "女士", "小姐")
_JA_AFTER = re.compile(r"\s?(?:" + "|".join(_HONORIFICS) + ")")
# Japanese particles and the copula end a name written in kana or kanji ("伊藤 裕太です").
_PARTICLE_CHARS = set("とではがのにをもへや")
# Characters that end a name: grammar words that follow a name in Chinese.
_ZH_STOP = set("的是在了我你他她们和与及电话手机地址号码住要想请说吗呢吧，。、；：！？,.;:!? ")


@dataclass(frozen=True, slots=True)
class NameMatch:
    start: int
    end: int
    canonical: str


@dataclass(frozen=True, slots=True)
class Lexicon:
    given: frozenset[str]
    family: frozenset[str]
    family_han: tuple[str, ...]  # longest first, so that 欧阳 wins over 欧


@functools.cache
def lexicon() -> Lexicon:
    sections: dict[str, set[str]] = {"given": set(), "family": set(), "family_han": set()}
    current = ""
    text = resources.files("assistant.privacy").joinpath(LEXICON_FILE).read_text("utf-8")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            continue
        sections[current].update(
            word if current == "family_han" else word.casefold() for word in line.split()
        )
    return Lexicon(
        given=frozenset(sections["given"]),
        family=frozenset(sections["family"]),
        family_han=tuple(sorted(sections["family_han"], key=len, reverse=True)),
    )


# Local parts of shared mailboxes and placeholder names: "info@shop.de" names nobody, and
# redacting every "info" or "support" would blind the assistant.
_ROLE_WORDS = {
    "info", "contact", "kontakt", "contacto", "admin", "support", "sales", "ventas", "vertrieb",
    "mail", "email", "office", "hello", "hallo", "hola", "bonjour", "service", "servicio",
    "kundenservice", "atendimento", "noreply", "reply", "team", "help", "billing", "orders",
    "order", "shop", "webmaster", "postmaster", "customer", "kunde", "guest", "visitor", "user",
    "test", "anonymous",
}  # fmt: skip


def known_name_tokens(names: Iterable[str]) -> tuple[str, ...]:
    """The parts worth looking for of names and e-mail addresses the caller knows: "Ada
    Lovelace" -> ("Ada Lovelace", "Ada", "Lovelace"); "ada.lovelace@example.com" -> ("ada",
    "lovelace"). Parts shorter than three letters (two for Chinese and Japanese) are dropped:
    "Li" or "Jo" would match inside too many words."""
    tokens: list[str] = []
    for name in names:
        name = (name or "").strip()
        if "@" in name:
            name = re.sub(r"[0-9._+\-]+", " ", name.split("@", 1)[0])
        elif name and name.casefold() not in _ROLE_WORDS:
            tokens.append(name)
        for part in re.split(r"[\s,]+", name):
            cjk = any(_is_cjk(ch) for ch in part)
            if len(part) >= (2 if cjk else 3) and part.casefold() not in _ROLE_WORDS:
                tokens.append(part)
    return tuple(dict.fromkeys(tokens))


def find_names(text: str, known: tuple[str, ...] = ()) -> Iterator[NameMatch]:
    yield from _known(text, known)
    yield from _latin(text)
    if any(_is_cjk(ch) for ch in text):
        yield from _cjk(text)


def _known(text: str, known: tuple[str, ...]) -> Iterator[NameMatch]:
    if not known:
        return
    for match in _known_pattern(known).finditer(text):
        yield NameMatch(match.start(), match.end(), match.group(0).casefold())


@functools.lru_cache(maxsize=256)
def _known_pattern(known: tuple[str, ...]) -> re.Pattern[str]:
    parts = sorted(known, key=len, reverse=True)
    body = "|".join(re.escape(part) for part in parts)
    return re.compile(rf"(?<![\w])(?:{body})(?![\w])", re.IGNORECASE)


def _latin(text: str) -> Iterator[NameMatch]:
    words = lexicon()
    for match in _FULL_NAME.finditer(text):
        tokens = list(_TOKEN.finditer(match.group(0)))
        # The name may start at any word of the run: "Name Eva Naser", "Contact Anna Weber".
        for first in range(len(tokens)):
            found = _name_in_run(text, match.start(), tokens[first:], words)
            if found is not None:
                yield found
                break


def _name_in_run(
    text: str, offset: int, tokens: list[re.Match[str]], words: Lexicon
) -> NameMatch | None:
    """The name within a run of capitalised words, or None. The run is trimmed of leading words
    that cannot start a name ("Please", "Thanks")."""
    while tokens and tokens[0].group(0).casefold() in _NOT_NAMES | _TITLE_WORDS:
        tokens = tokens[1:]
    if not tokens:
        return None
    first = tokens[0].group(0).casefold()
    start = offset + tokens[0].start()
    end = offset + tokens[-1].end()
    before = text[max(0, start - 40) : start]
    strong = (
        _ends_with(_STRONG_INTRO, before)
        or _ends_with(_SIGN_OFF, before)
        or _OPENING.fullmatch(text[:start]) is not None
    )
    titled = _ends_with(_TITLES, before)
    # A given name and a capitalised word; or a capitalised word and a surname after "to",
    # "for", "an" ... (German capitalises every noun: "Farbe Schwarz" is a colour).
    weak = _ends_with(_WEAK_INTRO, before) or _ends_with(_GREETINGS, before)
    many = len(tokens) >= 2 and (
        first in words.given or (weak and tokens[1].group(0).casefold() in words.family)
    )
    single_given = first in words.given and weak
    second = tokens[1].group(0).casefold() if len(tokens) >= 2 else ""
    if second in _NOT_NAMES and not (second in _PARTICLES and len(tokens) >= 3):
        end = offset + tokens[0].end()
        many = False
    if not (strong or titled or many or single_given):
        return None
    return NameMatch(start, end, text[start:end].casefold())


def _ends_with(pattern: re.Pattern[str], before: str) -> bool:
    return any(m.end() == len(before) for m in pattern.finditer(before))


def _cjk(text: str) -> Iterator[NameMatch]:
    words = lexicon()
    # After an introducing phrase: a known surname and one to three more characters.
    for intro in _ZH_INTRO.finditer(text):
        found = _han_name_at(text, intro.end(), words)
        if found is not None:
            yield found
    # Before an honorific, or a Japanese "family given" pair with a space.
    for match in _han_surnames(words.family_han).finditer(text):
        start = match.start()
        # Inside a longer word, unless what stands before is a Japanese particle ("交換品は").
        if start > 0 and re.match(f"[{_HAN}]", text[start - 1]) and not _after_intro(text, start):
            continue
        found = _han_name_at(text, start, words, need_honorific=True)
        if found is not None:
            yield found


@functools.cache
def _han_surnames(surnames: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(s) for s in surnames))


def _after_intro(text: str, start: int) -> bool:
    return any(m.end() == start for m in _ZH_INTRO.finditer(text, max(0, start - 8), start))


def _han_name_at(
    text: str, start: int, words: Lexicon, *, need_honorific: bool = False
) -> NameMatch | None:
    surname = next((s for s in words.family_han if text.startswith(s, start)), None)
    if surname is None:
        return None
    position = start + len(surname)
    spaced = position < len(text) and text[position] in " \u3000"
    if spaced:
        position += 1
    given_end = position
    while (
        given_end < len(text)
        and given_end - position < 3
        and re.match(f"[{_HAN}{_KANA}]", text[given_end])
        and text[given_end] not in _ZH_STOP
        and text[given_end] not in _PARTICLE_CHARS
        and not text.startswith(_HONORIFICS, given_end)
    ):
        given_end += 1
    if given_end == position:
        # A surname alone before an honorific: "田中と申します", "王先生".
        if not spaced and _JA_AFTER.match(text, position):
            return NameMatch(start, position, text[start:position])
        return None
    end = given_end
    honorific = _JA_AFTER.match(text, end)
    if honorific is None and given_end - position == 3 and not spaced:
        end -= 1  # a three-character given name is rare: the third is usually the next word
        honorific = _JA_AFTER.match(text, end)
    if need_honorific and honorific is None and not spaced:
        return None
    return NameMatch(start, end, text[start:end])


def _is_cjk(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff"
