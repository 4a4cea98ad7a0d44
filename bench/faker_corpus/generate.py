"""Generate the Faker corpus: support messages in eleven locales with annotated personal data and
look-alikes, written to tests/privacy/fixtures/pii_corpus_faker.json.

    /path/to/bench-venv/bin/python bench/faker_corpus/generate.py [--seed 20] [--output ...]

Needs Faker, phonenumbers and python-stdnum: the benchmark's own environment, never the
product's (bench/faker_corpus/requirements.txt). The output is committed, so the product's
tests and the benchmark read the file and never need Faker. The same seed and Faker version give
the same file byte for byte (dates of birth inside generated ids are drawn relative to the day
of the run, so a later day may give other ids: the committed file is the reference).

Every value comes from Faker's providers for its locale (or from Faker's seeded random generator
with a published format where the locale has no provider: UK National Insurance numbers,
Japanese My Numbers), and every annotation says whether the value passes its own check
(`checked`): a phone number valid in its country's numbering plan, a card with a valid Luhn
digit, an identifier valid for python-stdnum or its published rules. Faker also produces values
that fail them (invalid phone ranges, ZZ-prefixed NINOs, premium-rate numbers): those stay in
the corpus and are reported apart.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import faker
import phonenumbers
from faker import Faker
from stdnum import ean, iban, luhn
from stdnum.br import cpf
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.in_ import aadhaar
from stdnum.it import codicefiscale
from stdnum.jp import in_ as my_number
from stdnum.nl import bsn
from stdnum.us import ssn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from templates import ID_INTRO, LOOKALIKE, PII  # noqa: E402


def _national_ids() -> ModuleType:
    """The product's national_ids module, loaded from its file: it needs only python-stdnum,
    while importing the `assistant` package would pull in Django and Celery."""
    path = ROOT / "assistant" / "privacy" / "national_ids.py"
    spec = importlib.util.spec_from_file_location("national_ids", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


# The identifiers stdnum cannot check are checked by their published rules, which the product
# implements (UK NINO, German social insurance number); the Chinese id by its checksum and
# birth date, without stdnum's table of county codes, which misses newer codes.
_ids = _national_ids()
_valid_cn_ric = _ids._valid_cn_ric
_valid_de_rvnr = _ids._valid_de_rvnr
_valid_nino = _ids._valid_nino

OUTPUT = ROOT / "tests" / "privacy" / "fixtures" / "pii_corpus_faker.json"
LOCALES: dict[str, tuple[str, str]] = {  # locale -> (template language, phone region)
    "en_US": ("en", "US"),
    "en_GB": ("en", "GB"),
    "en_IN": ("en", "IN"),
    "de_DE": ("de", "DE"),
    "fr_FR": ("fr", "FR"),
    "es_ES": ("es", "ES"),
    "it_IT": ("it", "IT"),
    "nl_NL": ("nl", "NL"),
    "pt_BR": ("pt", "BR"),
    "zh_CN": ("zh", "CN"),
    "ja_JP": ("ja", "JP"),
}
PII_MESSAGES = 50
LOOKALIKE_MESSAGES = 15
KIND_OF_SLOT = {
    "name": "NAME",
    "email": "EMAIL",
    "phone": "PHONE",
    "card": "CARD",
    "iban": "IBAN",
    "id": "NATIONAL_ID",
    "ip": "IP_ADDRESS",
    "address": "ADDRESS",
}
CARD_TYPES = ("visa16", "visa19", "mastercard", "amex", "discover", "jcb16", "diners", "maestro")
_SLOT = re.compile(r"\{(\w+)\}")


class Values:
    """Faker values for one locale, each with whether it passes its own check."""

    def __init__(self, fake: Faker, locale: str, region: str) -> None:
        self.fake = fake
        self.locale = locale
        self.region = region
        self.rng: random.Random = fake.random

    # --- personal data ------------------------------------------------------------------------

    def name(self) -> tuple[str, bool]:
        if self.locale in ("zh_CN", "ja_JP"):
            return self.fake.name(), True
        return f"{self.fake.first_name()} {self.fake.last_name()}", True

    def email(self) -> tuple[str, bool]:
        return self.rng.choice((self.fake.email, self.fake.free_email))(), True

    def phone(self) -> tuple[str, bool]:
        raw = self.fake.phone_number()
        try:
            number = phonenumbers.parse(raw, self.region)
        except phonenumbers.NumberParseException:
            return raw, False
        return raw, phonenumbers.is_valid_number(number)

    def card(self) -> tuple[str, bool]:
        # Locales offer different networks: the ones of CARD_TYPES this locale knows.
        known = self.fake.provider("faker.providers.credit_card").credit_card_types
        digits = self.fake.credit_card_number(
            self.rng.choice([t for t in CARD_TYPES if t in known])
        )
        if self.rng.random() < 0.5:
            sizes = (4, 6, 5) if len(digits) == 15 else (4, 6, 4) if len(digits) == 14 else ()
            digits = _group(digits, sizes)
        return digits, luhn.is_valid(re.sub(r"\D", "", digits))

    def iban(self) -> tuple[str, bool]:
        value = self.fake.iban()
        if self.rng.random() < 0.5:
            value = _group(value, ())
        return value, iban.is_valid(value)

    def ip(self) -> tuple[str, bool]:
        maker = self.rng.choice(
            (self.fake.ipv4_public, self.fake.ipv4_public, self.fake.ipv4_private, self.fake.ipv6)
        )
        return maker(), True

    def address(self) -> tuple[str, bool]:
        f = self.fake
        street = f.street_address().replace("\n", ", ")
        lines = {
            "en_US": lambda: f"{street}, {f.city()}, {f.state_abbr()} {f.zipcode()}",
            "en_GB": lambda: f"{street}, {f.city()} {f.postcode()}",
            "zh_CN": lambda: f.address().replace("\n", " "),
            "ja_JP": lambda: f.address().replace("\n", " "),
        }
        line = lines.get(self.locale, lambda: f"{street}, {f.postcode()} {f.city()}")()
        return line, True

    def national_id(self) -> tuple[str, bool]:
        makers: dict[str, Callable[[], tuple[str, bool]]] = {
            "en_US": lambda: _checked(self.fake.ssn(), ssn.is_valid),
            "en_GB": self._nino,
            "en_IN": lambda: _checked(_group(self.fake.aadhaar_id(), ()), aadhaar.is_valid),
            "de_DE": lambda: _checked(self.fake.rvnr(), _valid_de_rvnr),
            "fr_FR": lambda: _checked(self.fake.ssn(), nir.is_valid),
            "es_ES": lambda: self.rng.choice(
                (
                    lambda: _checked(self.fake.nif(), dni.is_valid),
                    lambda: _checked(self.fake.nie(), nie.is_valid),
                )
            )(),
            "it_IT": lambda: _checked(self.fake.ssn(), codicefiscale.is_valid),
            "nl_NL": lambda: _checked(self.fake.ssn(), bsn.is_valid),
            "pt_BR": lambda: _checked(self.fake.cpf(), cpf.is_valid),
            "zh_CN": lambda: _checked(self.fake.ssn(), _valid_cn_ric),
            "ja_JP": self._my_number,
        }
        return makers[self.locale]()

    def _nino(self) -> tuple[str, bool]:
        # Faker's en_GB provider only gives the reserved "ZZ" prefix (and invalid suffixes), so
        # the number is drawn from Faker's random generator in the published format.
        value = self.fake.bothify("??######?", letters="ABCEGHJKLMNOPRSTWXYZ")  # prefix and digits
        value = value[:8] + self.rng.choice("ABCD")
        if self.rng.random() < 0.5:
            value = f"{value[:2]} {value[2:4]} {value[4:6]} {value[6:8]} {value[8]}"
        return value, _valid_nino(value)

    def _my_number(self) -> tuple[str, bool]:
        body = self.fake.numerify("###########")
        value = body + my_number.calc_check_digit(body)
        if self.rng.random() < 0.5:
            value = _group(value, ())
        return value, my_number.is_valid(value)

    # --- look-alikes --------------------------------------------------------------------------

    def lookalike(self, slot: str) -> tuple[str, str]:
        f, rng = self.fake, self.rng
        makers: dict[str, Callable[[], str]] = {
            "order": lambda: rng.choice(
                (
                    lambda: f.numerify("NW-#####"),
                    lambda: f.numerify("%########"),
                    lambda: f.numerify("1##-#######-#######"),
                    lambda: f.numerify("#%######"),
                )
            )(),
            "order10": lambda: f.numerify("%#########"),
            "invoice": lambda: rng.choice(("INV", "RE", "F", "FAC")) + f.numerify("-2024-%#####"),
            "tracking": lambda: rng.choice(
                (
                    lambda: "1Z" + f.bothify("???#####?#########").upper()[:16],
                    lambda: f.numerify("00340434%###########"),
                    lambda: _group(f.numerify("9400%###################")[:22], ()),
                    lambda: "SF" + f.numerify("%###########"),
                    lambda: f.numerify("%###-####-####"),
                    lambda: f.numerify("%###########"),
                )
            )(),
            "ean": self._ean,
            "cn_order": self._cn_order,
            "nfe_key": lambda: _group(f.numerify("35%" + "#" * 41), ()),
            "price": lambda: (
                rng.choice(("$", "€", "¥", "R$ ", "£")) + f"{rng.randint(5, 2999)}"
                f"{rng.choice(('.', ','))}{rng.randint(0, 99):02d}"
            ),
            "date": lambda: f.date_between_dates(
                datetime.date(2023, 1, 1), datetime.date(2026, 6, 30)
            ).strftime(
                rng.choice(("%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d", "%m/%d/%Y", "%Y年%m月%d日"))
            ),
            "model": lambda: rng.choice(
                (
                    lambda: f.bothify("??-####").upper(),
                    lambda: f.bothify("Volt E#"),
                    lambda: f.bothify("X#-20##"),
                    lambda: f.bothify("Model ####"),
                )
            )(),
            "version": lambda: ".".join(
                str(rng.randint(0, 20)) for _ in range(rng.choice((3, 3, 4)))
            ),
            "ticket": lambda: rng.choice(("#", "TCK-", "")) + f.numerify("%#####"),
        }
        return makers[slot](), slot

    def _ean(self) -> str:
        prefix = self.rng.choice(("400", "426", "690", "693", "301", "800", "841", "871", "789"))
        body = prefix + self.fake.numerify("#" * 9)
        return body + ean.calc_check_digit(body)

    def _cn_order(self) -> str:
        # Chinese shops' order numbers are 18-19 digits; half of these are Luhn-valid on
        # purpose, so that a card detector that trusts Luhn alone shows up.
        body = self.fake.numerify("%" + "#" * 17)
        if self.rng.random() < 0.5:
            return body + luhn.calc_check_digit(body)
        return body + str((int(luhn.calc_check_digit(body)) + 1) % 10)


def _checked(value: str, check: Callable[[str], bool]) -> tuple[str, bool]:
    try:
        return value, bool(check(value))
    except Exception:  # a checker that raises on malformed input says "no"
        return value, False


def _group(value: str, sizes: tuple[int, ...]) -> str:
    """Print a number as people do: in the given groups, or in fours."""
    compact = re.sub(r"\s", "", value)
    if not sizes:
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    parts, position = [], 0
    for size in sizes:
        parts.append(compact[position : position + size])
        position += size
    return " ".join(parts)


def render(template: str, values: Values, locale: str) -> dict[str, Any]:
    """Fill a template, recording where each value lands."""
    text, spans, lookalikes = "", [], []
    position = 0
    for match in _SLOT.finditer(template):
        text += template[position : match.start()]
        slot = match.group(1)
        if slot == "id_intro":
            value = ID_INTRO[locale]
        elif slot in KIND_OF_SLOT:
            maker = values.national_id if slot == "id" else getattr(values, slot)
            value, checked = maker()
            spans.append(
                {
                    "start": len(text),
                    "end": len(text) + len(value),
                    "kind": KIND_OF_SLOT[slot],
                    "value": value,
                    "checked": checked,
                }
            )
        else:
            value, kind = values.lookalike(slot)
            lookalikes.append(
                {"start": len(text), "end": len(text) + len(value), "kind": kind, "value": value}
            )
        text += value
        position = match.end()
    text += template[position:]
    return {"text": text, "spans": spans, "lookalikes": lookalikes}


def generate(seed: int) -> dict[str, Any]:
    """Two splits from two seeds: "dev" (seed) was looked at while the detectors were tuned,
    "holdout" (seed + 1) only for the final measurement."""
    messages = [
        *_messages(seed, "dev"),
        *_messages(seed + 1, "holdout"),
    ]
    return {
        "description": (
            "Generated by bench/faker_corpus/generate.py: support messages written in each "
            "language, with values from Faker's providers for eleven locales. `spans` are the "
            "personal data (start/end are character offsets, end exclusive; `checked` says "
            "whether the value passes its own check: numbering plan, Luhn, stdnum or the "
            "published rules); `lookalikes` are the order, invoice, tracking and barcode "
            "numbers, dates, prices, models and versions that must stay readable. Messages "
            "with `lookalike_only` hold no personal data at all. Split 'dev' (seed) was looked "
            "at while the detectors were tuned; split 'holdout' (seed + 1) was not."
        ),
        "seed": seed,
        "faker_version": faker.VERSION,
        "locales": list(LOCALES),
        "kinds": sorted(set(KIND_OF_SLOT.values())),
        "messages": messages,
    }


def _messages(seed: int, split: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for index, (locale, (language, region)) in enumerate(LOCALES.items()):
        fake = Faker(locale)
        fake.seed_instance(seed * 100 + index)
        values = Values(fake, locale, region)
        plan = [("pii", t) for t in _cycle(PII[language], PII_MESSAGES, values.rng)] + [
            ("lookalike", t) for t in _cycle(LOOKALIKE[language], LOOKALIKE_MESSAGES, values.rng)
        ]
        for number, (kind, template) in enumerate(plan, start=1):
            message = render(template, values, locale)
            messages.append(
                {
                    "id": f"{split}-{locale}-{number:03d}",
                    "split": split,
                    "locale": locale,
                    "language": language,
                    "lookalike_only": kind == "lookalike",
                    **message,
                }
            )
    return messages


def _cycle(templates: tuple[str, ...], count: int, rng: random.Random) -> list[str]:
    """Every template about equally often, in a seeded random order."""
    picked = [templates[i % len(templates)] for i in range(count)]
    rng.shuffle(picked)
    return picked


def main() -> int:
    # Some of Faker's locale data are sets, whose order follows Python's string hashing: fix it,
    # or the same seed picks different towns from run to run.
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(
            sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"}
        )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    corpus = generate(args.seed)
    args.output.write_text(
        json.dumps(corpus, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    messages = corpus["messages"]
    print(
        f"wrote {len(messages)} messages ({sum(m['lookalike_only'] for m in messages)} "
        f"look-alike only) in {len(corpus['locales'])} locales to {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
