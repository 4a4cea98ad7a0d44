"""National identifiers by country: a format pattern to find candidates, a checksum to confirm them.

Every number is confirmed by python-stdnum's validator, or by the published rules where stdnum
has no module (the UK National Insurance number, the German social insurance number) or a
stricter one than the id itself (Chinese resident ids: checksum and birth date, not stdnum's
table of county codes, which misses newer codes). Identifiers whose check is weak
(a single check digit, so roughly one random digit string in ten passes) are only taken when a
keyword naming the identifier stands shortly before them: otherwise every 9- to 12-digit order
or tracking number would be at risk of redaction. Strong ones (a check letter, a date plus a
check digit, a 97-modulus key) are taken anywhere.
"""

from __future__ import annotations

import datetime
import functools
import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from stdnum import luhn

# How far before a candidate a context keyword may stand (characters).
CONTEXT_WINDOW = 40
_MIN_DIGITS = 4  # an Indian PAN has four

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


def _stdnum(name: str, *, keep_separators: bool = False) -> Callable[[str], bool]:
    """The `is_valid` of a python-stdnum module, imported on first use: most inboxes enable a
    few countries, and importing every module up front would cost start-up time for nothing."""

    @functools.cache
    def module_is_valid() -> Callable[[str], bool]:
        return importlib.import_module(f"stdnum.{name}").is_valid  # type: ignore[no-any-return]

    if keep_separators:  # the separator is part of the number (the Finnish century sign)
        return lambda value: bool(module_is_valid()(value.strip()))
    return lambda value: bool(module_is_valid()(_compact(value)))


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


_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _valid_cn_ric(value: str) -> bool:
    """The Chinese resident identity number on its checksum (ISO 7064 MOD 11-2) and birth date.

    python-stdnum also requires the first six digits to be in its table of county codes, which
    misses codes created or renamed since the table was compiled: a customer's real id would
    pass through unredacted, while the checksum and the date already make a random hit rare."""
    compact = _compact(value).upper()
    if len(compact) != 18 or not compact[:17].isdigit() or compact[0] not in "12345678":
        return False
    total = sum(int(d) * w for d, w in zip(compact[:17], _RIC_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == compact[17] and _date(compact[6:14], "%Y%m%d")


def _valid_cn_ric15(value: str) -> bool:
    compact = _compact(value)
    return len(compact) == 15 and compact.isdigit() and _date("19" + compact[6:12], "%Y%m%d")


def _date(digits: str, form: str) -> bool:
    try:
        born = datetime.datetime.strptime(digits, form).date()
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= born <= datetime.date.today()


_RVNR_WEIGHTS = (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)


def _valid_de_rvnr(value: str) -> bool:
    """The German social insurance (pension) number: area (2 digits), birth date DDMMYY, the
    initial of the birth name, a serial (2 digits) and a check digit. The letter counts as its
    two-digit position in the alphabet; python-stdnum has no module for it."""
    compact = _compact(value).upper()
    if not re.fullmatch(r"[0-9]{8}[A-Z][0-9]{3}", compact):
        return False
    day, month = int(compact[2:4]), int(compact[4:6])
    if not (1 <= day <= 31 or 51 <= day <= 81) or not 1 <= month <= 12:
        return False  # a day plus 50 marks a second number given to the same date
    digits = compact[:8] + f"{ord(compact[8]) - 64:02d}" + compact[9:11]
    total = sum(sum(divmod(int(d) * w, 10)) for d, w in zip(digits, _RVNR_WEIGHTS, strict=True))
    return total % 10 == int(compact[11])


def _valid_ca_sin(value: str) -> bool:
    compact = _compact(value)
    return len(compact) == 9 and compact[0] not in "08" and luhn.is_valid(compact)


_SSN_WORDS = ("ssn", "ss#", "ss #", "social security", "social sec", "社会安全")
_TAX_ID_WORDS = ("steuer-id", "steuerid", "steuer id", "identifikationsnummer", "idnr", "tax id")
_AADHAAR_WORDS = ("aadhaar", "aadhar", "uidai", "आधार")
_MY_NUMBER_WORDS = ("my number", "mynumber", "マイナンバー", "個人番号", "个人编号")
_BSN_WORDS = ("bsn", "burgerservicenummer", "sofinummer")
_CPF_WORDS = ("cpf",)

_DIGITS9 = r"[0-9]{9}"
_DIGITS10 = r"[0-9]{10}"
_DIGITS11 = r"[0-9]{11}"


def _keyword_rule(country: str, name: str, body: str, module: str, *words: str) -> IdRule:
    """A weak identifier (one check digit, or only a date): taken after one of `words` only."""
    return IdRule(country, name, _compile(body), _stdnum(module), words)


RULES: tuple[IdRule, ...] = (
    IdRule("US", "SSN", _compile(r"[0-9]{3}([- ])[0-9]{2}\1[0-9]{4}"), _stdnum("us.ssn")),
    IdRule("US", "SSN", _compile(_DIGITS9), _stdnum("us.ssn"), _SSN_WORDS),
    IdRule("US", "ITIN", _compile(r"9[0-9]{2}-[0-9]{2}-[0-9]{4}"), _stdnum("us.itin")),
    IdRule("CN", "RIC", _compile(r"[1-8][0-9]{5} ?[0-9]{8} ?[0-9]{3}[0-9Xx]"), _valid_cn_ric),
    # The first-generation id (15 digits, issued until 2004, still in old records) has no check
    # digit: a birth date and the word that names it.
    IdRule(
        "CN",
        "RIC15",
        _compile(r"[1-8][0-9]{5}[0-9]{6}[0-9]{3}"),
        _valid_cn_ric15,
        ("身份证", "身份證", "id card", "resident id"),
    ),
    # Spaniards often write the DNI with thousands dots: 12.345.678-Z.
    IdRule(
        "ES", "DNI", _compile(r"[0-9]{2}\.?[0-9]{3}\.?[0-9]{3}[- ]?[A-Za-z]"), _stdnum("es.dni")
    ),
    IdRule("ES", "NIE", _compile(r"[XYZxyz][- ]?[0-9]{7}[- ]?[A-Za-z]"), _stdnum("es.nie")),
    _keyword_rule(
        "DE", "IdNr", r"[1-9][0-9] ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}", "de.idnr", *_TAX_ID_WORDS
    ),
    IdRule(
        "DE",
        "RVNR",
        _compile(
            r"[0-9]{2} ?[0-9]{6} ?[A-Za-z] ?[0-9]{3}|[0-9]{2} [0-9]{6} [A-Za-z] [0-9]{2} [0-9]"
        ),
        _valid_de_rvnr,
    ),
    IdRule(
        "GB",
        "NINO",
        _compile(r"[A-Za-z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Da-d]"),
        _valid_nino,
    ),
    _keyword_rule("GB", "NHS", r"[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}", "gb.nhs", "nhs"),
    IdRule(
        "FR",
        "NIR",
        _compile(r"[12] ?[0-9]{2} ?[0-9]{2} ?(?:[0-9]{2}|2[ABab]) ?[0-9]{3} ?[0-9]{3} ?[0-9]{2}"),
        _stdnum("fr.nir"),
    ),
    _keyword_rule(
        "IN", "Aadhaar", r"[2-9][0-9]{3}[ -]?[0-9]{4}[ -]?[0-9]{4}", "in_.aadhaar", *_AADHAAR_WORDS
    ),
    # The fourth letter of a PAN says whose it is: P for a person.
    IdRule("IN", "PAN", _compile(r"[A-Za-z]{3}[Pp][A-Za-z][0-9]{4}[A-Za-z]"), _stdnum("in_.pan")),
    _keyword_rule(
        "JP", "MyNumber", r"[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}", "jp.in_", *_MY_NUMBER_WORDS
    ),
    IdRule(
        "IT",
        "CodiceFiscale",
        _compile(
            r"[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{2}"
            r"[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z]"
        ),
        _stdnum("it.codicefiscale"),
    ),
    _keyword_rule("NL", "BSN", r"[0-9]{4}\.?[0-9]{2}\.?[0-9]{3}", "nl.bsn", *_BSN_WORDS),
    IdRule("BR", "CPF", _compile(r"[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}"), _stdnum("br.cpf")),
    _keyword_rule("BR", "CPF", _DIGITS11, "br.cpf", *_CPF_WORDS),
    # The rest of the EU/EEA, Switzerland, Canada and Australia. A number that carries letters,
    # a century sign or its printed separators is specific enough to be taken anywhere; a bare
    # digit string with one check digit is taken after a keyword only.
    _keyword_rule(
        "AT",
        "SVNR",
        r"[0-9]{4} ?[0-9]{6}",
        "at.vnr",
        "svnr",
        "sv-nr",
        "sozialversicherung",
        "versicherungsnummer",
        "e-card",
    ),
    IdRule(
        "BE",
        "NN",
        _compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}[- ][0-9]{3}[. ][0-9]{2}"),
        _stdnum("be.nn"),
    ),
    _keyword_rule(
        "BE",
        "NN",
        _DIGITS11,
        "be.nn",
        "rijksregister",
        "registre national",
        "national number",
        "numéro national",
        "insz",
        "niss",
    ),
    _keyword_rule("BG", "EGN", _DIGITS10, "bg.egn", "егн", "egn"),
    _keyword_rule("HR", "OIB", _DIGITS11, "hr.oib", "oib"),
    IdRule("CZ", "RC", _compile(r"[0-9]{6}/[0-9]{3,4}"), _stdnum("cz.rc")),
    _keyword_rule("CZ", "RC", r"[0-9]{9,10}", "cz.rc", "rodné číslo", "rodne cislo", "rč"),
    IdRule("SK", "RC", _compile(r"[0-9]{6}/[0-9]{3,4}"), _stdnum("sk.rc")),
    _keyword_rule("DK", "CPR", r"[0-9]{6}-?[0-9]{4}", "dk.cpr", "cpr", "personnummer"),
    _keyword_rule("EE", "IK", _DIGITS11, "ee.ik", "isikukood"),
    IdRule(
        "FI",
        "HETU",
        _compile(r"[0-9]{6}[-+A-FYXWVUa-f][0-9]{3}[0-9A-Ya-y]"),
        _stdnum("fi.hetu", keep_separators=True),
    ),
    _keyword_rule("GR", "AMKA", _DIGITS11, "gr.amka", "αμκα", "amka"),
    IdRule("IE", "PPS", _compile(r"[0-9]{7}[A-Wa-w][ABHWTXabhwtx]?"), _stdnum("ie.pps")),
    # Latvia: stdnum checks personal codes in its VAT module (a person's PVN is their code).
    _keyword_rule("LV", "PK", r"[0-9]{6}-?[0-9]{5}", "lv.pvn", "personas kods", "personas kodu"),
    _keyword_rule("LT", "Asmens", _DIGITS11, "lt.asmens", "asmens kod"),
    _keyword_rule("PL", "PESEL", _DIGITS11, "pl.pesel", "pesel"),
    IdRule(
        "PT",
        "CC",
        _compile(r"[0-9]{8} ?[0-9] ?[A-Za-z]{2}[0-9]"),
        _stdnum("pt.cc"),
    ),
    _keyword_rule(
        "PT",
        "NIF",
        r"[0-9]{3} ?[0-9]{3} ?[0-9]{3}",
        "pt.nif",
        "nif",
        "contribuinte",
    ),
    _keyword_rule("RO", "CNP", r"[0-9]{13}", "ro.cnp", "cnp", "cod numeric personal"),
    _keyword_rule("SI", "EMSO", r"[0-9]{13}", "si.emso", "emšo", "emso"),
    _keyword_rule(
        "SE",
        "Personnummer",
        r"(?:[0-9]{2})?[0-9]{6}[-+]?[0-9]{4}",
        "se.personnummer",
        "personnummer",
        "personnr",
        "person nr",
    ),
    _keyword_rule("IS", "Kennitala", r"[0-9]{6}-?[0-9]{4}", "is_.kennitala", "kennitala", "kt."),
    _keyword_rule(
        "NO",
        "Fodselsnummer",
        r"[0-9]{6} ?[0-9]{5}",
        "no.fodselsnummer",
        "fødselsnummer",
        "fodselsnummer",
        "personnummer",
    ),
    IdRule("CH", "AHV", _compile(r"756\.[0-9]{4}\.[0-9]{4}\.[0-9]{2}"), _stdnum("ch.ssn")),
    _keyword_rule("CH", "AHV", r"756[0-9]{10}", "ch.ssn", "ahv", "avs", "sozialversicherung"),
    IdRule(
        "CA",
        "SIN",
        _compile(r"[0-9]{3}([- ])[0-9]{3}\1[0-9]{3}|[0-9]{9}"),
        _valid_ca_sin,
        ("sin", "social insurance", "nas", "assurance sociale"),
    ),
    # The remaining personal numbers python-stdnum has for these countries: tax, health, voter,
    # student and adoption numbers. All have a weak check or none: keyword only.
    _keyword_rule(
        "BE",
        "BIS",
        r"[0-9]{2}\.?[0-9]{2}\.?[0-9]{2}[- ]?[0-9]{3}[. ]?[0-9]{2}",
        "be.bis",
        "bis",
        "bis-nummer",
        "numéro bis",
    ),
    _keyword_rule(
        "FR",
        "NIF",
        r"[0-3][0-9] ?[0-9]{2} ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}",
        "fr.nif",
        "numéro fiscal",
        "numero fiscal",
        "spi",
        "nif",
    ),
    _keyword_rule("GB", "UTR", r"[0-9]{5} ?[0-9]{5}", "gb.utr", "utr", "unique taxpayer"),
    _keyword_rule(
        "IN",
        "VID",
        r"[0-9]{4} ?[0-9]{4} ?[0-9]{4} ?[0-9]{4}",
        "in_.vid",
        "vid",
        "virtual id",
    ),
    _keyword_rule("IN", "EPIC", r"[A-Za-z]{3}[0-9]{7}", "in_.epic", "epic", "voter id", "voter"),
    _keyword_rule(
        "NL",
        "Onderwijsnummer",
        r"[0-9]{4}\.?[0-9]{2}\.?[0-9]{3}",
        "nl.onderwijsnummer",
        "onderwijsnummer",
    ),
    _keyword_rule(
        "CA",
        "BC PHN",
        r"[0-9]{4} ?[0-9]{3} ?[0-9]{3}",
        "ca.bc_phn",
        "phn",
        "personal health",
    ),
    _keyword_rule("US", "PTIN", r"[Pp]-?[0-9]{8}", "us.ptin", "ptin"),
    _keyword_rule("US", "ATIN", r"[0-9]{3}-?[0-9]{2}-?[0-9]{4}", "us.atin", "atin"),
    _keyword_rule(
        "AU",
        "TFN",
        r"[0-9]{3} ?[0-9]{3} ?[0-9]{2,3}",
        "au.tfn",
        "tfn",
        "tax file",
    ),
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
    if sum(ch.isdigit() for ch in text) < _MIN_DIGITS:
        return  # every identifier has at least four digits
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
    before = text[max(0, start - CONTEXT_WINDOW) : start]
    return _keyword_pattern(keywords).search(before) is not None


@functools.cache
def _keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str]:
    """Latin keywords at a word start ("sin" is not the end of "using"), others anywhere."""
    parts = [
        rf"(?<![a-zà-ÿ]){re.escape(word)}" if word[0].isascii() else re.escape(word)
        for word in keywords
    ]
    return re.compile("|".join(parts), re.IGNORECASE)
