"""Phone numbers: one scan of the text for number-shaped candidates, then phonenumbers' metadata.

phonenumbers' own `PhoneNumberMatcher` scans the whole text once per region, which made the
cost grow with every country added (about 0.3 ms per region for a short message). Here the text
is scanned once; each candidate is then parsed against the configured regions in order and
accepted at the first region where it is a valid personal number, so a real phone number
usually costs one or two parses and only number-shaped non-phones cost one per region.

What is not a phone, although some numbering plan would accept it:
- a reference: a candidate right after "order", "invoice", "Bestellung", "订单" ... with no phone
  word closer to it, or right after "#", or glued to letters ("INV-2024-628703");
- an identifier: right after the name of an identity or tax number ("SSN", "PESEL", "身份证"),
  whether or not its check digit is right;
- a barcode or tracking number: an unbroken run of 12 or more digits without "+" or a phone word;
- a date (03.04.2024), a dotted IPv4 address, a run of fewer than 7 digits;
- a premium-rate line, and a toll-free, shared-cost or "UAN" line written next to words that name
  a company's line ("hotline", "客服", "Kundenservice"); without them such numbers are redacted,
  since people do give out UK 03 and freephone numbers as their own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

from . import context

MIN_DIGITS = 7
MAX_DIGITS = 15
# Unbroken digit runs this long are barcodes (UPC-12, EAN-13), tracking or order numbers.
UNBROKEN_REFERENCE = 12

# Digit groups joined by one separator (space, dash, dot, slash) or brackets around an area
# code; an optional "+" or "00" in front. Not glued to letters, digits or a code's dash before.
_CANDIDATE = re.compile(
    r"(?<![0-9A-Za-z+#])(?<![A-Za-z0-9][\-/.])(?<![0-9][,])"
    r"(?:\+ ?|\(\+?)?[0-9]+(?:(?:[ \-./]|\)[ \-]?| ?\(|\. )[0-9]+){0,7}\)?"
    # Not glued to what follows, except an extension written with "x" ("...6317x066").
    r"(?![0-9A-Za-wyz])(?!x[^0-9])(?![\-/.][0-9A-Za-z])"
)
_DATE = re.compile(
    r"(?:0?[1-9]|[12][0-9]|3[01])[./\-](?:0?[1-9]|[12][0-9]|3[01])[./\-](?:[0-9]{2}|[0-9]{4})"
    r"|[0-9]{4}[./\-](?:0?[1-9]|1[0-2])[./\-](?:0?[1-9]|[12][0-9]|3[01])"
)
_DOTTED_QUAD = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
# A year first ("2024-0412", "2024-03-15 14:32"): a reference or a date, not a phone.
_YEAR_FIRST = re.compile(r"(?:19|20)[0-9]{2}[\-/.]")
# Three or more groups of exactly four digits: how cards, loyalty and serial numbers are printed,
# not phone numbers.
_FOURS = re.compile(r"[0-9]{4}(?:[ \-.][0-9]{4}){2,}")
# An extension after the number belongs to it: "555-0132 ext. 12", "217-977-6317x066".
_EXTENSION = re.compile(
    r"\s?(?:ext\.?|extension|x|#|durchwahl|dw\.?|poste|int\.?|内线|分机)\s?[0-9]{1,5}(?![0-9])",
    re.IGNORECASE,
)

_ALWAYS_BUSINESS = {PhoneNumberType.PREMIUM_RATE}
_COMPANY_LINE_TYPES = {
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.UAN,
}
_CONTEXT = {
    "phone": context.PHONE,
    "reference": context.REFERENCE,
    "identifier": context.IDENTIFIER,
}


@dataclass(frozen=True, slots=True)
class PhoneMatch:
    start: int
    end: int
    raw: str
    e164: str


def find_phones(text: str, regions: Sequence[str]) -> Iterator[PhoneMatch]:
    if sum(ch.isdigit() for ch in text) < MIN_DIGITS:
        return  # cheap exit: most chat messages hold no number at all
    for match in _CANDIDATE.finditer(text):
        found = _phone_in(text, match.start(), match.group(0), tuple(regions))
        if found is not None:
            yield found


def _phone_in(text: str, start: int, raw: str, regions: tuple[str, ...]) -> PhoneMatch | None:
    """The candidate as a phone number. It is judged whole: a run of digit groups longer than
    any phone number (an invalid card, the middle of an IBAN, an invoice key) holds no phone
    number in its first groups either."""
    raw = raw.rstrip(".")
    if raw.endswith(")") and "(" not in raw:
        raw = raw[:-1]
    return _judge(text, start, raw, regions)


def _judge(text: str, start: int, raw: str, regions: tuple[str, ...]) -> PhoneMatch | None:
    digits = _digits(raw)
    if (
        not MIN_DIGITS <= digits <= MAX_DIGITS + 2
        or _DATE.fullmatch(raw)
        or _DOTTED_QUAD.fullmatch(raw)
        or _YEAR_FIRST.match(raw)
        or _FOURS.fullmatch(raw)
    ):
        return None
    international = raw.startswith(("+", "(+")) or raw.startswith("00")
    said = context.nearest_before(text, start, _CONTEXT)
    if said in ("reference", "identifier") or text[max(0, start - 1) : start] == "#":
        return None
    if raw.isdigit() and digits >= UNBROKEN_REFERENCE and said != "phone" and not international:
        return None
    end = start + len(raw)
    company_line = context.has_before(
        text, start, context.COMPANY_LINE, window=48
    ) or context.has_after(text, end, context.COMPANY_LINE, window=24)
    number, valid = _parse(raw, regions, international, company_line=company_line)
    if number is None and not valid and (said == "phone" or international):
        # A merely *possible* number (right length for its region, e.g. a fictional 555 number
        # or a range newer than the metadata) counts only when the customer said it is a phone,
        # or wrote it with its country code.
        number = _possible(raw, regions, international)
    if number is None:
        return None
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    extension = _EXTENSION.match(text, end)
    if extension is not None:
        end = extension.end()
    return PhoneMatch(start, end, text[start:end], e164)


def _parse(
    raw: str, regions: tuple[str, ...], international: bool, *, company_line: bool
) -> tuple[PhoneNumber | None, bool]:
    """The reading of `raw` to redact, if any, and whether it is a valid number at all.

    A personal reading in any region wins (phonenumbers reads some 10-digit strings as valid in
    several regions); a toll-free, shared-cost or UAN reading counts as personal unless the
    customer's words name a company's line, and a premium-rate line never does."""
    fallback: PhoneNumber | None = None
    valid = False
    for region in ("ZZ",) if international else regions:
        number = _parsed(_international_form(raw) if international else raw, region)
        if number is None or not phonenumbers.is_valid_number(number):
            continue
        valid = True
        kind = phonenumbers.number_type(number)
        if kind in _ALWAYS_BUSINESS:
            continue
        if kind in _COMPANY_LINE_TYPES:
            if company_line:
                return None, True  # "客服电话400-820-8820": the company's own hotline
            fallback = fallback or number
        elif not company_line:
            return number, True
        else:
            fallback = fallback or number
    return fallback, valid


def _possible(raw: str, regions: tuple[str, ...], international: bool) -> PhoneNumber | None:
    for region in ("ZZ",) if international else regions:
        number = _parsed(_international_form(raw) if international else raw, region)
        if number is not None and phonenumbers.is_possible_number(number):
            return number
    return None


def _international_form(raw: str) -> str:
    stripped = raw.lstrip("(")
    return "+" + stripped[2:] if stripped.startswith("00") else stripped


@functools.lru_cache(maxsize=8192)
def _parsed(raw: str, region: str) -> PhoneNumber | None:
    try:
        return phonenumbers.parse(raw, region)
    except NumberParseException:
        return None


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)
