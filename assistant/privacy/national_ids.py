"""National identifiers by country: a format pattern to find candidates, a checksum to confirm them.

Every number is confirmed by python-stdnum's validator (or, for the UK, by the published format
rules, because stdnum has no National Insurance number module). Identifiers whose check is weak
(a single check digit, so roughly one random digit string in ten passes) are only taken when a
keyword naming the identifier stands shortly before them: otherwise every 9- to 12-digit order
or tracking number would be at risk of redaction. Strong ones (a check letter, a date plus a
check digit, a 97-modulus key) are taken anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from stdnum.br import cpf
from stdnum.cn import ric
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.in_ import aadhaar
from stdnum.it import codicefiscale
from stdnum.jp import in_ as my_number
from stdnum.nl import bsn
from stdnum.us import ssn

# How far before a candidate a context keyword may stand (characters).
CONTEXT_WINDOW = 40

_NOT_DIGIT_BEFORE = r"(?<![0-9A-Za-z+])"
_NOT_DIGIT_AFTER = r"(?![0-9A-Za-z])"


@dataclass(frozen=True, slots=True)
class IdRule:
    """One way of writing one country's identifier."""

    country: str
    name: str
    pattern: re.Pattern[str]
    validate: Callable[[str], bool]
    # Lower-case words of which one must appear just before the candidate; empty = not needed.
    keywords: tuple[str, ...] = ()


def _compile(body: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(_NOT_DIGIT_BEFORE + "(?:" + body + ")" + _NOT_DIGIT_AFTER, flags)


def _compact(value: str) -> str:
    return re.sub(r"[\s.\-/]", "", value)


def _stdnum(module: object) -> Callable[[str], bool]:
    is_valid: Callable[[str], bool] = module.is_valid  # type: ignore[attr-defined]
    return lambda value: bool(is_valid(_compact(value)))


# The UK National Insurance number: two prefix letters (some letters and pairs are never issued),
# six digits, a suffix A-D. HMRC publishes no check digit, so the format is all there is.
_NINO_FORBIDDEN_PREFIXES = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


def _valid_nino(value: str) -> bool:
    compact = _compact(value).upper()
    return (
        len(compact) == 9
        and compact[:2] not in _NINO_FORBIDDEN_PREFIXES
        and compact[0] not in "DFIQUV"
        and compact[1] not in "DFIOQUV"
    )


_SSN_WORDS = ("ssn", "ss#", "ss #", "social security", "social sec", "社会安全")
_TAX_ID_WORDS = ("steuer-id", "steuerid", "steuer id", "identifikationsnummer", "idnr", "tax id")
_AADHAAR_WORDS = ("aadhaar", "aadhar", "uidai", "आधार")
_MY_NUMBER_WORDS = ("my number", "mynumber", "マイナンバー", "個人番号", "个人编号")
_BSN_WORDS = ("bsn", "burgerservicenummer", "sofinummer")
_CPF_WORDS = ("cpf",)

_DIGITS9 = r"[0-9]{9}"

RULES: tuple[IdRule, ...] = (
    IdRule("US", "SSN", _compile(r"[0-9]{3}([- ])[0-9]{2}\1[0-9]{4}"), _stdnum(ssn)),
    IdRule("US", "SSN", _compile(_DIGITS9), _stdnum(ssn), _SSN_WORDS),
    IdRule("CN", "RIC", _compile(r"[0-9]{6} ?[0-9]{8} ?[0-9]{3}[0-9Xx]"), _stdnum(ric)),
    # Spaniards often write the DNI with thousands dots: 12.345.678-Z.
    IdRule("ES", "DNI", _compile(r"[0-9]{2}\.?[0-9]{3}\.?[0-9]{3}[- ]?[A-Za-z]"), _stdnum(dni)),
    IdRule("ES", "NIE", _compile(r"[XYZxyz][- ]?[0-9]{7}[- ]?[A-Za-z]"), _stdnum(nie)),
    IdRule(
        "DE",
        "IdNr",
        _compile(r"[1-9][0-9] ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}"),
        _stdnum(idnr),
        _TAX_ID_WORDS,
    ),
    IdRule(
        "GB",
        "NINO",
        _compile(r"[A-Za-z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Da-d]"),
        _valid_nino,
    ),
    IdRule(
        "FR",
        "NIR",
        _compile(r"[12] ?[0-9]{2} ?[0-9]{2} ?(?:[0-9]{2}|2[ABab]) ?[0-9]{3} ?[0-9]{3} ?[0-9]{2}"),
        _stdnum(nir),
    ),
    IdRule(
        "IN",
        "Aadhaar",
        _compile(r"[2-9][0-9]{3}[ -]?[0-9]{4}[ -]?[0-9]{4}"),
        _stdnum(aadhaar),
        _AADHAAR_WORDS,
    ),
    IdRule(
        "JP",
        "MyNumber",
        _compile(r"[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}"),
        _stdnum(my_number),
        _MY_NUMBER_WORDS,
    ),
    IdRule(
        "IT",
        "CodiceFiscale",
        _compile(
            r"[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{2}"
            r"[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z]"
        ),
        _stdnum(codicefiscale),
    ),
    IdRule("NL", "BSN", _compile(r"[0-9]{4}\.?[0-9]{2}\.?[0-9]{3}"), _stdnum(bsn), _BSN_WORDS),
    IdRule("BR", "CPF", _compile(r"[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}"), _stdnum(cpf)),
    IdRule("BR", "CPF", _compile(r"[0-9]{11}"), _stdnum(cpf), _CPF_WORDS),
)

SUPPORTED_COUNTRIES: tuple[str, ...] = tuple(dict.fromkeys(rule.country for rule in RULES))


@dataclass(frozen=True, slots=True)
class IdMatch:
    start: int
    end: int
    country: str
    name: str
    value: str


def find_national_ids(text: str, countries: tuple[str, ...]) -> Iterator[IdMatch]:
    """Candidates of the given countries' identifiers that pass their check."""
    wanted = set(countries)
    for rule in RULES:
        if rule.country not in wanted:
            continue
        for match in rule.pattern.finditer(text):
            value = match.group(0)
            if rule.keywords and not _has_context(text, match.start(), rule.keywords):
                continue
            if rule.validate(value):
                yield IdMatch(match.start(), match.end(), rule.country, rule.name, value)


def canonical_id(value: str) -> str:
    return _compact(value).upper()


def _has_context(text: str, start: int, keywords: tuple[str, ...]) -> bool:
    before = text[max(0, start - CONTEXT_WINDOW) : start].casefold()
    return any(word in before for word in keywords)
