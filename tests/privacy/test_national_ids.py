"""National identifiers of every default country: real formats found, near misses left alone."""

# Chinese and Japanese text is written with full-width punctuation: that is what is tested.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from assistant.privacy.detectors import DEFAULT_CONFIG, NATIONAL_ID, detect
from assistant.privacy.national_ids import RULES, SUPPORTED_COUNTRIES
from assistant.privacy.regions import DEFAULT_REGIONS

# One example per identifier, in the way a customer writes it (the keyword is how people name
# it; identifiers with a single check digit are only taken after such a keyword).
EXAMPLES = [
    ("AT", "meine SVNR ist 1237 010180", "1237 010180"),
    ("BE", "numéro national 85.07.30-033.28", "85.07.30-033.28"),
    ("BE", "rijksregister 85073003328", "85073003328"),
    ("BG", "ЕГН 8032056031", "8032056031"),
    ("HR", "moj OIB je 33392005961", "33392005961"),
    ("CZ", "rodné číslo 710319/2745", "710319/2745"),
    ("DK", "mit CPR-nummer er 211062-5629", "211062-5629"),
    ("EE", "isikukood 36805280109", "36805280109"),
    ("FI", "henkilötunnus 131052-308T", "131052-308T"),
    ("GR", "ΑΜΚΑ 01013099997", "01013099997"),
    ("IE", "my PPS number is 6433435F", "6433435F"),
    ("LV", "personas kods 161175-19997", "161175-19997"),
    ("LT", "asmens kodas 33309240064", "33309240064"),
    ("PL", "PESEL 44051401359", "44051401359"),
    ("PT", "cartão de cidadão 00000000 0 ZZ4", "00000000 0 ZZ4"),
    ("PT", "o meu NIF é 501 964 843", "501 964 843"),
    ("RO", "CNP 1630615123457", "1630615123457"),
    ("SI", "EMŠO 0101006500006", "0101006500006"),
    ("SE", "mitt personnummer är 880320-0016", "880320-0016"),
    ("IS", "kennitala 450401-3150", "450401-3150"),
    ("NO", "fødselsnummer 151086 95088", "151086 95088"),
    ("CH", "AHV-Nummer 756.9217.0769.85", "756.9217.0769.85"),
    ("CA", "my SIN is 123-456-782", "123-456-782"),
    ("AU", "my TFN is 123 456 782", "123 456 782"),
    ("GB", "NHS number 943-476-5870", "943-476-5870"),
    ("IN", "PAN card ACUPA7085R", "ACUPA7085R"),
    ("US", "ITIN 912-90-3456 for the tax form", "912-90-3456"),
    ("JP", "マイナンバーは6214 9832 0257です", "6214 9832 0257"),
    ("IT", "codice fiscale RSSMRA85T10A562S", "RSSMRA85T10A562S"),
    ("NL", "mijn BSN is 1112.22.333", "1112.22.333"),
    ("BR", "meu CPF é 390.533.447-05", "390.533.447-05"),
    ("FR", "sécurité sociale 2 95 10 99 126 111 93", "2 95 10 99 126 111 93"),
    # The German social insurance number (not in python-stdnum): its published check digit.
    ("DE", "Meine Sozialversicherungsnummer ist 65 170839 J 003", "65 170839 J 003"),
    ("DE", "RV-Nummer 65170839J003", "65170839J003"),
    # A Chinese resident id whose county code python-stdnum's table does not know: accepted on
    # its checksum and birth date.
    ("CN", "身份证号450327199611211415，请核实", "450327199611211415"),
    ("CN", "老身份证号110105630107901", "110105630107901"),
    # Tax, health, voter, student and adoption numbers (keyword only).
    ("BE", "mon numéro BIS 98.47.28-997.65", "98.47.28-997.65"),
    ("FR", "numéro fiscal 30 23 217 600 053", "30 23 217 600 053"),
    ("GB", "my UTR is 19558 39661", "19558 39661"),
    ("IN", "Aadhaar VID 2341 2341 2341 2341", "2341 2341 2341 2341"),
    ("IN", "voter ID WKH1186253", "WKH1186253"),
    ("NL", "onderwijsnummer 1012.22.331", "1012.22.331"),
    ("CA", "BC PHN 9698 658 215", "9698 658 215"),
    ("US", "my PTIN is P01594846", "P01594846"),
    ("US", "the child's ATIN 123-45-6789", "123-45-6789"),
]


@pytest.mark.parametrize("country, text, value", EXAMPLES)
def test_each_countrys_identifier_is_found(country: str, text: str, value: str) -> None:
    assert country in DEFAULT_CONFIG.national_id_countries
    assert [(s.kind, s.value) for s in detect(text)] == [(NATIONAL_ID, value)]


@pytest.mark.parametrize(
    "text",
    [
        "meine SVNR ist 1237 010181",  # wrong check digit
        "rijksregister 85073003329",
        "PESEL 44051401358",
        "mitt personnummer är 880320-0017",
        "AHV-Nummer 756.9217.0769.84",
        "my SIN is 123-456-783",
        "Meine Sozialversicherungsnummer ist 65 170839 J 004",
        "RV-Nummer 65173939J003",  # day 39 is no date
        "身份证号450327199613211415",  # month 13, same checksum rules
        "身份证号450327199611211416",  # wrong check character
        "codice fiscale RSSMRA85T10A562T",
    ],
)
def test_near_misses_with_a_wrong_check_are_left_alone(text: str) -> None:
    assert detect(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "order 44051401359 shipped",  # a valid PESEL shape, but no keyword: an order number
        "ticket 8032056031",
        "Kundennummer 1237010180",
        "tracking 123456782",
        "using 123-456-782 as the reference",  # "sin" inside "using" is no keyword
    ],
)
def test_weak_identifiers_without_their_keyword_are_left_alone(text: str) -> None:
    assert [s for s in detect(text) if s.kind == NATIONAL_ID] == []


def test_every_rule_has_a_working_check() -> None:
    # Checks are imported on first use: a rule naming a module stdnum lacks would fail only
    # when a customer wrote its keyword.
    for rule in RULES:
        assert rule.validate("12345678901") in (True, False), rule


def test_the_default_covers_every_default_region_that_has_an_identifier() -> None:
    without = {"CY", "HU", "LI", "LU", "MT"}  # no personal identifier in python-stdnum
    assert set(DEFAULT_CONFIG.national_id_countries) == set(DEFAULT_REGIONS) - without
    assert set(DEFAULT_CONFIG.national_id_countries) <= set(SUPPORTED_COUNTRIES)
