"""The real `openai` client, through our OpenAICompatibleModel, against the simulator over HTTP."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from types import SimpleNamespace

import httpx2
import pytest
from openai import AsyncOpenAI

from assistant.llm.base import ModelError, complete, redact_secrets
from assistant.llm.config import build_llm_config
from assistant.llm.openai_compatible import (
    ClientPool,
    OpenAICompatibleEmbedder,
    OpenAICompatibleModel,
)
from assistant.llm.simulator import RunningSimulator
from assistant.llm.types import (
    ChatOptions,
    Finished,
    Message,
    StreamEvent,
    TextDelta,
    ToolCallEvent,
    ToolSpec,
)

from .conftest import LONG_ANSWER, fault_headers, sim_provider

HANDOFF = ToolSpec(
    "handoff",
    "Hand the conversation to a human agent.",
    {"type": "object", "properties": {"reason": {"type": "string"}}},
)


async def collect(model: OpenAICompatibleModel, *messages: Message, **kwargs) -> list[StreamEvent]:
    return [event async for event in model.stream(list(messages), **kwargs)]


async def test_streamed_text_arrives_as_deltas_spread_over_time(
    simulator: RunningSimulator, make_model
):
    # 40 words at 50 tokens/s take about 0.8 s to stream; a buffering client would deliver
    # them all at the same instant.
    model = make_model(default_headers={"X-Simulator-Tokens-Per-Second": "50"})
    arrivals: list[float] = []
    text = []
    async for event in model.stream([Message.user("Give me a long answer")]):
        if isinstance(event, TextDelta):
            arrivals.append(time.monotonic())
            text.append(event.text)

    assert "".join(text) == LONG_ANSWER
    assert len(arrivals) >= 20
    assert arrivals[-1] - arrivals[0] > 0.3
    # Half the deltas had arrived well before the last one: they were forwarded, not batched.
    assert arrivals[-1] - arrivals[len(arrivals) // 2] > 0.15


async def test_usage_is_captured_including_cached_input(simulator: RunningSimulator, make_model):
    model = make_model()
    system = Message.system("You are the support assistant of Example Shop. " * 20)

    first = (await collect(model, system, Message.user("hello")))[-1]
    second = (await collect(model, system, Message.user("hello again")))[-1]

    assert isinstance(first, Finished) and isinstance(second, Finished)
    assert first.usage.reported
    assert first.usage.input_tokens > 100
    assert first.usage.output_tokens > 0
    assert first.usage.cached_input_tokens == 0
    assert second.usage.cached_input_tokens > 0
    assert (first.provider, first.model, first.finish_reason) == ("sim", "qwen-plus", "stop")
    assert simulator.app.stats.last_request["stream_options"] == {"include_usage": True}


async def test_the_qwen_preset_asks_for_usage_and_switches_thinking_off(
    simulator: RunningSimulator,
):
    config = build_llm_config(dashscope_api_key="sk-test", qwen_base_url=simulator.base_url)
    pool = ClientPool(config.providers["qwen"])
    model = OpenAICompatibleModel(config.providers["qwen"], clients=pool)

    await collect(model, Message.user("hello"), options=ChatOptions(max_output_tokens=50))
    await pool.aclose()

    sent = simulator.app.stats.last_request
    assert sent["model"] == "qwen-plus"
    assert sent["enable_thinking"] is False
    assert sent["max_tokens"] == 50
    assert simulator.app.stats.last_headers["authorization"] == "Bearer sk-test"


async def test_a_tool_call_is_assembled_from_its_fragments(simulator: RunningSimulator, make_model):
    model = make_model()

    events = await collect(model, Message.user("I want a human please"), tools=[HANDOFF])

    calls = [e.call for e in events if isinstance(e, ToolCallEvent)]
    assert [(c.name, dict(c.arguments)) for c in calls] == [
        ("handoff", {"reason": "customer asked", "priority": 2})
    ]
    assert calls[0].id.startswith("call_")
    assert isinstance(events[-1], Finished) and events[-1].finish_reason == "tool_calls"
    assert simulator.app.stats.last_request["tools"][0]["function"]["name"] == "handoff"


async def test_interleaved_tool_calls_split_across_many_chunks_are_kept_apart(
    simulator: RunningSimulator, make_model
):
    model = make_model()

    events = await collect(model, Message.user("what is my order status?"), tools=[HANDOFF])

    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    calls = [e.call for e in events if isinstance(e, ToolCallEvent)]
    assert text == "Let me look that up."
    assert [c.name for c in calls] == ["lookup_order", "lookup_customer"]
    assert calls[0].arguments == {"order_id": "A-1001", "include": ["items", "shipping"]}
    assert calls[1].arguments == {"note": '客户 "VIP" {braces}'}


@pytest.mark.parametrize(
    ("fault", "kind", "retryable"),
    [
        ("429", "rate_limited", True),
        ("500", "server_error", True),
        ("503", "server_error", True),
        ("400", "bad_request", False),
        ("401", "authentication", False),
        ("refuse", "refused", False),
        ("drop", "connection", True),
        ("malformed", "malformed", True),
        ("hang", "timeout", True),
        ("stall", "timeout", True),
    ],
)
async def test_each_fault_is_mapped_to_the_right_error(
    simulator: RunningSimulator, fault: str, kind: str, retryable: bool, make_model
):
    # Only silences need a short first-token timeout; the others must fail on their own merits.
    model = make_model(first_token_timeout=0.3 if fault in ("hang", "stall") else 5.0)

    with pytest.raises(ModelError) as caught:
        await collect(model, Message.user(f"Give me a long answer [[fault:{fault}]]"))

    assert caught.value.kind == kind
    assert caught.value.retryable is retryable
    assert caught.value.provider == "sim"
    assert "test-key-0123456789" not in str(caught.value)


async def test_a_fault_can_be_selected_by_header(simulator: RunningSimulator, make_model):
    model = make_model(default_headers=fault_headers("503"))

    with pytest.raises(ModelError) as caught:
        await collect(model, Message.user("hello"))

    assert caught.value.status_code == 503


async def test_one_rate_limit_is_retried_and_the_answer_arrives(
    simulator: RunningSimulator, make_model
):
    simulator.app.queue_fault("429")
    model = make_model(max_retries=1)

    events = await collect(model, Message.user("hello"))

    assert isinstance(events[-1], Finished)
    assert simulator.app.stats.chat_requests == 2


async def test_retries_are_bounded(simulator: RunningSimulator, make_model):
    simulator.app.queue_fault("500", count=5)
    model = make_model(max_retries=2)

    with pytest.raises(ModelError):
        await collect(model, Message.user("hello"))

    assert simulator.app.stats.chat_requests == 3


async def test_errors_that_cannot_improve_are_not_retried(simulator: RunningSimulator, make_model):
    simulator.app.queue_fault("400", count=5)
    model = make_model(max_retries=3)

    with pytest.raises(ModelError):
        await collect(model, Message.user("hello"))

    assert simulator.app.stats.chat_requests == 1


async def test_nothing_is_retried_once_text_was_forwarded(simulator: RunningSimulator, make_model):
    model = make_model(max_retries=3)
    received = []

    with pytest.raises(ModelError) as caught:
        async for event in model.stream([Message.user("Give me a long answer [[fault:drop]]")]):
            received.append(event)

    assert caught.value.kind == "connection"
    assert received and all(isinstance(e, TextDelta) for e in received)
    assert simulator.app.stats.chat_requests == 1


async def test_the_first_token_timeout_is_honoured(simulator: RunningSimulator, make_model):
    model = make_model(first_token_timeout=0.3)
    started = time.monotonic()

    with pytest.raises(ModelError, match=r"no first token within 0\.3s"):
        await collect(model, Message.user("hello [[fault:hang]]"))

    # Far below the SDK's 10-minute default; the margin absorbs a slow machine.
    assert time.monotonic() - started < 3


async def test_the_total_timeout_bounds_a_slow_but_steady_stream(
    simulator: RunningSimulator, make_model
):
    # 40 words at 10 tokens/s take 4 s; no gap is a stall, but the total budget runs out.
    model = make_model(
        first_token_timeout=1.0,
        total_timeout=1.5,
        default_headers={"X-Simulator-Tokens-Per-Second": "10"},
    )
    started = time.monotonic()

    with pytest.raises(ModelError, match="total timeout") as caught:
        await collect(model, Message.user("Give me a long answer"))

    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 3


async def test_a_refused_connection_is_a_retryable_connection_error(
    simulator: RunningSimulator, make_model
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    model = make_model(base_url=f"http://127.0.0.1:{closed_port}/v1")

    with pytest.raises(ModelError) as caught:
        await collect(model, Message.user("hello"))

    assert (caught.value.kind, caught.value.retryable) == ("connection", True)


async def test_the_non_streaming_convenience_returns_the_whole_answer(
    simulator: RunningSimulator, make_model
):
    model = make_model()

    result = await complete(model, [Message.user("Give me a long answer")])

    assert result.text == LONG_ANSWER
    assert result.usage.output_tokens > 0
    assert (result.provider, result.finish_reason) == ("sim", "stop")


async def test_max_output_tokens_cuts_the_answer_with_finish_reason_length(
    simulator: RunningSimulator, make_model
):
    model = make_model()

    result = await complete(
        model, [Message.user("Give me a long answer")], options=ChatOptions(max_output_tokens=5)
    )

    assert result.text == "word0 word1 word2 word3 word4"
    assert result.finish_reason == "length"


async def test_embeddings_are_deterministic_and_similar_for_similar_text(
    simulator: RunningSimulator,
):
    pool = ClientPool(sim_provider(simulator))
    embedder = OpenAICompatibleEmbedder(sim_provider(simulator), clients=pool)
    texts = [
        "How do I reset my password?",
        "how can I reset the password",
        "Our shop ships to Norway and Sweden.",
    ] + [f"filler text number {i}" for i in range(10)]

    result = await embedder.embed(texts)
    again = await embedder.embed(texts[:1])
    await pool.aclose()

    def cosine(a, b):
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert len(result.vectors) == 13  # more than one request's worth (batches of 10)
    assert result.dimensions == 64
    assert again.vectors[0] == result.vectors[0]
    assert cosine(result.vectors[0], result.vectors[1]) > cosine(
        result.vectors[0], result.vectors[2]
    )
    assert cosine(result.vectors[0], result.vectors[1]) > 0.5
    assert result.usage.input_tokens > 0
    assert simulator.app.stats.embedding_requests == 3


async def test_the_simulator_also_answers_plain_sdk_calls(simulator: RunningSimulator):
    client = AsyncOpenAI(base_url=simulator.base_url, api_key="x", max_retries=0)
    try:
        models = await client.models.list()
        whole = await client.chat.completions.create(
            model="qwen-flash", messages=[{"role": "user", "content": "Give me a long answer"}]
        )
        vectors = await client.embeddings.create(model="text-embedding-v4", input="hello")
    finally:
        await client.close()

    assert "qwen-plus" in [m.id for m in models.data]
    assert whole.choices[0].message.content == LONG_ANSWER
    assert whole.usage is not None and whole.usage.completion_tokens > 0
    # The SDK asks for base64 by default; the simulator encodes it as real servers do.
    assert len(vectors.data[0].embedding) == 64


def test_credentials_are_scrubbed_from_provider_messages():
    message = (
        "Incorrect API key provided: sk-abcdef1234567890. Authorization: Bearer abc.def.ghi.jkl"
    )

    cleaned = redact_secrets(message, secrets=["my-custom-secret"])
    custom = redact_secrets("key my-custom-secret rejected", secrets=["my-custom-secret"])

    assert "sk-abcdef" not in cleaned and "abc.def.ghi" not in cleaned
    assert custom == "key [redacted] rejected"


class _ServedPool(ClientPool):
    """A client pool whose client reads a fixed SSE body: for chunk shapes the simulator never
    sends but a compatible server might."""

    def __init__(self, config, body: str) -> None:
        super().__init__(config)
        self._body = body.encode()

    def get(self) -> AsyncOpenAI:
        def serve(request: httpx2.Request) -> httpx2.Response:
            headers = {"content-type": "text/event-stream"}
            return httpx2.Response(200, headers=headers, content=self._body)

        http_client = httpx2.AsyncClient(transport=httpx2.MockTransport(serve))
        return AsyncOpenAI(base_url="http://model.test/v1", api_key="x", http_client=http_client)


def sse(*chunks: object) -> str:
    return "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks) + "data: [DONE]\n\n"


async def test_chunk_fields_of_unexpected_shapes_are_skipped():
    body = sse(
        {"choices": "not a list"},
        {"choices": [7, {"delta": {"content": "Hello", "tool_calls": "x"}}]},
        {"choices": [{"delta": {"content": ["not", "text"]}}]},
        {"choices": [{"delta": None, "finish_reason": "stop"}]},
        {"choices": [], "usage": {"prompt_tokens": "12", "completion_tokens": 3}},
    )
    config = sim_provider(SimpleNamespace(base_url="http://model.test/v1"))
    model = OpenAICompatibleModel(config, clients=_ServedPool(config, body))

    events = await collect(model, Message.user("hello"))

    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hello"]
    finished = events[-1]
    assert isinstance(finished, Finished) and finished.finish_reason == "stop"
    assert (finished.usage.input_tokens, finished.usage.output_tokens) == (0, 3)


async def test_a_chunk_that_is_not_an_object_is_a_malformed_stream():
    body = sse({"choices": [{"delta": {"content": "Hello"}}]}, ["a", "list"])
    config = sim_provider(SimpleNamespace(base_url="http://model.test/v1"))
    model = OpenAICompatibleModel(config, clients=_ServedPool(config, body))

    with pytest.raises(ModelError) as caught:
        await collect(model, Message.user("hello"))

    assert caught.value.kind == "malformed"


async def test_a_caller_slower_than_the_stall_limit_is_never_cancelled_by_it(
    simulator: RunningSimulator, make_model
):
    # The stall deadline covers the wait for the provider's next chunk, not the time a piece
    # spends with the caller: a caller that takes longer than the limit over each piece (a slow
    # socket) gets the whole answer, and its own code is not cancelled.
    model = make_model(first_token_timeout=0.2, total_timeout=30.0)
    pieces: list[str] = []
    async for event in model.stream([Message.user("Tell me about shipping")]):
        if isinstance(event, TextDelta):
            pieces.append(event.text)
            if len(pieces) <= 3:
                await asyncio.sleep(0.35)  # longer than the stall limit, inside the caller
    assert len(pieces) > 3
    assert "".join(pieces).strip()
