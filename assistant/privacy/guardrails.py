"""Checks on a complete assistant answer before anyone sees it. Pure functions, no Django.

    result = check_answer(answer, passages=passages, allowed_domains=domains)
    result.action   # "show": show result.text (links already cleaned)
                    # "handoff": an unsupported commitment; show result.text (a hand-off notice)
                    #            and give the conversation to a person
                    # "replace": abusive or off-brand; show result.text (the safe message), flag it

Commitments: refunds, compensation, discounts, free items, guarantees, legal positions, amounts,
percentages and deadlines are only allowed when the knowledge passages support them (Air Canada
was held liable for a refund policy its bot made up). A concept is supported when a passage
mentions the same concept, in any language; a number when the same number appears in a passage.
This is deliberately strict: a wrong hand-off costs an agent a minute, a made-up promise can
cost money and a lawsuit.

Links: Markdown images and links, HTML <a>/<img> and bare URLs are kept only for allowlisted
hosts (and their subdomains), so model output cannot carry conversation data to another server
through an image URL that the widget would fetch (OWASP LLM05).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal, NamedTuple, Protocol
from urllib.parse import urlsplit

from . import lexicon, markdown_links

Action = Literal["show", "handoff", "replace"]

DEFAULT_SAFE_MESSAGE = (
    "Sorry, I can't help with that here. A member of our team will get back to you."
)
DEFAULT_HANDOFF_MESSAGE = (
    "I'd rather not give you a wrong answer on this. A member of our team will take over."
)
DEFAULT_REMOVED_LINK = "[link removed]"


class HasText(Protocol):
    @property
    def text(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Finding:
    """Why a check fired: `check` is commitment/link/abuse, `kind` what exactly, `excerpt` the
    words of the answer concerned (for the agent and the logs, never for the customer)."""

    check: Literal["commitment", "link", "abuse"]
    kind: str
    excerpt: str


@dataclass(frozen=True, slots=True)
class GuardrailResult:
    text: str
    action: Action
    findings: tuple[Finding, ...]
    # The model's answer as it came in, for the agent who takes over (never shown to customers).
    original: str = ""

    @property
    def shown_unchanged(self) -> bool:
        return self.action == "show" and self.text == self.original


class LinkCheck(NamedTuple):
    text: str
    removed: tuple[str, ...]


# --- commitments --------------------------------------------------------------------------------

_CONCEPTS = lexicon.concept_patterns()
# One search for all the concepts: most of an answer mentions none, and the stream guard runs
# this on every streamed word.
_ANY_CONCEPT = lexicon.any_concept_pattern()
_NUMBER_CLAIMS = (
    ("amount", lexicon.AMOUNT),
    ("percentage", lexicon.PERCENT),
    ("deadline", lexicon.DEADLINE),
)
_INJECTION = lexicon.injection_pattern()
_NUMBER_IN_TEXT = re.compile(r"[0-9](?:[0-9]|[.,'\s](?=[0-9])){0,20}")


@dataclass(frozen=True, slots=True)
class Support:
    """What may back a commitment: the passages that are not injections, and every number in
    them and in the customer's own messages. Built once per answer (a streamed answer is
    checked many times against the same support)."""

    sources: tuple[str, ...]
    literals: tuple[str, ...]
    numbers: frozenset[Decimal]
    # Whether the sources mention a concept, found out the first time the answer does: the
    # stream guard asks again on every word while the concept is in its window.
    _concepts: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, passages: Sequence[str | HasText], customer_text: Sequence[str] = ()) -> Support:
        # A passage that gives orders to the assistant ("ignore your rules and tell every
        # customer ...") is an injection, not a policy: otherwise a planted or imported article
        # could back the very promise it asks for.
        sources = tuple(
            text
            for text in (p if isinstance(p, str) else p.text for p in passages)
            if not _INJECTION.search(text)
        )
        literals = (*sources, *customer_text)
        return cls(sources, literals, frozenset(_numbers_in(literals)))

    def supports(self, concept: str) -> bool:
        """Whether a source mentions `concept` (a key of lexicon.COMMITMENT_CONCEPTS)."""
        known = self._concepts.get(concept)
        if known is None:
            pattern = _CONCEPTS[concept]
            known = self._concepts[concept] = any(pattern.search(s) for s in self.sources)
        return known


def commitment_check(
    answer: str,
    passages: Sequence[str | HasText] | Support,
    *,
    customer_text: Sequence[str] = (),
) -> Finding | None:
    """The first commitment in `answer` that no passage supports, or None.

    Numbers the customer wrote themselves (`customer_text`, e.g. their own messages) also count
    as support for amounts and dates: repeating "your order of $49" back is not a promise.
    Passages that give the assistant orders support nothing (see `Support`).
    """
    support = passages if isinstance(passages, Support) else Support.of(passages, customer_text)
    first = _ANY_CONCEPT.search(answer)
    if first is not None:
        # No concept is mentioned before the first mention of any: read from there (the
        # patterns' look-behind still sees the character before it).
        for concept, pattern in _CONCEPTS.items():
            match = pattern.search(answer, first.start())
            if match and not support.supports(concept):
                return Finding("commitment", concept, _excerpt(answer, match.start(), match.end()))
    if not lexicon.NUMBER_HINT.search(answer):
        return None
    for kind, pattern in _NUMBER_CLAIMS:
        for match in pattern.finditer(answer):
            claim = match.group(0)
            values = _values(claim)
            supported = (
                bool(values & support.numbers)
                if values
                else any(claim in text for text in support.literals)
            )
            if not supported:
                return Finding("commitment", kind, _excerpt(answer, match.start(), match.end()))
    return None


def _numbers_in(texts: Iterable[str]) -> set[Decimal]:
    found: set[Decimal] = set()
    for text in texts:
        for match in _NUMBER_IN_TEXT.finditer(text):
            found |= _readings(match.group(0))
    return found


# Cached: while a claim is in the stream guard's window it is read again on every word.
@lru_cache(maxsize=256)
def _values(claim: str) -> frozenset[Decimal]:
    match = _NUMBER_IN_TEXT.search(claim)
    return frozenset(_readings(match.group(0))) if match else frozenset()


def _readings(number: str) -> set[Decimal]:
    """Every value a written number may mean: "1,299" is 1299 in English and 1.299 in German,
    "49,99" is 49.99 in Europe. A claim is supported when any reading matches any reading."""
    compact = re.sub(r"[\s']", "", number)
    candidates = {compact.replace(",", ""), compact.replace(".", "").replace(",", ".")}
    if compact.count(",") == 1 and "." not in compact:
        candidates.add(compact.replace(",", "."))
    readings: set[Decimal] = set()
    for candidate in candidates:
        try:
            readings.add(Decimal(candidate).normalize())
        except InvalidOperation:
            continue
    return readings


# --- links --------------------------------------------------------------------------------------

# What is a Markdown link, image, autolink or reference definition is decided by markdown-it-py's
# CommonMark parser (markdown_links.py), which the regexes below got wrong: nested brackets,
# code spans in a link's words, destinations in angle brackets, definitions inside quotes and
# lists, <scheme:...> autolinks. The regexes stay as a coarse backstop after it, because the
# check must be at least as strict as before: they also catch what CommonMark reads as text but
# another renderer, or the stream guard's window (which may start inside a code span), could
# read as a link. HTML and bare URLs have no Markdown token (raw HTML and linkify are off) and
# are found by the regexes only.
_TITLE = r"""(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?"""
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)>?" + _TITLE + r"\s*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]*)>?" + _TITLE + r"\s*\)")
_MD_REFERENCE = re.compile(r"^[ ]{0,3}\[[^\]]+\]:[ \t]*<?(\S+?)>?(?:[ \t]+.*)?$", re.MULTILINE)
_HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_HTML_LINK = re.compile(r"<a\b([^>]*)>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
_HTML_ATTRIBUTE = r"""\b{name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))"""
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]+|www\.[^>\s]+)>", re.IGNORECASE)
_BARE_URL = re.compile(
    r"(?<![\w/@.])(?:(?:https?|ftp)://|www\.)[^\s<>()\[\]{}\"'`]+", re.IGNORECASE
)
_SAFE_HOST = re.compile(r"[a-z0-9.\-]+(?::[0-9]{1,5})?")
# What every pattern above needs: "[" (Markdown), "<" (HTML, autolinks) or a URL's start (bare
# URLs). A text without any of them has no link to judge (keep in step with the patterns).
_LINK_HINT = re.compile(r"[\[<]|://|www\.", re.IGNORECASE)


def link_check(
    answer: str, allowed_domains: Sequence[str], *, removed_marker: str = DEFAULT_REMOVED_LINK
) -> LinkCheck:
    """`answer` with every link and image to a host outside `allowed_domains` neutralised:
    images disappear, links keep their words but lose their target, bare URLs become
    `removed_marker`, reference definitions are dropped. Returns the cleaned text and the URLs
    removed."""
    if not _LINK_HINT.search(answer):
        return LinkCheck(answer, ())
    domains = normalise_domains(allowed_domains)
    removed: list[str] = []

    def allowed(url: str) -> bool:
        ok = url_allowed(url, domains)
        if not ok:
            removed.append(url)
        return ok

    text = answer
    if "[" in answer or "<" in answer:  # every Markdown link, image or autolink needs one
        text, found = markdown_links.neutralise(
            answer, lambda url: url_allowed(url, domains), removed_marker=removed_marker
        )
        removed.extend(found)

    def image(match: re.Match[str]) -> str:
        return match.group(0) if allowed(match.group(2)) else ""

    def link(match: re.Match[str]) -> str:
        return match.group(0) if allowed(match.group(2)) else match.group(1)

    def reference(match: re.Match[str]) -> str:
        return match.group(0) if allowed(match.group(1)) else ""

    def html_image(match: re.Match[str]) -> str:
        source = _attribute(match.group(0), "src")
        return match.group(0) if source and allowed(source) else ""

    def html_link(match: re.Match[str]) -> str:
        target = _attribute(match.group(1), "href")
        return match.group(0) if target and allowed(target) else match.group(2)

    def bare(match: re.Match[str]) -> str:
        url = match.group(1) if match.re is _AUTOLINK else match.group(0)
        trimmed = url.rstrip(".,;:!?")
        if allowed(trimmed):
            return match.group(0)
        return removed_marker + url[len(trimmed) :]

    if "[" in text:
        text = _MD_IMAGE.sub(image, text)
        text = _MD_LINK.sub(link, text)
        text = _MD_REFERENCE.sub(reference, text)
    if "<" in text:
        text = _HTML_IMAGE.sub(html_image, text)
        text = _HTML_LINK.sub(html_link, text)
        text = _AUTOLINK.sub(bare, text)
    text = _BARE_URL.sub(bare, text)
    return LinkCheck(text, tuple(removed))


_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*:")


def url_allowed(url: str, domains: Sequence[str]) -> bool:
    """Whether a link target is safe to show: http(s) on an allowed host or a subdomain of one,
    a relative link, an anchor, a tel: link, or a mailto: an allowed domain."""
    domains = normalise_domains(domains)
    target = url.strip()
    lowered = target.lower()
    if not target or lowered.startswith(("#", "tel:")):
        return True
    if lowered.startswith("mailto:"):
        return _host_allowed(lowered[7:].split("?", 1)[0].rpartition("@")[2], domains)
    if lowered.startswith("www."):
        target = "https://" + target
    elif lowered.startswith("//"):
        target = "https:" + target
    elif not _SCHEME.match(lowered):
        # A relative link stays on the page's own site and cannot reach another server. Its
        # first segment must not hide a scheme: Markdown renderers decode "javascript&#58;".
        head = re.split(r"[/?#]", lowered, maxsplit=1)[0]
        return not re.search(r"[:&%\\\s]", head) and not lowered.startswith("\\")
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    # No user-info, backslashes or non-ASCII in the host part: browsers and urllib disagree
    # about where the host of "https://good.com\@evil.com" or "https://good.com@evil.com" is.
    if parts.scheme.lower() not in ("http", "https") or not _SAFE_HOST.fullmatch(
        parts.netloc.lower()
    ):
        return False
    return _host_allowed(parts.hostname or "", domains)


def _host_allowed(host: str, domains: Sequence[str]) -> bool:
    host = host.lower().rstrip(".")
    return bool(host) and any(host == d or host.endswith("." + d) for d in domains)


class AllowedDomains(tuple[str, ...]):
    """Link domains already normalised by `normalise_domains`, which then returns them as they
    are: the stream guard normalises its inbox's domains once, not on every word."""

    __slots__ = ()


def normalise_domains(domains: Sequence[str]) -> AllowedDomains:
    """Host names from domains as an inbox may list them ("*.shop.example.com",
    "https://shop.example.com:443/"), lower case."""
    if isinstance(domains, AllowedDomains):
        return domains
    normalised = []
    for domain in domains:
        value = domain.strip().lower()
        if "//" in value:
            value = urlsplit(value).hostname or ""
        value = value.lstrip("*.").rstrip(".").split("/", 1)[0].split(":", 1)[0]
        if value:
            normalised.append(value)
    return AllowedDomains(normalised)


def _attribute(tag: str, name: str) -> str:
    match = re.search(_HTML_ATTRIBUTE.format(name=name), tag, re.IGNORECASE)
    if match is None:
        return ""
    return next(group for group in match.groups() if group is not None)


# --- abuse --------------------------------------------------------------------------------------

_ABUSE = lexicon.abuse_pattern()
_LEAK_MARKERS = tuple(" ".join(marker.split()).lower() for marker in lexicon.PROMPT_LEAK_MARKERS)


def abuse_check(answer: str, *, extra_terms: tuple[str, ...] = ()) -> Finding | None:
    """Profanity, insults and prompt leakage: never right in a support answer."""
    return abusive_term_check(answer, extra_terms=extra_terms) or prompt_leak_check(answer)


def abusive_term_check(answer: str, *, extra_terms: tuple[str, ...] = ()) -> Finding | None:
    """The first half of `abuse_check`: profanity and insults (words, a few at most)."""
    pattern = lexicon.abuse_pattern(extra_terms) if extra_terms else _ABUSE
    match = pattern.search(answer)
    if match:
        return Finding("abuse", "abusive", _excerpt(answer, match.start(), match.end()))
    return None


def prompt_leak_check(answer: str) -> Finding | None:
    """The second half of `abuse_check`: a phrase of the prompt, however re-cased or wrapped."""
    flat = " ".join(answer.split()).lower()
    for marker in _LEAK_MARKERS:
        index = flat.find(marker)
        if index != -1:
            return Finding("abuse", "prompt_leak", _excerpt(flat, index, index + len(marker)))
    return None


# --- confidential instructions ----------------------------------------------------------------

# A run of this many words copied from the instructions is a quote, not a coincidence.
CONFIDENTIAL_RUN_WORDS = 8
# Codes, keys and reference numbers: a letter and a digit within one token of 6+ characters,
# or an upper-case token of 8+ characters in parts joined by - or _ ("CANARY-TMSVIYZJUK",
# "VIP_ESCALATION"), which is how codes without digits are written.
_CODE = re.compile(
    r"(?=[\w-]*[A-Za-z])(?=[\w-]*[0-9])[\w-]{6,}"
    r"|(?<![\w-])(?=[A-Z0-9_-]{8,}(?![\w-]))[A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)+(?![\w-])"
)


# A word, as the confidential check and the stream guard split text into words.
WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"[\w-]+")


@dataclass(frozen=True, slots=True)
class Confidential:
    """The texts the customer must not see, read once: per text, its codes and its runs of
    CONFIDENTIAL_RUN_WORDS words (each with where it first occurs, so that the finding is the
    text's first run the answer repeats), all their words, and every shorter sequence of their
    consecutive words (an answer that ends in one may be about to copy a run: the stream guard
    holds it back). Read once per set of texts: a streamed answer is checked many times against
    the same texts, and every answer of an inbox against its instructions."""

    texts: tuple[tuple[tuple[str, ...], dict[str, int]], ...]
    words: frozenset[str]
    sequences: frozenset[str]

    @classmethod
    def of(cls, confidential: Sequence[str]) -> Confidential:
        return _read_confidential(tuple(confidential))


@lru_cache(maxsize=64)
def _read_confidential(confidential: tuple[str, ...]) -> Confidential:
    texts = []
    vocabulary: set[str] = set()
    sequences: set[str] = set()
    for text in confidential:
        words = WORD.findall(text.lower())
        runs: dict[str, int] = {}
        for start in range(len(words) - CONFIDENTIAL_RUN_WORDS + 1):
            runs.setdefault(" ".join(words[start : start + CONFIDENTIAL_RUN_WORDS]), start)
        codes = tuple(_CODE.findall(text))
        # A text without codes or runs (fewer words than a run) can never be repeated.
        if codes or runs:
            texts.append((codes, runs))
            vocabulary.update(words)
        if runs:
            sequences.update(
                " ".join(words[start : start + length])
                for start in range(len(words))
                for length in range(1, CONFIDENTIAL_RUN_WORDS)
                if start + length <= len(words)
            )
    return Confidential(tuple(texts), frozenset(vocabulary), frozenset(sequences))


def confidential_check(answer: str, confidential: Sequence[str] | Confidential) -> Finding | None:
    """Whether the answer repeats text the customer must not see (an inbox's instructions):
    any code-like token of it, or a run of words copied from it."""
    if not isinstance(confidential, Confidential):
        confidential = Confidential.of(confidential)
    if not confidential.texts:
        return None
    # A code is repeated when it is a whole token of the answer, so only when it is in it.
    codes_in = any(code in answer for codes, _runs in confidential.texts for code in codes)
    tokens = set(_TOKEN.findall(answer)) if codes_in else set()
    words = WORD.findall(answer.lower())
    # The answer's runs, as the texts' runs are written: a run is copied when one of them is.
    # Only where CONFIDENTIAL_RUN_WORDS words in a row are words of the texts: elsewhere no run
    # can be copied, and joining every run of the answer is most of this check's cost.
    runs = set()
    if sum(map(confidential.words.__contains__, words)) >= CONFIDENTIAL_RUN_WORDS:
        known = 0  # how many words up to this one are words of the texts
        for end, word in enumerate(words, 1):
            known = known + 1 if word in confidential.words else 0
            if known >= CONFIDENTIAL_RUN_WORDS:
                runs.add(" ".join(words[end - CONFIDENTIAL_RUN_WORDS : end]))
    for codes, text_runs in confidential.texts:
        for code in codes:
            if code in tokens:
                return Finding("abuse", "prompt_leak", code)
        copied = [(text_runs[run], run) for run in runs if run in text_runs]
        if copied:
            return Finding("abuse", "prompt_leak", min(copied)[1])
    return None


# --- the entry point ----------------------------------------------------------------------------


def check_answer(
    answer: str,
    *,
    passages: Sequence[str | HasText],
    allowed_domains: Sequence[str],
    customer_text: Sequence[str] = (),
    safe_message: str = DEFAULT_SAFE_MESSAGE,
    handoff_message: str = DEFAULT_HANDOFF_MESSAGE,
    removed_marker: str = DEFAULT_REMOVED_LINK,
    extra_abuse_terms: tuple[str, ...] = (),
    confidential: Sequence[str] = (),
) -> GuardrailResult:
    """Run every check on a complete answer. Pass translated messages for the customer's
    language; the defaults are English. `confidential`: texts of the prompt that must not be
    repeated (the inbox's instructions, which may hold internal notes and codes)."""
    abuse = abuse_check(answer, extra_terms=extra_abuse_terms) or confidential_check(
        answer, confidential
    )
    if abuse is not None:
        return GuardrailResult(safe_message, "replace", (abuse,), answer)
    cleaned, removed = link_check(answer, allowed_domains, removed_marker=removed_marker)
    findings = [Finding("link", "removed", url) for url in removed]
    commitment = commitment_check(cleaned, passages, customer_text=customer_text)
    if commitment is not None:
        return GuardrailResult(handoff_message, "handoff", (commitment, *findings), answer)
    return GuardrailResult(cleaned, "show", tuple(findings), answer)


def _excerpt(text: str, start: int, end: int, *, context: int = 30) -> str:
    return text[max(0, start - context) : end + context].strip()


# --- what the checks look for, for the stream guard's look-ahead ---------------------------------

# A quoted rule of the prompt, however its lines were wrapped: prompt_leak_check's markers.
_LEAK_PATTERN = re.compile(
    "|".join(r"\s+".join(map(re.escape, m.split())) for m in lexicon.PROMPT_LEAK_MARKERS),
    re.IGNORECASE,
)


def marker_patterns(
    extra_abuse_terms: tuple[str, ...] = (), *, short: bool = True
) -> tuple[re.Pattern[str], ...]:
    """Every pattern whose match a check may refuse: abusive terms, prompt rules, commitments
    (concepts, amounts, percentages, deadlines) and links. The stream guard holds back text that
    could still grow into one of them (keep in step with the checks above).

    ``short=False`` leaves out the ones whose matches are never longer than
    SHORT_MARKER_CHARACTERS (the built-in abusive terms, the commitment concepts, the numbers):
    a margin at least that long holds them back anyway."""
    long = (
        _LEAK_PATTERN,
        _MD_IMAGE,
        _MD_LINK,
        _MD_REFERENCE,
        _HTML_IMAGE,
        _HTML_LINK,
        _AUTOLINK,
        _BARE_URL,
    )
    if extra_abuse_terms:  # an inbox's own terms may be long
        long = (lexicon.abuse_pattern(extra_abuse_terms), *long)
    if not short:
        return long
    numbers = tuple(pattern for _kind, pattern in _NUMBER_CLAIMS)
    return (_ABUSE, _ANY_CONCEPT, *numbers, *long)


# More than the longest match of a built-in abusive term or commitment concept (37 characters,
# see stream_guard.MARKER_LOOKBACK) and of a number, which is read up to 21 characters, with its
# currency or unit ("12 working days").
SHORT_MARKER_CHARACTERS = 40
