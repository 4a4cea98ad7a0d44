"""Payment card numbers: Luhn, a real issuer range and length, the way cards are printed, and no
card inside a longer number.

A Luhn check alone lets one random digit string in ten through, and support chats are full of
long numbers: Chinese order numbers of 19 digits, 44-digit Brazilian invoice keys printed in
groups of four, 13-digit EAN barcodes. So a card must also
- start with an issuer's range and have one of its lengths (Maestro: 12 to 19 digits);
- be printed as cards are (groups of four, Amex 4-6-5, Diners 4-6-4, or unbroken), and be the
  whole digit run it stands in, apart from a short trailing group (an expiry year, a CVV);
- when the length is unusual for a card and usual for something else (12-15 unbroken digits, as
  barcodes and Maestro share; 17-19 unbroken digits, as order numbers), have a card word before
  it ("card", "Karte", "卡号");
- not follow a reference word ("order", "订单", "nota fiscal") unless a card word is closer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from stdnum import ean, luhn

from . import context

# Digit groups separated by single spaces or dashes, not glued to letters (a tracking number
# like SF1234567890123 is not a card).
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9]+(?:[ \-][0-9]+)*(?![0-9A-Za-z])")
_GROUP = re.compile(r"[0-9]+")

# (first digits low, high), card lengths.
CARD_RANGES: tuple[tuple[tuple[int, int], tuple[int, ...]], ...] = (
    ((4, 4), (16, 19)),  # Visa (13-digit Visa cards are no longer issued)
    ((51, 55), (16,)),  # Mastercard
    ((2221, 2720), (16,)),  # Mastercard 2-series
    ((34, 34), (15,)),  # American Express
    ((37, 37), (15,)),
    ((6011, 6011), (16, 17, 18, 19)),  # Discover
    ((644, 649), (16, 17, 18, 19)),
    ((65, 65), (16, 17, 18, 19)),
    # JCB is 3528-3589; the rest of 35 is printed on co-branded and older JCB cards too.
    ((35, 35), (16, 17, 18, 19)),
    ((62, 62), (16, 17, 18, 19)),  # UnionPay
    ((300, 305), (14, 16, 17, 18, 19)),  # Diners Club
    ((36, 36), (14, 16, 17, 18, 19)),
    ((38, 39), (14, 16, 17, 18, 19)),
    ((50, 50), tuple(range(12, 20))),  # Maestro
    ((56, 69), tuple(range(12, 20))),
    ((2200, 2204), (16, 17, 18, 19)),  # Mir
    ((60, 60), (16,)),  # RuPay
    ((81, 82), (16,)),
    ((508, 508), (16,)),
)

# Lengths that cards share with other common numbers when written without spaces.
_NEEDS_CARD_WORD_UNBROKEN = {12, 13, 14, 15, 17, 18, 19}
# How a card is printed: groups of four (the last may be shorter, 19-digit cards end in three),
# Amex 4-6-5, Diners 4-6-4.
_GROUPINGS = re.compile(r"4(?:,4)*(?:,[1-4])?|4,6,5|4,6,4")
# What may follow a card in the same digit run: an expiry year or a CVV.
_MAX_TRAILING_DIGITS = 4
_CONTEXT = {"card": context.CARD, "reference": context.REFERENCE}


@dataclass(frozen=True, slots=True)
class CardMatch:
    start: int
    end: int
    digits: str


def issuer_accepts(digits: str) -> bool:
    """A real issuer range with one of its lengths, and a valid Luhn check digit."""
    if not 12 <= len(digits) <= 19 or not luhn.is_valid(digits):
        return False
    for (low, high), lengths in CARD_RANGES:
        width = len(str(low))
        if low <= int(digits[:width]) <= high and len(digits) in lengths:
            return True
    return False


def find_cards(text: str) -> Iterator[CardMatch]:
    for run in _DIGIT_RUN.finditer(text):
        found = _card_at_start_of(text, run)
        if found is not None:
            yield found


def _card_at_start_of(text: str, run: re.Match[str]) -> CardMatch | None:
    """The longest card at the start of the digit run, if only a short group follows it."""
    groups = [(m.start() + run.start(), m.end() + run.start()) for m in _GROUP.finditer(run[0])]
    total = sum(end - start for start, end in groups)
    digits = ""
    best: CardMatch | None = None
    for last, (_start, end) in enumerate(groups):
        digits += text[_start:end]
        if len(digits) > 19:
            break
        if total - len(digits) > _MAX_TRAILING_DIGITS or not issuer_accepts(digits):
            continue
        if _printed_like_a_card(groups[: last + 1]) and _plausible_here(
            text, run.start(), digits, unbroken=last == 0
        ):
            best = CardMatch(run.start(), end, digits)
    return best


def _printed_like_a_card(groups: Sequence[tuple[int, int]]) -> bool:
    if len(groups) == 1:
        return True
    return _GROUPINGS.fullmatch(",".join(str(end - start) for start, end in groups)) is not None


def _plausible_here(text: str, start: int, digits: str, *, unbroken: bool) -> bool:
    said = context.nearest_before(text, start, _CONTEXT, window=40)
    if said == "reference":
        return False
    if unbroken and len(digits) in _NEEDS_CARD_WORD_UNBROKEN:
        return said == "card" and not (len(digits) == 13 and ean.is_valid(digits))
    return True
