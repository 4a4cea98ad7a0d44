"""build_llm_config: defaults, presets and validation errors that name the setting."""

from __future__ import annotations

import pytest

from assistant.llm.config import build_llm_config
from assistant.llm.registry import Registry


def routes_of(config) -> dict[str, list[str]]:
    return {purpose: [str(step) for step in steps] for purpose, steps in config.routes.items()}


def test_without_any_key_everything_is_offline_and_embeddings_are_computed_locally():
    config = build_llm_config(dashscope_api_key=None)

    assert routes_of(config) == {
        "reply": ["offline"],
        "reply_b": ["offline"],
        "summary": ["offline"],
        "classification": ["offline"],
        "embeddings": ["local"],
    }
    registry = Registry(config)
    embedder = registry.embedder()
    assert embedder is not None
    assert embedder.info.kind == "local" and embedder.info.hosting == "internal"
    assert embedder.info.jurisdiction == "in-process (no network)"
    assert registry.offline_only
    line = registry.describe()
    assert "offline responder only" in line
    assert "embeddings=local/wordllama-l2-supercat (in this process, nothing sent)" in line


def test_embeddings_can_be_switched_off_so_search_is_full_text_only():
    config = build_llm_config(dashscope_api_key=None, routes={"embeddings": "none"})

    assert routes_of(config)["embeddings"] == []
    registry = Registry(config)
    assert registry.embedder() is None
    assert "embeddings=none (search is full text only)" in registry.describe()


def test_the_local_embeddings_model_cannot_answer_chat():
    with pytest.raises(ValueError, match="LLM_ROUTE_REPLY: 'local' only computes embeddings"):
        build_llm_config(dashscope_api_key=None, routes={"reply": ["local", "offline"]})


def test_a_dashscope_key_makes_qwen_the_default_with_the_fast_model_for_background_work():
    config = build_llm_config(dashscope_api_key="sk-live")

    assert routes_of(config) == {
        "reply": ["qwen", "offline"],
        "reply_b": ["qwen", "offline"],
        "summary": ["qwen:qwen-flash", "offline"],
        "classification": ["qwen:qwen-flash", "offline"],
        "embeddings": ["qwen"],
    }
    qwen = config.providers["qwen"]
    assert qwen.base_url == "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
    assert (qwen.model, qwen.embedding_model, qwen.embedding_dimensions) == (
        "qwen-plus",
        "text-embedding-v4",
        1024,
    )
    assert (qwen.hosting, qwen.jurisdiction, qwen.region) == ("external", "Singapore", "intl")
    assert "sk-live" not in repr(config)


@pytest.mark.parametrize(
    ("region", "url", "key"),
    [
        ("us", "https://dashscope-us.aliyuncs.com/compatible-mode/v1", "us"),
        ("Beijing", "https://dashscope.aliyuncs.com/compatible-mode/v1", "cn"),
        ("singapore", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "intl"),
    ],
)
def test_the_region_selects_the_model_studio_endpoint(region, url, key):
    qwen = build_llm_config(dashscope_api_key="k", qwen_region=region).providers["qwen"]

    assert (qwen.base_url, qwen.region) == (url, key)


def test_an_unknown_region_is_rejected_with_the_allowed_values():
    with pytest.raises(ValueError, match="QWEN_REGION") as caught:
        build_llm_config(dashscope_api_key="k", qwen_region="xx")

    assert "'xx'" in str(caught.value)
    assert "intl" in str(caught.value) and "cn" in str(caught.value)


def test_an_explicit_qwen_url_has_unknown_prices_and_jurisdiction():
    qwen = build_llm_config(
        dashscope_api_key="k", qwen_base_url="https://proxy.example.com/v1/"
    ).providers["qwen"]

    assert (qwen.base_url, qwen.region) == ("https://proxy.example.com/v1", "custom")
    assert "unknown" in qwen.jurisdiction


def test_only_a_custom_endpoint_routes_everything_to_it():
    config = build_llm_config(
        dashscope_api_key=None,
        openai_base_url="http://localhost:8000/v1",
        openai_model="Qwen/Qwen3-8B",
    )

    assert routes_of(config)["reply"] == ["openai", "offline"]
    assert routes_of(config)["summary"] == ["openai", "offline"]
    # No embedding model at the endpoint: the local model keeps search semantic.
    assert routes_of(config)["embeddings"] == ["local"]
    assert config.providers["openai"].hosting == "internal"


def test_a_custom_endpoint_with_an_embedding_model_also_embeds():
    config = build_llm_config(
        dashscope_api_key="",
        openai_base_url="http://ollama:11434/v1",
        openai_model="qwen3:8b",
        openai_embedding_model="nomic-embed-text",
        embedding_dimensions=768,
    )

    assert routes_of(config)["embeddings"] == ["openai"]
    assert config.providers["openai"].embedding_dimensions == 768


@pytest.mark.parametrize(
    ("url", "hosting"),
    [
        ("http://127.0.0.1:8000/v1", "internal"),
        ("http://10.0.3.7/v1", "internal"),
        ("http://vllm:8000/v1", "internal"),
        ("http://llm.corp.internal/v1", "internal"),
        ("https://api.openai.com/v1", "external"),
        ("https://llm.example.com/v1", "external"),
    ],
)
def test_hosting_is_inferred_conservatively(url, hosting):
    config = build_llm_config(dashscope_api_key=None, openai_base_url=url, openai_model="m")

    assert config.providers["openai"].hosting == hosting


def test_a_public_cloud_api_cannot_be_labelled_internal():
    with pytest.raises(ValueError, match="OPENAI_HOSTING"):
        build_llm_config(
            dashscope_api_key=None,
            openai_base_url="https://api.openai.com/v1",
            openai_model="gpt-4o-mini",
            openai_hosting="internal",
        )


@pytest.mark.parametrize(
    ("kwargs", "setting"),
    [
        ({"openai_base_url": "http://x/v1"}, "OPENAI_MODEL"),
        ({"openai_api_key": "sk-1"}, "OPENAI_BASE_URL"),
        ({"openai_base_url": "ftp://x", "openai_model": "m"}, "OPENAI_BASE_URL"),
        (
            {"openai_base_url": "http://x/v1", "openai_model": "m", "openai_hosting": "x"},
            "OPENAI_HOSTING",
        ),
        ({"qwen_base_url": "https://x/v1"}, "DASHSCOPE_API_KEY"),
        ({"connect_timeout": 0}, "LLM_CONNECT_TIMEOUT"),
        ({"first_token_timeout": 200.0}, "LLM_FIRST_TOKEN_TIMEOUT"),
        ({"max_retries": -1}, "LLM_MAX_RETRIES"),
        ({"breaker_failures": 0}, "LLM_BREAKER_FAILURES"),
        ({"embedding_dimensions": 0}, "EMBEDDING_DIMENSIONS"),
        ({"routes": {"reply": ["qwen"]}}, "LLM_ROUTE_REPLY"),
        ({"routes": {"reply": []}}, "LLM_ROUTE_REPLY"),
        ({"routes": {"summary": "offline,offline"}}, "LLM_ROUTE_SUMMARY"),
        ({"routes": {"embeddings": ["offline"]}}, "LLM_ROUTE_EMBEDDINGS"),
        ({"routes": {"reply": ["offline:big"]}}, "LLM_ROUTE_REPLY"),
    ],
)
def test_invalid_settings_name_the_variable_to_fix(kwargs, setting):
    kwargs.setdefault("dashscope_api_key", None)

    with pytest.raises(ValueError, match=setting):
        build_llm_config(**kwargs)


def test_embeddings_cannot_fall_back_between_providers():
    with pytest.raises(ValueError, match="LLM_ROUTE_EMBEDDINGS: name one provider"):
        build_llm_config(
            dashscope_api_key="k",
            openai_base_url="http://x/v1",
            openai_model="m",
            openai_embedding_model="e",
            routes={"embeddings": ["qwen", "openai"]},
        )


def test_routes_can_be_given_as_comma_separated_text_with_model_overrides():
    config = build_llm_config(
        dashscope_api_key="k",
        openai_base_url="http://vllm:8000/v1",
        openai_model="Qwen/Qwen3-8B",
        routes={"reply": "openai, qwen:qwen-max, offline", "summary": None},
    )

    assert routes_of(config)["reply"] == ["openai", "qwen:qwen-max", "offline"]
    assert routes_of(config)["summary"] == ["qwen:qwen-flash", "offline"]  # None = default


def test_a_missing_price_file_stops_start_up():
    with pytest.raises(ValueError, match="LLM_PRICE_FILE"):
        build_llm_config(dashscope_api_key=None, price_file="/nonexistent/prices.toml")


def test_blank_strings_count_as_not_set():
    config = build_llm_config(
        dashscope_api_key="  ", openai_base_url="", openai_api_key="", openai_model=""
    )

    assert set(config.providers) == {"offline", "local"}
