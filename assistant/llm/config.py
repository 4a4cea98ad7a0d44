"""Validated model configuration, built from plain values.

This module never reads the environment: `assistant/settings.py` reads the variables once and
passes them to `build_llm_config()`, which validates them and fills in the defaults. Errors are
ValueErrors that name the environment variable an operator has to fix.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from .local_embeddings import LOCAL_EMBEDDINGS, LOCAL_JURISDICTION, LOCAL_MODEL
from .pricing import PriceTable
from .types import CHAT_PURPOSES, PURPOSES, Hosting

QWEN = "qwen"
OPENAI = "openai"
OFFLINE = "offline"
OFFLINE_MODEL = "offline-extractive"
LOCAL = LOCAL_EMBEDDINGS
# LLM_ROUTE_EMBEDDINGS=none: no embeddings at all, search is full text only.
NO_ROUTE = "none"

# Alibaba Cloud Model Studio's OpenAI-compatible endpoints. The region decides where prompts are
# processed (data residency) and which price list applies.
QWEN_REGIONS: Mapping[str, tuple[str, str]] = {
    "intl": ("https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "Singapore"),
    "us": ("https://dashscope-us.aliyuncs.com/compatible-mode/v1", "United States (Virginia)"),
    "cn": ("https://dashscope.aliyuncs.com/compatible-mode/v1", "China (Beijing)"),
}
_REGION_ALIASES = {
    "international": "intl",
    "singapore": "intl",
    "sg": "intl",
    "ap-southeast-1": "intl",
    "virginia": "us",
    "us-east-1": "us",
    "china": "cn",
    "beijing": "cn",
    "mainland": "cn",
    "cn-beijing": "cn",
}

# Public APIs that must never be labelled "internal": the privacy layer may skip redaction for
# internal providers, so a wrong label would send customer data out unredacted.
_PUBLIC_API_HOSTS = (
    "api.openai.com",
    "aliyuncs.com",
    "openrouter.ai",
    "api.together.xyz",
    "api.deepseek.com",
    "api.groq.com",
    "api.mistral.ai",
    "api.anthropic.com",
    "generativelanguage.googleapis.com",
    "api.fireworks.ai",
)
_INTERNAL_SUFFIXES = (".local", ".internal", ".lan", ".home.arpa", ".svc", ".cluster.local")

ENV_NAMES: Mapping[str, str] = {
    "reply": "LLM_ROUTE_REPLY",
    "reply_b": "LLM_ROUTE_REPLY_B",
    "summary": "LLM_ROUTE_SUMMARY",
    "classification": "LLM_ROUTE_CLASSIFICATION",
    "embeddings": "LLM_ROUTE_EMBEDDINGS",
}


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """One named provider: an endpoint with its credentials, default model and labels."""

    name: str
    kind: Literal["openai_compatible", "offline", "local"]
    model: str
    base_url: str = ""
    api_key: str | None = field(default=None, repr=False)
    embedding_model: str | None = None
    embedding_dimensions: int | None = None
    hosting: Hosting = "internal"
    jurisdiction: str = ""
    # The pricing region ("intl", "us", "cn" for Qwen; "" elsewhere).
    region: str = ""
    connect_timeout: float = 5.0
    first_token_timeout: float = 20.0
    total_timeout: float = 120.0
    max_retries: int = 1
    # Extra JSON fields sent with every chat request (e.g. Qwen's enable_thinking=false).
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    default_headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RouteStep:
    """One step of a fallback chain: a provider, optionally with a model other than its default."""

    provider: str
    model: str | None = None

    @classmethod
    def parse(cls, text: str) -> RouteStep:
        name, _, model = text.strip().partition(":")
        return cls(name.strip(), model.strip() or None)

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}" if self.model else self.provider


@dataclass(frozen=True, slots=True)
class LLMConfig:
    """Providers by name and, per purpose, the ordered chain of providers to try."""

    providers: Mapping[str, ProviderConfig]
    routes: Mapping[str, tuple[RouteStep, ...]]
    breaker_failures: int = 3
    breaker_cooldown: float = 30.0
    price_files: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _validate_routes(self.providers, self.routes)
        if self.breaker_failures < 1:
            raise ValueError("LLM_BREAKER_FAILURES: must be at least 1")
        if self.breaker_cooldown < 0:
            raise ValueError("LLM_BREAKER_COOLDOWN: must not be negative")


def offline_provider() -> ProviderConfig:
    return ProviderConfig(
        name=OFFLINE,
        kind="offline",
        model=OFFLINE_MODEL,
        hosting="internal",
        jurisdiction="in-process (no network)",
    )


def local_embeddings_provider() -> ProviderConfig:
    """The embeddings model shipped in its wheel, computed in this process: sends nothing."""
    return ProviderConfig(
        name=LOCAL,
        kind="local",
        model=LOCAL_MODEL,
        embedding_model=LOCAL_MODEL,
        hosting="internal",
        jurisdiction=LOCAL_JURISDICTION,
    )


def build_llm_config(
    *,
    dashscope_api_key: str | None,
    qwen_region: str = "intl",
    qwen_base_url: str | None = None,
    qwen_reply_model: str = "qwen-plus",
    qwen_fast_model: str = "qwen-flash",
    qwen_embedding_model: str = "text-embedding-v4",
    embedding_dimensions: int = 1024,
    openai_base_url: str | None = None,
    openai_api_key: str | None = None,
    openai_model: str | None = None,
    openai_embedding_model: str | None = None,
    openai_hosting: str = "auto",
    openai_jurisdiction: str = "",
    openai_extra_body: Mapping[str, Any] | None = None,
    routes: Mapping[str, Sequence[str] | str | None] | None = None,
    connect_timeout: float = 5.0,
    first_token_timeout: float = 20.0,
    total_timeout: float = 120.0,
    max_retries: int = 1,
    breaker_failures: int = 3,
    breaker_cooldown: float = 30.0,
    price_file: str | None = None,
) -> LLMConfig:
    """Validate settings and return the configuration the Registry is built from.

    Empty strings count as "not set", so raw environment values can be passed through.
    A `routes` value per purpose is a list of provider names (or one comma-separated string);
    a missing or None purpose gets the default chain described in docs/models.md.
    """
    dashscope_api_key = _blank_to_none(dashscope_api_key)
    qwen_base_url = _blank_to_none(qwen_base_url)
    openai_base_url = _blank_to_none(openai_base_url)
    openai_api_key = _blank_to_none(openai_api_key)
    openai_model = _blank_to_none(openai_model)
    openai_embedding_model = _blank_to_none(openai_embedding_model)

    _check_timeouts(connect_timeout, first_token_timeout, total_timeout, max_retries)
    if not 1 <= embedding_dimensions <= 8192:
        raise ValueError(f"EMBEDDING_DIMENSIONS: {embedding_dimensions} is not between 1 and 8192")
    for env, value in (
        ("QWEN_REPLY_MODEL", qwen_reply_model),
        ("QWEN_FAST_MODEL", qwen_fast_model),
        ("QWEN_EMBEDDING_MODEL", qwen_embedding_model),
    ):
        if not value or not value.strip():
            raise ValueError(f"{env}: must not be empty")

    timeouts = {
        "connect_timeout": connect_timeout,
        "first_token_timeout": first_token_timeout,
        "total_timeout": total_timeout,
        "max_retries": max_retries,
    }
    providers: dict[str, ProviderConfig] = {
        OFFLINE: offline_provider(),
        LOCAL: local_embeddings_provider(),
    }

    if dashscope_api_key:
        region, base_url, jurisdiction = _qwen_endpoint(qwen_region, qwen_base_url)
        providers[QWEN] = ProviderConfig(
            name=QWEN,
            kind="openai_compatible",
            model=qwen_reply_model.strip(),
            base_url=base_url,
            api_key=dashscope_api_key,
            embedding_model=qwen_embedding_model.strip(),
            embedding_dimensions=embedding_dimensions,
            hosting="external",
            jurisdiction=jurisdiction,
            region=region,
            # Qwen3 models can "think" before answering; customer-service replies must start
            # streaming at once and thinking tokens are billed at a higher output price.
            extra_body={"enable_thinking": False},
            **timeouts,
        )
    elif qwen_base_url:
        raise ValueError("DASHSCOPE_API_KEY: required when QWEN_BASE_URL is set")

    if openai_base_url:
        _check_url("OPENAI_BASE_URL", openai_base_url)
        if not openai_model:
            raise ValueError("OPENAI_MODEL: required when OPENAI_BASE_URL is set")
        providers[OPENAI] = ProviderConfig(
            name=OPENAI,
            kind="openai_compatible",
            model=openai_model,
            base_url=openai_base_url.rstrip("/"),
            api_key=openai_api_key,
            embedding_model=openai_embedding_model,
            embedding_dimensions=embedding_dimensions if openai_embedding_model else None,
            hosting=_hosting(openai_hosting, openai_base_url),
            jurisdiction=openai_jurisdiction.strip(),
            region="",
            extra_body=dict(openai_extra_body or {}),
            **timeouts,
        )
    else:
        for env, value in (
            ("OPENAI_API_KEY", openai_api_key),
            ("OPENAI_MODEL", openai_model),
            ("OPENAI_EMBEDDING_MODEL", openai_embedding_model),
        ):
            if value:
                raise ValueError(
                    f"OPENAI_BASE_URL: required when {env} is set "
                    "(use https://api.openai.com/v1 for OpenAI itself)"
                )

    chosen = _default_routes(providers, qwen_fast_model.strip())
    # Without its own setting, the comparison arm is the reply route: no split in effect.
    chosen["reply_b"] = chosen["reply"]
    for purpose, value in (routes or {}).items():
        if purpose not in PURPOSES:
            raise ValueError(f"unknown route purpose {purpose!r}; expected one of {PURPOSES}")
        if value is None:
            continue
        chosen[purpose] = _parse_route(value)

    price_files = (price_file.strip(),) if price_file and price_file.strip() else ()
    # Read the price file now so a typo stops start-up instead of the first priced call.
    PriceTable.load(*price_files)
    return LLMConfig(
        providers=providers,
        routes=chosen,
        breaker_failures=breaker_failures,
        breaker_cooldown=breaker_cooldown,
        price_files=price_files,
    )


def _default_routes(
    providers: Mapping[str, ProviderConfig], fast_model: str
) -> dict[str, tuple[RouteStep, ...]]:
    offline = RouteStep(OFFLINE)
    # Without an embeddings provider, the model shipped in its wheel keeps search semantic.
    local = (RouteStep(LOCAL),)
    if QWEN in providers:
        primary, fast, embed = RouteStep(QWEN), RouteStep(QWEN, fast_model), (RouteStep(QWEN),)
    elif OPENAI in providers:
        primary = fast = RouteStep(OPENAI)
        embed = (RouteStep(OPENAI),) if providers[OPENAI].embedding_model else local
    else:
        return {"reply": (offline,), "summary": (offline,), "classification": (offline,),
                "embeddings": local}  # fmt: skip
    return {
        "reply": (primary, offline),
        "summary": (fast, offline),
        "classification": (fast, offline),
        "embeddings": embed,
    }


def _parse_route(value: Sequence[str] | str) -> tuple[RouteStep, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    if [item.strip().lower() for item in items if item and item.strip()] == [NO_ROUTE]:
        return ()
    return tuple(RouteStep.parse(item) for item in items if item and item.strip())


def _validate_routes(
    providers: Mapping[str, ProviderConfig], routes: Mapping[str, tuple[RouteStep, ...]]
) -> None:
    for purpose, steps in routes.items():
        env = ENV_NAMES.get(purpose, purpose)
        if purpose not in PURPOSES:
            raise ValueError(f"unknown route purpose {purpose!r}; expected one of {PURPOSES}")
        for step in steps:
            provider = providers.get(step.provider)
            if provider is None:
                hint = {
                    QWEN: " (set DASHSCOPE_API_KEY to enable it)",
                    OPENAI: " (set OPENAI_BASE_URL and OPENAI_MODEL to enable it)",
                }.get(step.provider, "")
                raise ValueError(
                    f"{env}: provider {step.provider!r} is not configured{hint}; "
                    f"configured: {', '.join(sorted(providers))}"
                )
            if step.model is not None and provider.kind in ("offline", "local"):
                raise ValueError(f"{env}: provider {step.provider!r} has one model ({step})")
            if provider.kind == "local" and purpose in CHAT_PURPOSES:
                raise ValueError(f"{env}: {step.provider!r} only computes embeddings")
        if purpose in CHAT_PURPOSES:
            if not steps:
                raise ValueError(f'{env}: name at least one provider ("offline" needs no key)')
            if len({str(step) for step in steps}) != len(steps):
                raise ValueError(f"{env}: a provider appears twice in the chain")
        else:
            # Vectors from different models live in different spaces, so embeddings cannot fall
            # back from one provider to another without re-indexing the whole knowledge base.
            if len(steps) > 1:
                raise ValueError(
                    f"{env}: name one provider; embeddings cannot fall back between models"
                )
            for step in steps:
                provider = providers[step.provider]
                if provider.kind == "offline":
                    raise ValueError(f"{env}: the offline responder cannot compute embeddings")
                if not (step.model or provider.embedding_model):
                    raise ValueError(
                        f"{env}: provider {step.provider!r} has no embedding model "
                        "(set OPENAI_EMBEDDING_MODEL)"
                    )


def _qwen_endpoint(region: str, base_url: str | None) -> tuple[str, str, str]:
    """(pricing region, base URL, jurisdiction) for the Qwen preset."""
    if base_url:
        _check_url("QWEN_BASE_URL", base_url)
        base_url = base_url.rstrip("/")
        for key, (known_url, jurisdiction) in QWEN_REGIONS.items():
            if base_url == known_url:
                return key, base_url, jurisdiction
        # An explicit URL may be a proxy or another Alibaba region: its prices and jurisdiction
        # are not known here, so they are reported as unknown rather than guessed.
        return "custom", base_url, "unknown (explicit QWEN_BASE_URL)"
    key = (region or "intl").strip().lower()
    key = _REGION_ALIASES.get(key, key)
    if key not in QWEN_REGIONS:
        allowed = ", ".join(f"{k} ({jur})" for k, (_, jur) in QWEN_REGIONS.items())
        raise ValueError(
            f"QWEN_REGION: unknown region {region!r}; allowed: {allowed}, "
            "or set QWEN_BASE_URL to an explicit endpoint"
        )
    url, jurisdiction = QWEN_REGIONS[key]
    return key, url, jurisdiction


def _hosting(value: str, base_url: str) -> Hosting:
    choice = (value or "auto").strip().lower()
    host = (urlsplit(base_url).hostname or "").lower()
    public = any(host == h or host.endswith("." + h) for h in _PUBLIC_API_HOSTS)
    if choice == "auto":
        return "internal" if _looks_internal(host) else "external"
    if choice == "internal":
        if public:
            raise ValueError(
                f"OPENAI_HOSTING: {host} is a public cloud API and cannot be labelled internal"
            )
        return "internal"
    if choice == "external":
        return "external"
    raise ValueError(f"OPENAI_HOSTING: {value!r} is not one of auto, internal, external")


def _looks_internal(host: str) -> bool:
    """Loopback, private networks and cluster-local names are self-hosted; anything else is not
    assumed to be (the safe default for data protection)."""
    if host == "localhost" or host.endswith(_INTERNAL_SUFFIXES):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        # A single-label name ("vllm", "ollama") is a container or LAN host.
        return "." not in host and bool(host)
    return address.is_private or address.is_loopback or address.is_link_local


def _check_url(env: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{env}: {url!r} is not an http(s) URL")


def _check_timeouts(connect: float, first_token: float, total: float, retries: int) -> None:
    for env, value in (
        ("LLM_CONNECT_TIMEOUT", connect),
        ("LLM_FIRST_TOKEN_TIMEOUT", first_token),
        ("LLM_TOTAL_TIMEOUT", total),
    ):
        if not value > 0:
            raise ValueError(f"{env}: must be a positive number of seconds, got {value!r}")
    if first_token > total:
        raise ValueError("LLM_FIRST_TOKEN_TIMEOUT: must not exceed LLM_TOTAL_TIMEOUT")
    if not 0 <= retries <= 10:
        raise ValueError(f"LLM_MAX_RETRIES: must be between 0 and 10, got {retries!r}")


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None
