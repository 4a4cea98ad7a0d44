"""B1's profile in numbers: thread hops, SQL and its CPU, and channel-layer sends per message.

    python bench/ws_hops.py [--messages 5] [--show-sql]

One widget (the real ASGI application, in this process, through Channels' WebsocketCommunicator
and the real Redis layer) sends messages that the simulator answers; every hop from the event
loop into a thread, every SQL statement and every `group_send` is counted while each message is
acknowledged and answered, with the CPU time the database threads spend on it (ORM, driver,
pool). The counts (not the CPU time) do not depend on the machine, so they are the before and
after figures of the hot-path work; B1 gives the time they cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _django import setup
from _harness import RESULTS, Report, summarize
from _ws import (
    KNOWLEDGE_CHOICES,
    ORIGIN,
    REPLY_PATTERN,
    UNLIMITED,
    bench_inbox,
    bench_question,
    bench_reply,
    knowledge_base,
)

REPLY_WORDS = 30
# The SQL of the message being counted (--show-sql prints the last message's).
statements: list[str] = []


@contextmanager
def counting() -> Iterator[Counter[str]]:
    """Count hops into threads, SQL statements and channel-layer group sends (bench only)."""
    from asgiref.sync import AsyncToSync, SyncToAsync
    from channels_redis.core import RedisChannelLayer
    from channels_redis.pubsub import RedisPubSubLoopLayer
    from django.db.backends.utils import CursorWrapper

    from assistant import db_async
    from assistant.chat import retrieval

    counts: Counter[str] = Counter()
    # Statements run inside the knowledge search are also counted apart: the issue 23 budget
    # (8 per message) is for the turn's own statements, besides the search's.
    in_search = threading.local()
    patched = [
        (SyncToAsync, "__call__", "sync_to_async hops"),
        (AsyncToSync, "__call__", "async_to_sync hops"),
        (CursorWrapper, "execute", "SQL statements"),
        (CursorWrapper, "executemany", "SQL statements"),
        # Whichever layer is configured (CHANNEL_LAYER): the core one or pub/sub's per-loop one.
        (RedisChannelLayer, "group_send", "group_send calls"),
        (RedisPubSubLoopLayer, "group_send", "group_send calls"),
    ]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patched]

    def wrap(original: Any, label: str) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            counts[label] += 1
            if label == "SQL statements":
                statements.append(str(args[1])[:160])
                if getattr(in_search, "active", False):
                    counts["of which the knowledge search"] += 1
            return original(*args, **kwargs)

        return counted

    for (owner, name, label), (_, _, original) in zip(patched, originals, strict=True):
        setattr(owner, name, wrap(original, label))
    run_call = db_async._closing
    cpu_ns: list[int] = []

    def timed_call(*args: Any, **kwargs: Any) -> Any:
        # The CPU of the database threads themselves (ORM, driver, pool), not waits.
        started = time.thread_time_ns()
        try:
            return run_call(*args, **kwargs)
        finally:
            cpu_ns.append(time.thread_time_ns() - started)

    search = retrieval.retrieve

    def searching(*args: Any, **kwargs: Any) -> Any:
        in_search.active = True
        try:
            return search(*args, **kwargs)
        finally:
            in_search.active = False

    db_async._closing = timed_call
    retrieval.retrieve = searching
    try:
        yield counts
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
        db_async._closing = run_call
        retrieval.retrieve = search
        counts["database CPU ms"] = round(sum(cpu_ns) / 1e6, 2)


async def _frames_until(socket: Any, kind: str) -> list[dict[str, Any]]:
    frames = []
    while True:
        frame = json.loads(await socket.receive_from(timeout=30))
        if frame["type"] == "error":
            raise RuntimeError(f"the widget answered with an error: {frame}")
        frames.append(frame)
        if frame["type"] == kind:
            return frames


async def one_message(inbox_key: str, index: int, knowledge: str) -> dict[str, Any]:
    """A new visitor says hello and sends its first message, as every B1 client does."""
    from channels.db import database_sync_to_async
    from channels.testing.websocket import WebsocketCommunicator

    from assistant.asgi import application
    from assistant.chat import services

    session = await database_sync_to_async(services.session_start)(
        inbox_key=inbox_key, origin=ORIGIN, visitor_secret=None, identity=None, language="en"
    )
    headers = [(b"origin", ORIGIN.encode())]
    socket = WebsocketCommunicator(application, "/ws/widget/", headers=headers)
    socket.scope["client"] = ("127.0.0.1", 5000)
    await socket.connect()
    await socket.send_to(text_data=json.dumps({"type": "hello", "token": session.token}))
    await _frames_until(socket, "welcome")
    frame = {"type": "message", "client_id": f"h{index}", "text": bench_question(knowledge)}
    statements.clear()
    with counting() as counts:
        started = time.perf_counter()
        await socket.send_to(text_data=json.dumps(frame))
        frames = await _frames_until(socket, "stream_end")
        # Let the turn finish its bookkeeping (lock release, re-check) before counting stops.
        await asyncio.sleep(0.3)
    await socket.disconnect()
    deltas = sum(1 for f in frames if f["type"] == "stream_delta")
    cited = bool(frames[-1]["message"] and frames[-1]["message"]["citations"])
    return {**counts, "deltas": deltas, "cited": cited, "seconds": time.perf_counter() - started}


async def measure(inbox_key: str, messages: int, knowledge: str) -> list[dict[str, Any]]:
    return [await one_message(inbox_key, index, knowledge) for index in range(messages)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--show-sql", action="store_true", help="print the last message's SQL")
    parser.add_argument(
        "--knowledge",
        choices=KNOWLEDGE_CHOICES,
        default="none",
        help="none (retrieval finds nothing) or the demo articles (passages and a citation)",
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    setup("bench_ws", redis=True)
    from django.conf import settings

    from assistant import calls
    from assistant.llm.config import build_llm_config
    from assistant.llm.simulator import Rule, run_in_thread

    reply = bench_reply(REPLY_WORDS, args.knowledge)
    chunks = knowledge_base(args.knowledge)
    rules = [Rule.from_dict({"pattern": REPLY_PATTERN, "reply": reply})]
    with run_in_thread(ttft=0.05, tokens_per_second=500, rules=rules) as sim, bench_inbox() as key:
        settings.LLM = build_llm_config(
            dashscope_api_key=None, openai_base_url=sim.base_url, openai_api_key="sk-bench",
            openai_model="qwen-plus", routes={"classification": ["offline"]},
        )  # fmt: skip
        calls.reset()
        # Every message comes from 127.0.0.1, like the B1 clients just before it in run_all,
        # whose messages still count in this minute's per-IP window: lift the limits as B1 does.
        settings.WIDGET_RATE_LIMITS = {name: int(UNLIMITED) for name in settings.WIDGET_RATE_LIMITS}
        turns = asyncio.run(measure(key, args.messages, args.knowledge))
    labels = [
        "sync_to_async hops",
        "async_to_sync hops",
        "SQL statements",
        "of which the knowledge search",
        "group_send calls",
        "database CPU ms",
    ]
    params: dict[str, Any] = {"messages": args.messages}
    if args.knowledge != "none":
        params["knowledge"] = args.knowledge
    report = Report("ws_hops", params=params)
    rows = [[label, *(summarize(t.get(label, 0) for t in turns)[k] for k in ("p50", "max"))]
            for label in labels]  # fmt: skip
    rows.append(
        ["stream deltas", *(summarize(t["deltas"] for t in turns)[k] for k in ("p50", "max"))]
    )
    report.table("Per customer message (acknowledged and answered)", ["count", "p50", "max"], rows)
    report.note(
        f"The simulator answers {REPLY_WORDS} words; the first message starts the conversation. "
        "Counted in-process with the real application, the real PostgreSQL and Redis layer."
    )
    report.note(f"Channel layer: {settings.CHANNEL_LAYERS['default']['BACKEND']}.")
    cited = sum(1 for t in turns if t["cited"])
    report.note(
        f"Knowledge base: {args.knowledge} ({chunks} chunks); {cited} of {len(turns)} answers "
        "cited a source."
    )
    report.data["knowledge"] = {"kind": args.knowledge, "chunks": chunks}
    report.data["turns"] = turns
    report.write(args.results_dir)
    if args.show_sql:
        print("\n".join(statements))
    return 0


if __name__ == "__main__":
    sys.exit(main())
