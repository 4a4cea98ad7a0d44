"""CPU that reading one streamed answer costs the model client, against the least a client can do.

    python bench/model_client_cost.py [--answers 200] [--words 30] [--results-dir bench/results]

Every answer the web process streams is read chunk by chunk from the model's HTTP response, in
the same event loop that serves the widgets, so whatever a chunk costs is paid by every
customer's first token under load (B1). This streams the same answer from the simulator (in a
process of its own, unpaced, so only the reading is measured) through three readers, one answer
at a time, and times each with this process's CPU clock:

- ours: `OpenAICompatibleModel.stream`, as the reply turn calls it (the SDK's request and SSE
  decoding, each chunk read as the JSON object it is, our deadlines and checks);
- sdk models: the SDK's documented `chat.completions.create(stream=True)`, which builds a typed
  `ChatCompletionChunk` for every chunk (what the model client did before);
- floor: the same HTTP client reading the event stream's lines and `json.loads` on each, with no
  SDK: what any reader has to do.

The ratios to the floor are what to compare between runs: these machines are noisy. No
database, no Django.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from _harness import RESULTS, Report, ratio, summarize
from _ws import MODEL, simulator

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx2  # noqa: E402  (the openai SDK's HTTP client)
from openai import AsyncOpenAI  # noqa: E402

from assistant.llm.config import ProviderConfig  # noqa: E402  (needs ROOT on sys.path)
from assistant.llm.openai_compatible import ClientPool, OpenAICompatibleModel  # noqa: E402
from assistant.llm.types import Message, TextDelta  # noqa: E402

QUESTION = "benchmark: when will my parcel arrive?"
API_KEY = "sk-bench"

Reader = Callable[[], Awaitable[str]]


@asynccontextmanager
async def readers(base_url: str) -> AsyncIterator[dict[str, Reader]]:
    """The three ways to read one answer, each returning the answer's text; their HTTP clients
    are closed on the way out."""
    config = ProviderConfig(
        name="simulator", kind="openai_compatible", model=MODEL, base_url=base_url,
        api_key=API_KEY, hosting="external", jurisdiction="bench", region="bench",
    )  # fmt: skip
    pool = ClientPool(config)
    model = OpenAICompatibleModel(config, clients=pool)
    sdk = AsyncOpenAI(base_url=base_url, api_key=API_KEY, max_retries=0)
    http = httpx2.AsyncClient(headers={"authorization": f"Bearer {API_KEY}"})
    body = {"model": MODEL, "messages": [{"role": "user", "content": QUESTION}], "stream": True}

    async def ours() -> str:
        pieces = []
        async for event in model.stream([Message.user(QUESTION)]):
            if isinstance(event, TextDelta):
                pieces.append(event.text)
        return "".join(pieces)

    async def sdk_models() -> str:
        pieces = []
        async for chunk in await sdk.chat.completions.create(**body):
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
        return "".join(pieces)

    async def floor() -> str:
        pieces = []
        async with http.stream("POST", f"{base_url}/chat/completions", json=body) as response:
            async for line in response.aiter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                choices = json.loads(line[6:]).get("choices")
                if choices and choices[0]["delta"].get("content"):
                    pieces.append(choices[0]["delta"]["content"])
        return "".join(pieces)

    try:
        yield {"ours": ours, "sdk models": sdk_models, "floor": floor}
    finally:
        await pool.aclose()
        await sdk.close()
        await http.aclose()


async def cpu_ms(read: Reader, answers: int, expected: str) -> list[float]:
    """CPU milliseconds of each of `answers` reads (after a few untimed ones to warm up)."""
    for _ in range(min(answers, 5)):
        if await read() != expected:
            raise SystemExit("a reader did not get the whole answer")
    gc.collect()
    samples = []
    for _ in range(answers):
        started = time.process_time_ns()
        await read()
        samples.append((time.process_time_ns() - started) / 1e6)
    return samples


async def measure(base_url: str, answers: int, expected: str) -> dict[str, dict[str, float]]:
    async with readers(base_url) as each:
        return {
            name: summarize(await cpu_ms(read, answers, expected)) for name, read in each.items()
        }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=200, help="answers timed per reader")
    parser.add_argument("--words", type=int, default=30, help="words in the answer")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    answer = " ".join(f"word{i}" for i in range(args.words))
    with simulator(ttft_ms=0, tokens_per_second=0, reply=answer) as base_url:
        results = asyncio.run(measure(base_url, args.answers, answer))

    report = Report("model_client_cost", params={"answers": args.answers, "words": args.words})
    floor = results["floor"]
    rows = [
        [name, r["p50"], r["mean"], r["p99"], ratio(r["p50"], floor["p50"]),
         round(r["p50"] / args.words, 4)]
        for name, r in results.items()
    ]  # fmt: skip
    report.table(
        "CPU per streamed answer (ms)",
        ["reader", "p50", "mean", "p99", "ratio p50 to floor", "p50 per word"],
        rows,
    )
    report.note(
        f"One answer of {args.words} words at a time from the simulator (own process, unpaced). "
        "CPU time of this process (time.process_time): the reader, its HTTP client and the "
        "event loop."
    )
    report.data["readers"] = results
    report.write(args.results_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
