"""Find personal data in free text: e-mail addresses, phone numbers, payment cards, IBANs,
national identifiers and an administrator's own patterns.

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

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher, PhoneNumberType
from stdnum import iban as stdnum_iban
from stdnum import luhn

from .national_ids import SUPPORTED_COUNTRIES, canonical_id, find_national_ids

EMAIL = "EMAIL"
PHONE = "PHONE"
CARD = "CARD"
IBAN = "IBAN"
NATIONAL_ID = "NATIONAL_ID"
BUILTIN_KINDS: tuple[str, ...] = (EMAIL, PHONE, CARD, IBAN, NATIONAL_ID)

DEFAULT_PHONE_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "CN", "FR", "ES", "JP", "IN")
# The same countries as the phone regions. Identifiers with a weak check (DE, IN, JP, bare US
# SSNs) are only taken after a keyword naming them, so enabling a country costs little precision.
DEFAULT_NATIONAL_ID_COUNTRIES: tuple[str, ...] = ("US", "GB", "DE", "CN", "FR", "ES", "JP", "IN")

# When two candidates overlap and neither contains the other, the more trustworthy kind wins:
# validated structures before the phone matcher, which is the loosest. Custom patterns sit
# between, since an administrator wrote them on purpose.
_PRIORITY = {EMAIL: 60, IBAN: 50, CARD: 50, NATIONAL_ID: 40, PHONE: 20}
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
        *_national_id_spans(folded, config.national_id_countries),
        *find_custom(folded, config.custom_patterns),
        *find_phones(folded, config.phone_regions),
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

# Digit groups separated by single spaces or dashes, not glued to letters (a tracking number
# like SF1234567890123 is not a card).
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9]+(?:[ \-][0-9]+)*(?![0-9A-Za-z])")
_GROUP = re.compile(r"[0-9]+")

# Issuer ranges (first digits) and card lengths of the networks in use. A Luhn check alone would
# let one random digit string in ten through; long order numbers are common in Chinese shops,
# and 13-digit EAN barcodes (which start with 4 in Germany, 69 in China) are all over product
# questions, so no 13-digit length is accepted.
_CARD_RANGES: tuple[tuple[tuple[int, int], tuple[int, ...]], ...] = (
    ((4, 4), (16, 19)),  # Visa (13-digit Visa cards are no longer issued)
    ((51, 55), (16,)),  # Mastercard
    ((2221, 2720), (16,)),  # Mastercard 2-series
    ((34, 34), (15,)),  # American Express
    ((37, 37), (15,)),
    ((6011, 6011), (16, 17, 18, 19)),  # Discover
    ((644, 649), (16, 17, 18, 19)),
    ((65, 65), (16, 17, 18, 19)),
    ((3528, 3589), (16, 17, 18, 19)),  # JCB
    ((62, 62), (16, 17, 18, 19)),  # UnionPay
    ((300, 305), (14, 16)),  # Diners Club
    ((36, 36), (14, 16)),
    ((38, 39), (14, 16)),
    ((50, 50), (16, 19)),  # Maestro
    ((56, 69), (16, 19)),
)


def plausible_card(digits: str) -> bool:
    if not 13 <= len(digits) <= 19 or not luhn.is_valid(digits):
        return False
    for (low, high), lengths in _CARD_RANGES:
        width = len(str(low))
        if low <= int(digits[:width]) <= high and len(digits) in lengths:
            return True
    return False


# How card numbers are printed: groups of four (the last may be shorter, 19-digit cards end in
# three), Amex 4-6-5, Diners 4-6-4. A run grouped otherwise ("112-7654321-1234567") is an order
# or reference number, whatever its checksum.
_CARD_GROUPINGS = re.compile(r"4(?:,4)*(?:,[1-4])?|4,6,5|4,6,4")


def find_cards(text: str) -> Iterator[Span]:
    for run in _DIGIT_RUN.finditer(text):
        groups = [(m.start() + run.start(), m.end() + run.start()) for m in _GROUP.finditer(run[0])]
        i = 0
        while i < len(groups):
            best: int | None = None
            digits = ""
            for j in range(i, len(groups)):
                digits += text[groups[j][0] : groups[j][1]]
                if len(digits) > 19:
                    break
                if plausible_card(digits) and _card_grouping(groups[i : j + 1]):
                    best = j
            if best is None:
                i += 1
                continue
            start, end = groups[i][0], groups[best][1]
            value = text[start:end]
            yield Span(start, end, CARD, value, re.sub(r"[^0-9]", "", value))
            i = best + 1


def _card_grouping(groups: Sequence[tuple[int, int]]) -> bool:
    if len(groups) == 1:
        return True
    return (
        _CARD_GROUPINGS.fullmatch(",".join(str(end - start) for start, end in groups)) is not None
    )


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


# --- phone numbers ------------------------------------------------------------------------------

# Words that say "a phone number follows". With one of them shortly before it, a number that is
# merely *possible* (right length, e.g. a fictional 555 number or a new range the metadata does
# not know yet) is taken too; without, only numbers valid in some region are.
_PHONE_WORDS = re.compile(
    r"(?<![a-z])(?:(?:tele)?phone|call|tel\b|mobile|cell|whatsapp|text me|reach me|sms"
    r"|teléfono|telefono|móvil|movil|llám|llam|celular"
    r"|telefon|handy|rufnummer|anruf|ruf mich"
    r"|téléphone|portable|appel)"
    r"|电话|手机|致电|联系方式|打我|微信|電話|携帯",
    re.IGNORECASE,
)
_PHONE_CONTEXT_WINDOW = 30
_MIN_CONTEXT_DIGITS = 7
_MIN_DIGITS = 6


# Types of number that belong to businesses (hotlines, shared-cost and premium lines). A number
# is skipped only when every region that accepts it says so: "1-800-555-0199" is a US toll-free
# line but also a valid Chinese mobile number, and then it is redacted.
_BUSINESS_TYPES = {
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.UAN,
}


# Dates that some regions' numbering plans would accept (03.04.2024 is a valid 8-digit number in
# places). The matcher itself only excludes slash-separated dates.
_DATE = re.compile(
    r"(?:0?[1-9]|[12][0-9]|3[01])[./\-](?:0?[1-9]|[12][0-9]|3[01])[./\-](?:[0-9]{2}|[0-9]{4})"
    r"|[0-9]{4}[./\-](?:0?[1-9]|1[0-2])[./\-](?:0?[1-9]|[12][0-9]|3[01])"
)


def find_phones(text: str, regions: Sequence[str]) -> Iterator[Span]:
    if sum(ch.isdigit() for ch in text) < _MIN_DIGITS:
        return  # cheap exit: most chat messages hold no number at all
    found: dict[tuple[int, int], Span] = {}
    business: dict[tuple[int, int], bool] = {}
    for region in regions:
        for match in PhoneNumberMatcher(text, region, leniency=Leniency.VALID):
            if _digits(match.raw_string) < _MIN_CONTEXT_DIGITS or _DATE.fullmatch(match.raw_string):
                continue  # a 4-digit "pager number" is a quantity or a year; 03.04.2024 a date
            key = (match.start, match.end)
            found.setdefault(key, _phone_span(match))
            is_business = phonenumbers.number_type(match.number) in _BUSINESS_TYPES
            business[key] = business.get(key, True) and is_business
    if "+" in text or _PHONE_WORDS.search(text):
        for region in regions:
            for match in PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE):
                key = (match.start, match.end)
                if key not in found and _believable(text, match):
                    found[key] = _phone_span(match)
    yield from (span for key, span in found.items() if not business.get(key, False))


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _believable(text: str, match: Any) -> bool:
    if _digits(match.raw_string) < _MIN_CONTEXT_DIGITS:
        return False
    if match.raw_string.startswith("+"):
        return True
    before = text[max(0, match.start - _PHONE_CONTEXT_WINDOW) : match.start]
    return _PHONE_WORDS.search(before) is not None


def _phone_span(match: Any) -> Span:
    canonical = phonenumbers.format_number(match.number, PhoneNumberFormat.E164)
    return Span(match.start, match.end, PHONE, match.raw_string, canonical)
