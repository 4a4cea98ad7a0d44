"""Which calls are redacted, and where an inbox's data may be processed. Plain Python.

Redaction: every call to an external provider is redacted; a self-hosted ("internal") provider is
exempt, unless the inbox asks for redaction everywhere. A fallback chain is judged as a whole,
because the prompt is built once and handed to whichever provider ends up answering.

Residency: an inbox may list the jurisdictions its data may go to. An empty list means no
restriction. Self-hosted providers without a jurisdiction label (and the in-process offline
responder) keep the data inside the company and always pass; an external provider whose
jurisdiction is unknown never passes a restricted inbox.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from .detectors import DEFAULT_CONFIG, DetectorConfig

AuditPayloadMode = Literal["hash", "redacted"]

# Purposes whose calls carry an inbox's conversation data: replies and summaries send the
# conversation, classification sends messages, and retrieval embeds the customer's question.
DATA_PURPOSES: tuple[str, ...] = ("reply", "summary", "classification", "embeddings")

# Short names an administrator may write for the jurisdictions the model configuration reports.
_ALIASES = {
    "us": "united states",
    "usa": "united states",
    "cn": "china",
    "prc": "china",
    "sg": "singapore",
}


class ProviderLike(Protocol):
    """What this module needs of a provider: llm's ProviderInfo and ProviderConfig both fit."""

    @property
    def name(self) -> str: ...
    @property
    def hosting(self) -> str: ...
    @property
    def jurisdiction(self) -> str: ...


class ResidencyError(ValueError):
    """The provider would process this inbox's data outside its allowed jurisdictions."""

    def __init__(self, message: str, *, provider: str = "", jurisdiction: str = "") -> None:
        super().__init__(message)
        self.provider = provider
        self.jurisdiction = jurisdiction


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    """An inbox's data-protection settings as plain values (see models.InboxPrivacy)."""

    allowed_jurisdictions: tuple[str, ...] = ()
    redact_internal: bool = False
    audit_payload_mode: AuditPayloadMode = "hash"
    detector: DetectorConfig = field(default=DEFAULT_CONFIG)
    # Hosts the assistant may link to or show images from (subdomains included).
    link_domains: tuple[str, ...] = ()

    def with_known_names(self, *people: str) -> PrivacySettings:
        """These settings for one conversation whose people are known (the contact's name and
        e-mail address, the agents' names): the detectors also look for those names."""
        people = tuple(p for p in people if p)
        if not people:
            return self
        return replace(self, detector=self.detector.with_known_names(*people))


def must_redact(hosting: str, *, redact_internal: bool = False) -> bool:
    """External providers always; internal ones only on request. An unknown label counts as
    external: a typo must not send data out unredacted."""
    if hosting == "internal":
        return redact_internal
    return True


def must_redact_chain(chain: Iterable[ProviderLike], *, redact_internal: bool = False) -> bool:
    return any(must_redact(p.hosting, redact_internal=redact_internal) for p in chain)


def jurisdiction_allowed(allowed: Sequence[str], jurisdiction: str, *, hosting: str = "") -> bool:
    if not allowed:
        return True
    label = (jurisdiction or "").strip()
    if hosting == "internal" and (not label or label.startswith("in-process")):
        return True
    if not label or label.casefold().startswith("unknown"):
        return False
    names = _names(label)
    return any(_normalise(entry) in names for entry in allowed if entry and entry.strip())


def check_residency(
    allowed: Sequence[str], provider_jurisdiction: str, *, hosting: str = "", provider: str = ""
) -> None:
    """Raise ResidencyError unless `provider_jurisdiction` is allowed.

    "China" allows "China (Beijing)"; "United States (Virginia)" allows only that region.
    """
    if jurisdiction_allowed(allowed, provider_jurisdiction, hosting=hosting):
        return
    who = f"provider {provider!r}" if provider else "the provider"
    where = provider_jurisdiction.strip() or "an unknown jurisdiction"
    raise ResidencyError(
        f"{who} processes data in {where}, which this inbox does not allow "
        f"(allowed: {', '.join(allowed)})",
        provider=provider,
        jurisdiction=provider_jurisdiction,
    )


def check_chain_residency(allowed: Sequence[str], chain: Iterable[ProviderLike]) -> None:
    """Every provider of a fallback chain must be allowed: any of them may end up answering."""
    for provider in chain:
        check_residency(
            allowed, provider.jurisdiction, hosting=provider.hosting, provider=provider.name
        )


def residency_problems(
    providers: Mapping[str, ProviderLike],
    routes: Mapping[str, Sequence[object]],
    allowed: Sequence[str],
    *,
    purposes: Iterable[str] = DATA_PURPOSES,
) -> list[str]:
    """Human-readable problems for an LLMConfig's routes (`providers`, `routes`) against one
    inbox's allowed list. Route steps are RouteSteps (with `.provider`) or provider names."""
    problems: list[str] = []
    for purpose in dict.fromkeys(purposes):
        for step in routes.get(purpose, ()):
            name = str(getattr(step, "provider", step))
            provider = providers.get(name)
            if provider is None:
                continue  # the model configuration's own validation reports unknown providers
            try:
                check_residency(
                    allowed, provider.jurisdiction, hosting=provider.hosting, provider=name
                )
            except ResidencyError as error:
                problems.append(f"route {purpose!r}: {error}")
    return problems


def _normalise(text: str) -> str:
    folded = " ".join(text.casefold().split())
    return _ALIASES.get(folded, folded)


def _names(jurisdiction: str) -> set[str]:
    """The full label and its country part: "China (Beijing)" -> {"china (beijing)", "china"}."""
    full = _normalise(jurisdiction)
    return {full, _normalise(full.split("(", 1)[0])}
