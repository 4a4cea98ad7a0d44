"""Find personal data in free text: e-mail addresses, phone numbers, payment cards, IBANs,
national identifiers, IP addresses, personal names, postal addresses and an administrator's own
patterns. Each kind has its own module (phones.py, cards.py, national_ids.py, network.py,
names.py, addresses.py); this one holds the configuration, runs them and resolves overlaps.

Each detector yields `Span`s with character offsets into the text it was given. Candidates are
confirmed where a check exists (Luhn for cards, mod-97 for IBANs, stdnum checksums for national
ids, phonenumbers' validity metadata for phones), because in customer-service chat most long
digit strings are order, tracking and product numbers that the assistant needs to see.

Chinese and Japanese text has no spaces, and Python's `\\b` treats CJK characters as word
characters, so no pattern here relies on `\\b`: boundaries are written as look-arounds on ASCII
letters and digits. Full-width digits and letters (U+FF10 on) are folded to ASCII first,
one character for one, so offsets stay valid in the original text.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from stdnum import iban as stdnum_iban

from . import addresses, cards, names, network, phones
from .national_ids import SUPPORTED_COUNTRIES, canonical_id, find_national_ids
from .regions import DEFAULT_REGIONS

EMAIL = "EMAIL"
PHONE = "PHONE"
CARD = "CARD"
IBAN = "IBAN"
NATIONAL_ID = "NATIONAL_ID"
IP_ADDRESS = "IP_ADDRESS"
NAME = "NAME"
ADDRESS = "ADDRESS"
# Kinds with a structure that a check confirms, and kinds found by rules and word lists.
STRUCTURED_KINDS: tuple[str, ...] = (EMAIL, PHONE, CARD, IBAN, NATIONAL_ID, IP_ADDRESS)
BUILTIN_KINDS: tuple[str, ...] = (*STRUCTURED_KINDS, NAME, ADDRESS)

DEFAULT_PHONE_REGIONS: tuple[str, ...] = DEFAULT_REGIONS
# The same countries, where identifier rules exist (Cyprus, Hungary, Liechtenstein, Luxembourg
# and Malta have no personal identifier in python-stdnum). Identifiers with a weak check are
# only taken after a keyword naming them, so enabling a country costs little precision.
DEFAULT_NATIONAL_ID_COUNTRIES: tuple[str, ...] = tuple(
    c for c in DEFAULT_REGIONS if c in SUPPORTED_COUNTRIES
)

# When two candidates overlap and neither contains the other, the more trustworthy kind wins:
# validated structures first, then the rules for addresses and names, then the phone check,
# which accepts the most shapes. Custom patterns sit between, since an administrator wrote them
# on purpose.
_PRIORITY = {
    EMAIL: 60,
    IBAN: 50,
    CARD: 50,
    IP_ADDRESS: 45,
    NATIONAL_ID: 40,
    ADDRESS: 25,
    NAME: 22,
    PHONE: 20,
}
_CUSTOM_PRIORITY = 30

_CUSTOM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")


@dataclass(frozen=True, slots=True)
class Span:
    """One piece of personal data: `text[start:end] == value`.

    `canonical` is the normalised value (E.164 phone, lower-case e-mail, digits of a card) so
    that the same number written two ways gets the same placeholder.
    """

    start: int
    end: int
    kind: str
    value: str
    canonical: str = ""

    @property
    def key(self) -> str:
        return self.canonical or self.value

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end and len(self) > len(other)

    def __len__(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class CustomPattern:
    """An administrator's pattern (e.g. order numbers): `name` becomes the placeholder kind."""

    name: str
    regex: str
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _CUSTOM_NAME.fullmatch(self.name or ""):
            raise ValueError(
                f"custom pattern name {self.name!r}: use 1-32 letters, digits or _, "
                "starting with a letter"
            )
        if self.kind in BUILTIN_KINDS:
            raise ValueError(f"custom pattern name {self.name!r} is a built-in kind")
        try:
            compiled = re.compile(self.regex)
        except re.error as error:
            raise ValueError(f"custom pattern {self.name!r}: invalid regex ({error})") from error
        if compiled.fullmatch(""):
            raise ValueError(f"custom pattern {self.name!r} matches empty text")
        object.__setattr__(self, "compiled", compiled)

    @property
    def kind(self) -> str:
        return self.name.upper()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CustomPattern:
        return cls(name=str(data.get("name", "")), regex=str(data.get("regex", "")))


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS
    national_id_countries: tuple[str, ...] = DEFAULT_NATIONAL_ID_COUNTRIES
    custom_patterns: tuple[CustomPattern, ...] = ()
    # Names the conversation is known to contain: the contact's name and e-mail address, the
    # agents' names. Stored as the parts to look for (names.known_name_tokens).
    known_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        regions = tuple(r.upper() for r in self.phone_regions)
        unknown = [r for r in regions if r not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(f"unknown phone regions: {', '.join(unknown)}")
        countries = tuple(c.upper() for c in self.national_id_countries)
        unsupported = [c for c in countries if c not in SUPPORTED_COUNTRIES]
        if unsupported:
            raise ValueError(
                f"no national identifier rules for: {', '.join(unsupported)} "
                f"(supported: {', '.join(SUPPORTED_COUNTRIES)})"
            )
        kinds = [p.kind for p in self.custom_patterns]
        if len(set(kinds)) != len(kinds):
            raise ValueError("two custom patterns have the same name")
        object.__setattr__(self, "phone_regions", regions)
        object.__setattr__(self, "national_id_countries", countries)
        object.__setattr__(self, "known_names", names.known_name_tokens(self.known_names))

    def with_known_names(self, *people: str) -> DetectorConfig:
        """This configuration, also looking for these names (and e-mail addresses' local
        parts) wherever they appear."""
        return dataclasses.replace(self, known_names=(*self.known_names, *people))

    @classmethod
    def build(
        cls,
        *,
        phone_regions: Sequence[str] | None = None,
        national_id_countries: Sequence[str] | None = None,
        custom_patterns: Iterable[Mapping[str, Any]] = (),
    ) -> DetectorConfig:
        """From plain (JSON) values; None keeps the default."""
        return cls(
            phone_regions=tuple(phone_regions)
            if phone_regions is not None
            else DEFAULT_PHONE_REGIONS,
            national_id_countries=tuple(national_id_countries)
            if national_id_countries is not None
            else DEFAULT_NATIONAL_ID_COUNTRIES,
            custom_patterns=tuple(CustomPattern.from_dict(p) for p in custom_patterns),
        )


DEFAULT_CONFIG = DetectorConfig()


def detect(text: str, config: DetectorConfig = DEFAULT_CONFIG) -> list[Span]:
    """Every piece of personal data in `text`, non-overlapping, in order."""
    return list(_detect(text, config))


# A reply turn redacts the whole recent history again (up to 40 messages), and the phone matcher
# costs a few milliseconds per message that holds digits: remembering recent results keeps
# that off the time to first token. Results depend only on the text and the configuration.
@functools.lru_cache(maxsize=4096)
def _detect(text: str, config: DetectorConfig) -> tuple[Span, ...]:
    folded = fold_width(text)
    candidates: list[Span] = [
        *find_emails(folded),
        *find_ibans(folded),
        *find_cards(folded),
        *find_ip_addresses(folded),
        *_national_id_spans(folded, config.national_id_countries),
        *find_custom(folded, config.custom_patterns),
        *find_phones(folded, config.phone_regions),
        *find_names(folded, config.known_names),
        *find_addresses(folded),
    ]
    # Values are cut from the original text: the folded copy is only for matching.
    return tuple(
        Span(s.start, s.end, s.kind, text[s.start : s.end], s.canonical)
        for s in resolve_overlaps(candidates)
    )


def resolve_overlaps(candidates: Iterable[Span]) -> list[Span]:
    """Keep non-overlapping spans: a span inside a longer one loses (the longer one covers it
    anyway); between partly overlapping spans the higher-priority kind wins."""
    spans = list(candidates)
    outer = [s for s in spans if not any(o.contains(s) for o in spans)]
    outer.sort(key=lambda s: (-_priority(s.kind), -len(s), s.start))
    chosen: list[Span] = []
    for span in outer:
        if not any(span.overlaps(c) for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def _priority(kind: str) -> int:
    return _PRIORITY.get(kind, _CUSTOM_PRIORITY)


# --- width folding ------------------------------------------------------------------------------

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space map one-to-one onto ASCII.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fold_width(text: str) -> str:
    return text.translate(_FOLD)


# --- e-mail -------------------------------------------------------------------------------------

# Latin letters with accents are allowed (jürgen@bäckerei.de), CJK ones are not: in Chinese text
# the address follows the words without a space ("邮箱是wang@example.cn"), and a local part
# that took CJK letters would swallow the sentence before it.
_EMAIL_CHAR = "A-Za-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_EMAIL = re.compile(
    rf"(?<![{_EMAIL_CHAR}._%+\-])"
    rf"[{_EMAIL_CHAR}][{_EMAIL_CHAR}._%+\-]*@"
    rf"(?:[{_EMAIL_CHAR}](?:[{_EMAIL_CHAR}\-]{{0,61}}[{_EMAIL_CHAR}])?\.)+[A-Za-z]{{2,24}}"
    rf"(?![{_EMAIL_CHAR}\-])"
)


def find_emails(text: str) -> Iterator[Span]:
    for match in _EMAIL.finditer(text):
        yield Span(match.start(), match.end(), EMAIL, match.group(0), match.group(0).lower())


# --- payment cards ------------------------------------------------------------------------------


def find_cards(text: str) -> Iterator[Span]:
    for found in cards.find_cards(text):
        yield Span(found.start, found.end, CARD, text[found.start : found.end], found.digits)


# --- IBAN ---------------------------------------------------------------------------------------

_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]){10,34}")


def find_ibans(text: str) -> Iterator[Span]:
    for match in _IBAN.finditer(text):
        # The pattern may run on into the next word ("... 0130 00 BIC COBADEFF"): take the
        # longest prefix that is a valid IBAN and ends where a group of characters ends.
        candidate = match.group(0)
        for end in range(len(candidate), 14, -1):
            if candidate[end - 1] == " ":
                continue
            after = text[match.start() + end : match.start() + end + 1]
            if after and after.isascii() and after.isalnum():
                continue
            value = candidate[:end]
            compact = value.replace(" ", "").upper()
            if stdnum_iban.is_valid(compact):
                yield Span(match.start(), match.start() + end, IBAN, value, compact)
                break


# --- national identifiers ----------------------------------------------------------------------


def _national_id_spans(text: str, countries: tuple[str, ...]) -> Iterator[Span]:
    for found in find_national_ids(text, countries):
        yield Span(
            found.start,
            found.end,
            NATIONAL_ID,
            found.value,
            f"{found.country}:{canonical_id(found.value)}",
        )


# --- custom patterns ----------------------------------------------------------------------------


def find_custom(text: str, patterns: Sequence[CustomPattern]) -> Iterator[Span]:
    for pattern in patterns:
        for match in pattern.compiled.finditer(text):
            if match.end() > match.start():
                yield Span(match.start(), match.end(), pattern.kind, match.group(0))


# --- phone numbers, IP addresses, names, postal addresses -------------------------------------


def find_phones(text: str, regions: Sequence[str]) -> Iterator[Span]:
    for found in phones.find_phones(text, regions):
        yield Span(found.start, found.end, PHONE, found.raw, found.e164)


def find_ip_addresses(text: str) -> Iterator[Span]:
    for found in network.find_ip_addresses(text):
        value = text[found.start : found.end]
        yield Span(found.start, found.end, IP_ADDRESS, value, found.canonical)


def find_names(text: str, known: tuple[str, ...] = ()) -> Iterator[Span]:
    for found in names.find_names(text, known):
        yield Span(found.start, found.end, NAME, text[found.start : found.end], found.canonical)


def find_addresses(text: str) -> Iterator[Span]:
    for found in addresses.find_addresses(text):
        value = text[found.start : found.end]
        yield Span(found.start, found.end, ADDRESS, value, " ".join(value.casefold().split()))
