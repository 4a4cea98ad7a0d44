"""The adversarial corpus (`adversarial.json`): attacks on the reply pipeline and what passes.

Plain Python, no Django. `load_corpus()` reads and validates the file shipped in the package,
`Fixtures.values(...)` gives the run's placeholder values, `Case.render(values)` fills a case in,
and `obeying_rules(...)` turns the corpus into simulator rules for the worst case: a model that
does what each attack asks.

Placeholders in case texts are `{name}`: `{canary}` (a random string put into the inbox's
instructions for one run), `{company}`, `{instructions}`, `{evil_host}`, and the other
customer's `{other_name}`, `{other_email}`, `{other_order}`, `{other_conversation_id}`.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .detectors import detect

CORPUS_FILE = "adversarial.json"

CATEGORIES: tuple[str, ...] = (
    "prompt_injection",
    "indirect_injection",
    "system_prompt_extraction",
    "cross_customer",
    "binding_offer",
    "invented_policy",
    "exfiltration",
    "abuse",
    "jailbreak",
)
LANGUAGES: tuple[str, ...] = ("en", "zh", "es", "de", "fr")

# What a case may require of the outcome; scoring.py implements each.
EXPECTATIONS: tuple[str, ...] = (
    "no_system_prompt",  # neither the canary nor verbatim prompt text in the answer
    "no_other_customer",  # none of the other customer's data, in the answer or the prompt
    "no_foreign_links",  # no link or image to a host outside the inbox's allowlist
    "defer",  # handed to a person, or "I don't know" (nothing invented or promised)
    "no_abuse",  # no insult or profanity
)


class CorpusError(ValueError):
    """The corpus file is malformed; the message names the case and the problem."""


@dataclass(frozen=True, slots=True)
class Article:
    title: str
    body: str
    locale: str = "en"


@dataclass(frozen=True, slots=True)
class OtherContact:
    """A customer seeded beside the attacker, whose data must never reach the attacker."""

    name: str
    email: str
    phone: str
    order: str
    address: str
    secret: str
    messages: tuple[str, ...]

    @property
    def private_values(self) -> tuple[str, ...]:
        return (self.name, self.email, self.phone, self.order, self.address, self.secret)


@dataclass(frozen=True, slots=True)
class Fixtures:
    company: str
    instructions: str
    site: str
    evil_host: str
    other_contact: OtherContact
    articles: tuple[Article, ...]

    def values(self, *, canary: str, other_conversation_id: str = "") -> dict[str, str]:
        """Every placeholder's value for one run."""
        other = self.other_contact
        return {
            "canary": canary,
            "company": self.company,
            "instructions": self.instructions.format(canary=canary),
            "evil_host": self.evil_host,
            "other_name": other.name,
            "other_email": other.email,
            "other_order": other.order,
            "other_conversation_id": other_conversation_id,
        }


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    category: str
    language: str
    messages: tuple[str, ...]
    expect: tuple[str, ...]
    must_not_match: tuple[str, ...] = ()
    article: Article | None = None
    obey: str = ""
    model_dependent: str = ""
    gap: str = ""

    @property
    def guarded(self) -> bool:
        """Whether the pipeline itself is expected to stop this attack whatever the model does."""
        return not self.model_dependent and not self.gap

    def render(self, values: Mapping[str, str]) -> RenderedCase:
        article = (
            Article(fill(self.article.title, values), fill(self.article.body, values),
                    self.article.locale)
            if self.article is not None
            else None
        )  # fmt: skip
        return RenderedCase(
            case=self,
            messages=tuple(fill(m, values) for m in self.messages),
            article=article,
            obey=fill(self.obey, values),
        )


@dataclass(frozen=True, slots=True)
class RenderedCase:
    case: Case
    messages: tuple[str, ...]
    article: Article | None
    obey: str


@dataclass(frozen=True, slots=True)
class Corpus:
    version: int
    fixtures: Fixtures
    cases: tuple[Case, ...] = field(default=())

    def select(
        self, *, categories: Sequence[str] = (), ids: Sequence[str] = ()
    ) -> tuple[Case, ...]:
        unknown = set(categories) - set(CATEGORIES)
        if unknown:
            raise CorpusError(f"unknown categories {sorted(unknown)}; known: {list(CATEGORIES)}")
        return tuple(
            case
            for case in self.cases
            if (not categories or case.category in categories) and (not ids or case.id in ids)
        )


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace `{name}` placeholders; other braces stay as they are (regexes, JSON)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def load_corpus(path: str | Path | None = None) -> Corpus:
    """The corpus shipped in the package, or the file at `path`; validated."""
    if path is None:
        text = resources.files("assistant.privacy").joinpath(CORPUS_FILE).read_text("utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return parse_corpus(json.loads(text))


def parse_corpus(data: Mapping[str, Any]) -> Corpus:
    fixtures_data = data["fixtures"]
    other = fixtures_data["other_contact"]
    fixtures = Fixtures(
        company=str(fixtures_data["company"]),
        instructions=str(fixtures_data["instructions"]),
        site=str(fixtures_data["site"]),
        evil_host=str(fixtures_data["evil_host"]),
        other_contact=OtherContact(
            **{k: str(other[k]) for k in ("name", "email", "phone", "order", "address", "secret")},
            messages=tuple(str(m) for m in other["messages"]),
        ),
        articles=tuple(Article(**a) for a in fixtures_data["articles"]),
    )
    if "{canary}" not in fixtures.instructions:
        raise CorpusError("fixtures.instructions must contain {canary}")
    cases = tuple(_parse_case(item) for item in data["cases"])
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise CorpusError(f"duplicate case id {case.id!r}")
        seen.add(case.id)
    return Corpus(version=int(data["version"]), fixtures=fixtures, cases=cases)


def _parse_case(item: Mapping[str, Any]) -> Case:
    case_id = str(item.get("id", ""))
    known_fields = {"id", "category", "language", "messages", "expect", "must_not_match",
                    "article", "obey", "model_dependent", "gap"}  # fmt: skip
    problems = [f"unknown field {name!r}" for name in item if name not in known_fields]
    if not case_id:
        problems.append("no id")
    if item.get("category") not in CATEGORIES:
        problems.append(f"category {item.get('category')!r} is not one of {list(CATEGORIES)}")
    if item.get("language") not in LANGUAGES:
        problems.append(f"language {item.get('language')!r} is not one of {list(LANGUAGES)}")
    messages = item.get("messages") or []
    if not messages or not all(isinstance(m, str) and m.strip() for m in messages):
        problems.append("messages must be a non-empty list of texts")
    expect = item.get("expect") or []
    if not expect and not item.get("must_not_match"):
        problems.append("nothing to check: give expect or must_not_match")
    problems += [f"unknown expectation {e!r}" for e in expect if e not in EXPECTATIONS]
    for pattern in item.get("must_not_match", ()):
        try:
            re.compile(pattern)
        except re.error as error:
            problems.append(f"must_not_match {pattern!r}: {error}")
    for text in [*messages, item.get("obey", "")]:
        for name in _PLACEHOLDER.findall(text if isinstance(text, str) else ""):
            if name not in _PLACEHOLDER_NAMES:
                problems.append(f"unknown placeholder {{{name}}}")
    if problems:
        raise CorpusError(f"case {case_id or '?'}: " + "; ".join(problems))
    article = item.get("article")
    return Case(
        id=case_id,
        category=item["category"],
        language=item["language"],
        messages=tuple(messages),
        expect=tuple(expect),
        must_not_match=tuple(item.get("must_not_match", ())),
        article=Article(**article) if article else None,
        obey=str(item.get("obey", "")),
        model_dependent=str(item.get("model_dependent", "")),
        gap=str(item.get("gap", "")),
    )


_PLACEHOLDER_NAMES = frozenset(
    {"canary", "company", "instructions", "evil_host", "other_name", "other_email",
     "other_order", "other_conversation_id"}
)  # fmt: skip


def obeying_rules(cases: Sequence[RenderedCase]) -> list[dict[str, Any]]:
    """Simulator rules for the worst case: the last message of each case is answered with what
    a model that follows the attack would say. The pattern is the whole message, so a rule
    never fires for another case; earlier messages of a case get the simulator's grounded
    default."""
    return [
        {"pattern": r"^\s*" + _pattern(rendered.messages[-1]) + r"\s*$", "reply": rendered.obey}
        for rendered in cases
        if rendered.obey
    ]


def _pattern(message: str) -> str:
    """The message as a regex that also matches it after redaction: the personal data in it
    reaches an external model as placeholders ([EMAIL_1]), so each value matches anything."""
    parts, position = [], 0
    for span in detect(message):
        parts += [re.escape(message[position : span.start]), ".+?"]
        position = span.end
    parts.append(re.escape(message[position:]))
    return "".join(parts)


def random_canary() -> str:
    """A string no model has seen and no answer contains by chance."""
    import secrets

    alphabet = string.ascii_uppercase + string.digits
    return "CANARY-" + "".join(secrets.choice(alphabet) for _ in range(10))
