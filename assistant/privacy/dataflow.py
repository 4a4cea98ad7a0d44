"""Where an inbox's data goes: every provider that may receive its conversations, for each
purpose, with where it is, whether the text is pseudonymised first, and whether the inbox's
residency list allows it. Plain Python: the desk's data-protection page renders it, and a data
protection officer reads it instead of the model configuration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from .policy import PrivacySettings, jurisdiction_allowed, must_redact, must_redact_chain

# What each purpose sends, in words for the page.
PURPOSE_SENDS = {
    "reply": "the recent conversation and knowledge passages",
    "reply_b": "the recent conversation and knowledge passages (model comparison)",
    "summary": "the conversation transcript",
    "classification": "the customer's latest message",
    "embeddings": "the customer's question (to search the knowledge base) and article text",
}


@dataclass(frozen=True, slots=True)
class Hop:
    """One provider that may receive the inbox's data for one purpose."""

    purpose: str
    position: int  # 1: tried first; 2 and on: fallbacks, tried when the ones before fail
    provider: str
    model: str
    hosting: str
    jurisdiction: str
    endpoint_host: str  # where requests go, without credentials or path
    redacted: bool  # personal data pseudonymised before this call
    allowed: bool  # the inbox's residency list allows it

    @property
    def leaves_the_company(self) -> bool:
        return self.hosting != "internal"

    @property
    def in_process(self) -> bool:
        """Computed inside this server (the offline responder, the local embeddings model):
        the data is sent nowhere, not even to a self-hosted model."""
        return self.hosting == "internal" and self.jurisdiction.startswith("in-process")


def inbox_data_flow(
    providers: Mapping[str, object],
    routes: Mapping[str, Sequence[object]],
    privacy: PrivacySettings,
    *,
    purposes: Sequence[str],
) -> list[Hop]:
    """Every (purpose, provider) pair in route order. `providers` and `routes` are an LLMConfig's
    (`ProviderConfig` objects and `RouteStep`s); a chain is redacted as a whole, because any of
    its providers may receive the prompt built once for the first."""
    hops: list[Hop] = []
    for purpose in dict.fromkeys(purposes):
        chain = [
            (step, providers[name])
            for step in routes.get(purpose, ())
            if (name := str(getattr(step, "provider", step))) in providers
        ]
        configs = [provider for _step, provider in chain]
        chain_redacted = must_redact_chain(configs, redact_internal=privacy.redact_internal)
        for position, (step, provider) in enumerate(chain, start=1):
            hosting = str(getattr(provider, "hosting", ""))
            jurisdiction = str(getattr(provider, "jurisdiction", ""))
            model = getattr(step, "model", None) or str(getattr(provider, "model", ""))
            if purpose == "embeddings":
                model = str(getattr(provider, "embedding_model", None) or model)
            hops.append(
                Hop(
                    purpose=purpose,
                    position=position,
                    provider=str(getattr(provider, "name", "")),
                    model=model,
                    hosting=hosting,
                    jurisdiction=jurisdiction,
                    endpoint_host=urlsplit(str(getattr(provider, "base_url", ""))).hostname or "",
                    redacted=_redacted(purpose, hosting, chain_redacted, privacy),
                    allowed=jurisdiction_allowed(
                        privacy.allowed_jurisdictions, jurisdiction, hosting=hosting
                    ),
                )
            )
    return hops


def _redacted(purpose: str, hosting: str, chain_redacted: bool, privacy: PrivacySettings) -> bool:
    # Embeddings have no fallback chain: each request goes to the one provider, redacted by its
    # own label.
    if purpose == "embeddings":
        return must_redact(hosting, redact_internal=privacy.redact_internal)
    return chain_redacted
