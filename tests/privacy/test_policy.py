"""Which calls are redacted, and where an inbox's data may go (pure functions)."""

from __future__ import annotations

import pytest

from assistant.llm.config import build_llm_config
from assistant.llm.types import ProviderInfo
from assistant.privacy.policy import (
    ResidencyError,
    check_chain_residency,
    check_residency,
    jurisdiction_allowed,
    must_redact,
    must_redact_chain,
    residency_problems,
)

QWEN_SG = ProviderInfo("qwen", "openai_compatible", "qwen-plus", "external", "Singapore", "intl")
QWEN_CN = ProviderInfo("qwen", "openai_compatible", "qwen-plus", "external", "China (Beijing)")
VLLM = ProviderInfo("openai", "openai_compatible", "qwen3", "internal", "")
OFFLINE = ProviderInfo(
    "offline", "offline", "offline-extractive", "internal", "in-process (no network)"
)


def test_external_providers_are_always_redacted_internal_ones_on_request() -> None:
    assert must_redact("external") and must_redact("external", redact_internal=False)
    assert not must_redact("internal")
    assert must_redact("internal", redact_internal=True)


def test_an_unknown_hosting_label_counts_as_external() -> None:
    assert must_redact("") and must_redact("Internal ")


def test_a_chain_is_redacted_when_any_provider_in_it_is_external() -> None:
    assert must_redact_chain([QWEN_SG, OFFLINE])
    assert not must_redact_chain([VLLM, OFFLINE])
    assert must_redact_chain([VLLM, OFFLINE], redact_internal=True)


def test_no_allowed_list_means_no_restriction() -> None:
    check_residency([], "China (Beijing)")
    check_residency([], "")


@pytest.mark.parametrize(
    "allowed, jurisdiction",
    [
        (["Singapore"], "Singapore"),
        (["china"], "China (Beijing)"),
        (["CN"], "China (Beijing)"),
        (["US"], "United States (Virginia)"),
        (["United States (Virginia)"], "United States (Virginia)"),
    ],
)
def test_allowed_jurisdictions_match_by_country_or_exact_region(
    allowed: list[str], jurisdiction: str
) -> None:
    check_residency(allowed, jurisdiction, hosting="external")


def test_a_disallowed_jurisdiction_raises_a_clear_error() -> None:
    with pytest.raises(ResidencyError) as caught:
        check_residency(["Singapore"], "China (Beijing)", hosting="external", provider="qwen")
    assert str(caught.value) == (
        "provider 'qwen' processes data in China (Beijing), which this inbox does not allow "
        "(allowed: Singapore)"
    )
    assert caught.value.provider == "qwen" and caught.value.jurisdiction == "China (Beijing)"


def test_an_external_provider_of_unknown_jurisdiction_never_passes_a_restricted_inbox() -> None:
    for label in ("", "unknown (explicit QWEN_BASE_URL)"):
        assert not jurisdiction_allowed(["Singapore"], label, hosting="external")


def test_self_hosted_providers_without_a_label_keep_data_inside_and_pass() -> None:
    check_chain_residency(["Singapore"], [VLLM, OFFLINE])
    labelled = ProviderInfo("openai", "openai_compatible", "m", "internal", "United States")
    with pytest.raises(ResidencyError):
        check_chain_residency(["Singapore"], [labelled])


def test_every_provider_of_a_chain_must_be_allowed() -> None:
    check_chain_residency(["Singapore"], [QWEN_SG, OFFLINE])
    with pytest.raises(ResidencyError, match="China"):
        check_chain_residency(["Singapore"], [QWEN_SG, QWEN_CN])


def test_residency_problems_of_a_model_configuration() -> None:
    config = build_llm_config(dashscope_api_key="sk-test", qwen_region="cn")
    problems = residency_problems(config.providers, config.routes, ["Singapore"])
    assert problems and all("China (Beijing)" in p for p in problems)
    assert {p.split(":")[0] for p in problems} == {
        "route 'reply'",
        "route 'summary'",
        "route 'classification'",
        "route 'embeddings'",
    }
    assert residency_problems(config.providers, config.routes, ["China"]) == []
