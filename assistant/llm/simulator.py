"""An OpenAI-compatible model server for tests, demos and benchmarks. Nothing in the product
depends on it.

    python -m assistant.llm.simulator --port 8400 --ttft-ms 300 --tokens-per-second 40

It is a real HTTP server (a plain ASGI app under uvicorn) speaking the same protocol as Qwen's
compatible mode, vLLM or OpenAI:

- POST /v1/chat/completions, streaming (SSE, with `stream_options.include_usage`) or not;
- POST /v1/embeddings: deterministic vectors from hashed word and character-trigram features, so
  similar texts get similar vectors;
- GET /v1/models.

Replies come from rules (a JSON file: regex pattern -> reply text and/or tool calls) or, by
default, from the passages found in the system prompt. After a tool's result (the last message
has the role "tool") the reply states the result's fields, as a model phrasing it would. Usage
numbers are realistic estimates (repeated system prompts are reported as cached input). Time
to first token and tokens per second are configurable, per server or per request.

Faults on demand, per request, via the `X-Simulator-Fault` header or a `[[fault:NAME]]` marker in
the last user message, or queued with POST /_simulator/faults {"fault": NAME, "count": N}:

    429        rate limited (with retry-after-ms: 50)
    500, 503   server errors
    400        bad request;  401  wrong key;  refuse  content inspection failed (400)
    hang       accept the request and never answer
    stall      stream a few tokens, then go silent
    drop       stream about half the answer, then drop the connection
    malformed  stream a few tokens, then a chunk that is not JSON

Other per-request headers: `X-Simulator-TTFT-Ms`, `X-Simulator-Tokens-Per-Second`.

Embeddings requests take a fault from a `[[fault:NAME]]` marker in any of their inputs only
(the error faults, and hang; stall hangs too, as there is no stream to stall).
"""

from __future__ import annotations

import argparse
import array
import asyncio
import base64
import hashlib
import itertools
import json
import logging
import math
import re
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from .mdblocks import units
from .quoting import quote
from .textmatch import estimate_tokens, normalize, pieces, rank, terms

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

FAULTS = ("429", "500", "503", "400", "401", "refuse", "hang", "stall", "drop", "malformed")
_FAULT_MARKER = re.compile(r"\[\[fault:([a-z0-9]+)\]\]", re.IGNORECASE)
DONT_KNOW = "I'm not sure about that. Would you like me to connect you with a member of our team?"
# What a model told to ask for details when no passage answers (a draft for an agent:
# assistant.chat.prompting.DRAFT_RULES) writes instead of offering a person.
ASK_FOR_DETAILS = (
    "Thank you for your message. Could you tell me a little more about what you need, for "
    "example the product or your order number, so that I can help you?"
)
_ASKS_FOR_DETAILS = re.compile(r"asks the customer for the details", re.IGNORECASE)
DEFAULT_MODELS = ("qwen-plus", "qwen-flash", "text-embedding-v4", "simulated")
# A hung request is released after this long even if the client never gives up, so a forgotten
# simulator cannot hold sockets forever.
MAX_HANG_SECONDS = 600.0


class SimulatedDrop(Exception):
    """Raised inside the app to make the server cut the connection mid-response."""


class _HideSimulatedDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], SimulatedDrop))


_HIDE_SIMULATED_DROPS = _HideSimulatedDrops()


@dataclass(frozen=True, slots=True)
class Rule:
    """When `pattern` matches the last user message: answer `reply` and/or call `tool_calls`
    (each {"name": ..., "arguments": {...}}). `interleave` streams the argument fragments of
    several calls alternately, as some providers do."""

    pattern: re.Pattern[str]
    reply: str = ""
    tool_calls: tuple[Mapping[str, Any], ...] = ()
    interleave: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        calls = tuple(data.get("tool_calls", ()))
        if "tool_call" in data:
            calls = (*calls, data["tool_call"])
        for call in calls:
            if not isinstance(call, Mapping) or "name" not in call:
                raise ValueError(f"rule {data.get('pattern')!r}: each tool call needs a name")
        if not data.get("reply") and not calls:
            raise ValueError(f"rule {data.get('pattern')!r} has neither a reply nor a tool call")
        return cls(
            pattern=re.compile(str(data["pattern"]), re.IGNORECASE),
            reply=str(data.get("reply", "")),
            tool_calls=calls,
            interleave=bool(data.get("interleave", False)),
        )


def load_rules(path: str | Path) -> list[Rule]:
    """Rules file: {"rules": [{"pattern": "...", "reply": "..."}, ...]} or just the list."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    items = data["rules"] if isinstance(data, Mapping) else data
    return [Rule.from_dict(item) for item in items]


@dataclass
class SimulatorConfig:
    ttft: float = 0.2  # seconds before the first token
    tokens_per_second: float = 50.0  # 0 means as fast as possible
    rules: Sequence[Rule] = ()
    api_key: str | None = None  # when set, requests must carry it as a bearer token
    fault: str | None = None  # a fault applied to every chat request
    embedding_dimensions: int = 1024
    models: Sequence[str] = DEFAULT_MODELS


@dataclass(frozen=True, slots=True)
class _Reply:
    text: str
    tool_calls: tuple[tuple[str, str, str], ...]  # (id, name, JSON arguments)
    interleave: bool


@dataclass
class Stats:
    chat_requests: int = 0
    embedding_requests: int = 0
    faults_served: dict[str, int] = field(default_factory=dict)
    last_request: dict[str, Any] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Every text sent for embedding, in order: what a provider would have seen.
    embedding_inputs: list[str] = field(default_factory=list)
    last_headers: dict[str, str] = field(default_factory=dict)


class Simulator:
    """The ASGI application. Thread-safe controls (`queue_fault`, `clear_faults`) let a test in
    one thread steer a server running in another."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self.stats = Stats()
        self._faults: deque[str] = deque()
        self._lock = threading.Lock()
        self._seen_system_prompts: set[str] = set()
        self._ids = itertools.count(1)
        # One shared filter instance, so starting many simulators adds it only once.
        logging.getLogger("uvicorn.error").addFilter(_HIDE_SIMULATED_DROPS)

    # --- controls ----------------------------------------------------------------------------

    def queue_fault(self, fault: str, count: int = 1) -> None:
        """The next `count` chat requests without a fault of their own get this one."""
        _check_fault(fault)
        with self._lock:
            self._faults.extend([fault] * count)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def reset(self) -> None:
        self.clear_faults()
        with self._lock:
            self.stats = Stats()
            self._seen_system_prompts.clear()

    # --- ASGI ----------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"].rstrip("/")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}

        if path == "/_simulator/faults":
            await self._control(method, receive, send)
            return
        if self.config.api_key and headers.get("authorization") != f"Bearer {self.config.api_key}":
            await _error(send, 401, "Incorrect API key provided.", "invalid_api_key")
            return
        if method == "GET" and path in ("/v1/models", "/models"):
            await _json(send, 200, self._models())
            return
        if method != "POST" or path not in (
            "/v1/chat/completions",
            "/chat/completions",
            "/v1/embeddings",
            "/embeddings",
        ):
            await _error(send, 404, f"no route for {method} {scope['path']}", "not_found")
            return
        try:
            body = json.loads(await _read_body(receive) or b"{}")
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
        except ValueError as exc:
            await _error(send, 400, f"invalid JSON body: {exc}", "invalid_request_error")
            return
        if path.endswith("embeddings"):
            await self._embeddings(body, receive, send)
        else:
            await self._chat(body, headers, receive, send)

    async def _control(self, method: str, receive: Receive, send: Send) -> None:
        if method == "DELETE":
            self.clear_faults()
            await _json(send, 200, {"queued": 0})
            return
        try:
            body = json.loads(await _read_body(receive) or b"{}")
            self.queue_fault(str(body["fault"]), int(body.get("count", 1)))
        except (ValueError, KeyError, TypeError) as exc:
            await _error(send, 400, f"expected {{'fault': one of {FAULTS}, 'count': n}}: {exc}")
            return
        await _json(send, 200, {"queued": len(self._faults)})

    def _models(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [
                {"id": m, "object": "model", "created": 0, "owned_by": "simulator"}
                for m in self.config.models
            ],
        }

    # --- chat ----------------------------------------------------------------------------------

    async def _chat(
        self, body: dict[str, Any], headers: Mapping[str, str], receive: Receive, send: Send
    ) -> None:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            await _error(send, 400, "messages must be a non-empty list", "invalid_request_error")
            return
        last_user = next(
            (_text(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), ""
        )
        fault = self._pick_fault(headers, last_user)
        with self._lock:
            self.stats.chat_requests += 1
            self.stats.last_request = body
            self.stats.requests.append(body)
            self.stats.last_headers = dict(headers)
            if fault:
                self.stats.faults_served[fault] = self.stats.faults_served.get(fault, 0) + 1

        if fault in ("429", "500", "503", "400", "401", "refuse"):
            await _fault_response(send, fault)
            return
        if fault == "hang":
            await _wait_for_disconnect(receive)
            return

        ttft = _float_header(headers, "x-simulator-ttft-ms", self.config.ttft * 1000) / 1000
        tps = _float_header(headers, "x-simulator-tokens-per-second", self.config.tokens_per_second)
        reply = self._reply(messages, _FAULT_MARKER.sub("", last_user).strip(), body)
        model = str(body.get("model") or "simulated")
        max_tokens = body.get("max_tokens") or body.get("max_completion_tokens")
        text_pieces = pieces(reply.text)
        finish = "tool_calls" if reply.tool_calls else "stop"
        if isinstance(max_tokens, int) and len(text_pieces) > max_tokens:
            text_pieces, finish = text_pieces[:max_tokens], "length"
            reply = _Reply("".join(text_pieces), (), False)
        usage = self._usage(messages, body.get("tools"), reply)
        completion_id = f"chatcmpl-sim-{next(self._ids)}"

        if not body.get("stream"):
            await asyncio.sleep(ttft + len(text_pieces) / tps if tps > 0 else ttft)
            await self._chat_whole(send, receive, completion_id, model, reply, finish, usage, fault)
            return
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        await self._chat_stream(
            send,
            receive,
            completion_id=completion_id,
            model=model,
            reply=reply,
            text_pieces=text_pieces,
            finish=finish,
            usage=usage if include_usage else None,
            ttft=ttft,
            tps=tps,
            fault=fault,
        )

    def _pick_fault(self, headers: Mapping[str, str], last_user: str) -> str | None:
        fault = headers.get("x-simulator-fault")
        if not fault:
            marker = _FAULT_MARKER.search(last_user)
            fault = marker.group(1) if marker else None
        if not fault:
            with self._lock:
                fault = self._faults.popleft() if self._faults else None
        fault = (fault or self.config.fault or "").lower() or None
        if fault is not None and fault not in FAULTS:
            fault = None  # an unknown fault name is ignored rather than breaking a demo
        return fault

    def _reply(self, messages: list[dict[str, Any]], question: str, body: dict[str, Any]) -> _Reply:
        if messages[-1].get("role") == "tool":
            # A tool's result came back: phrase it, as a model would, instead of calling the
            # same tool again for the same question.
            return _Reply(after_tool(_text(messages[-1].get("content"))), (), False)
        for rule in self.config.rules:
            if rule.pattern.search(question):
                calls = tuple(
                    (
                        f"call_{next(self._ids)}",
                        str(call["name"]),
                        json.dumps(call.get("arguments", {}), ensure_ascii=False),
                    )
                    for call in rule.tool_calls
                )
                return _Reply(rule.reply, calls, rule.interleave)
        return _Reply(answer_from_prompt(messages, question), (), False)

    def _usage(
        self, messages: list[dict[str, Any]], tools: object, reply: _Reply
    ) -> dict[str, Any]:
        prompt = sum(4 + estimate_tokens(_text(m.get("content"))) for m in messages)
        if tools:
            prompt += estimate_tokens(json.dumps(tools))
        system = "\n".join(_text(m.get("content")) for m in messages if m.get("role") == "system")
        cached = 0
        if system:
            with self._lock:
                # Providers cache a repeated prompt prefix; the system prompt is the usual one.
                if system in self._seen_system_prompts:
                    cached = estimate_tokens(system)
                self._seen_system_prompts.add(system)
        completion = estimate_tokens(reply.text) + sum(
            estimate_tokens(name) + estimate_tokens(args) + 3 for _, name, args in reply.tool_calls
        )
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": min(cached, prompt)},
        }

    async def _chat_whole(
        self,
        send: Send,
        receive: Receive,
        completion_id: str,
        model: str,
        reply: _Reply,
        finish: str,
        usage: dict[str, Any],
        fault: str | None,
    ) -> None:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        if reply.tool_calls:
            message["tool_calls"] = [
                {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}
                for cid, name, args in reply.tool_calls
            ]
        payload = {
            "id": completion_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": usage,
        }
        data = json.dumps(payload).encode()
        if fault == "malformed":
            data = data[: len(data) // 2]
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(data))]
        if fault in ("drop", "stall"):
            # Promise the whole body, deliver half, then cut (drop) or go silent (stall).
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send(
                {"type": "http.response.body", "body": data[: len(data) // 2], "more_body": True}
            )
            if fault == "stall":
                await _wait_for_disconnect(receive)
                return
            raise SimulatedDrop("simulated connection drop")
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    async def _chat_stream(
        self,
        send: Send,
        receive: Receive,
        *,
        completion_id: str,
        model: str,
        reply: _Reply,
        text_pieces: list[str],
        finish: str,
        usage: dict[str, Any] | None,
        ttft: float,
        tps: float,
        fault: str | None,
    ) -> None:
        created = int(time.time())

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
            payload = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
            }
            return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"

        # Headers go out at once, like a real provider; the first token follows after `ttft`.
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream; charset=utf-8"),
                    (b"cache-control", b"no-cache"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b": simulator\n\n", "more_body": True})
        # Stop producing as soon as the client goes away, as a real server would; otherwise a
        # client that timed out would keep this task busy until the whole answer was paced out.
        disconnected = asyncio.Event()
        watcher = asyncio.create_task(_watch_disconnect(receive, disconnected))
        try:
            await self._send_frames(
                send,
                disconnected,
                chunk=chunk,
                completion_id=completion_id,
                created=created,
                model=model,
                reply=reply,
                text_pieces=text_pieces,
                finish=finish,
                usage=usage,
                ttft=ttft,
                tps=tps,
                fault=fault,
            )
        finally:
            watcher.cancel()

    async def _send_frames(
        self,
        send: Send,
        disconnected: asyncio.Event,
        *,
        chunk: Callable[..., bytes],
        completion_id: str,
        created: int,
        model: str,
        reply: _Reply,
        text_pieces: list[str],
        finish: str,
        usage: dict[str, Any] | None,
        ttft: float,
        tps: float,
        fault: str | None,
    ) -> None:
        if await _pause(disconnected, ttft):
            return
        gap = 1 / tps if tps > 0 else 0.0

        frames = [chunk({"content": piece}) for piece in text_pieces]
        frames.extend(_tool_call_frames(reply, chunk))
        if frames:
            # The role rides on the first frame, as OpenAI and Qwen send it.
            first = json.loads(frames[0][6:])
            first["choices"][0]["delta"] = {"role": "assistant", **first["choices"][0]["delta"]}
            frames[0] = b"data: " + json.dumps(first, ensure_ascii=False).encode() + b"\n\n"
        else:
            frames = [chunk({"role": "assistant", "content": ""})]

        cut = {"drop": len(frames) // 2, "stall": min(3, len(frames)), "malformed": 2}.get(
            fault or "", len(frames)
        )
        for index, frame in enumerate(frames):
            if index == cut:
                break
            if index and await _pause(disconnected, gap):
                return
            await send({"type": "http.response.body", "body": frame, "more_body": True})

        if fault == "drop":
            raise SimulatedDrop("simulated connection drop")
        if fault == "stall":
            await _pause(disconnected, MAX_HANG_SECONDS)
            return
        if fault == "malformed":
            bad = b'data: {"id": "' + completion_id.encode() + b'", "choices": [{"delta": \n\n'
            await send({"type": "http.response.body", "body": bad, "more_body": True})
            await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})
            return

        await send({"type": "http.response.body", "body": chunk({}, finish), "more_body": True})
        if usage is not None:
            tail = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [],
                "usage": usage,
            }
            await send(
                {
                    "type": "http.response.body",
                    "body": b"data: " + json.dumps(tail).encode() + b"\n\n",
                    "more_body": True,
                }
            )
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})

    # --- embeddings ----------------------------------------------------------------------------

    async def _embeddings(self, body: dict[str, Any], receive: Receive, send: Send) -> None:
        raw = body.get("input")
        texts = [raw] if isinstance(raw, str) else raw
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts) or not texts:
            await _error(send, 400, "input must be a string or a list of strings")
            return
        # A [[fault:NAME]] marker in an input applies to this request (queued faults and the
        # header are for chat requests): a test can make one conversation's embeddings hang.
        marker = next(filter(None, map(_FAULT_MARKER.search, texts)), None)
        fault = marker.group(1).lower() if marker else None
        if fault in ("429", "500", "503", "400", "401", "refuse"):
            await _fault_response(send, fault)
            return
        if fault in ("hang", "stall"):
            await _wait_for_disconnect(receive)
            return
        dims = body.get("dimensions") or self.config.embedding_dimensions
        if not isinstance(dims, int) or not 1 <= dims <= 8192:
            await _error(send, 400, f"dimensions must be between 1 and 8192, got {dims!r}")
            return
        with self._lock:
            self.stats.embedding_requests += 1
            self.stats.embedding_inputs.extend(texts)
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for index, text in enumerate(texts):
            vector = embed_text(text, dims)
            encoded: object = (
                base64.b64encode(array.array("f", vector).tobytes()).decode()
                if as_base64
                else vector
            )
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(estimate_tokens(t) for t in texts)
        await _json(
            send,
            200,
            {
                "object": "list",
                "data": data,
                "model": body.get("model") or "simulated",
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )


# --- reply and embedding generation ------------------------------------------------------------


def answer_from_prompt(messages: Sequence[Mapping[str, Any]], question: str) -> str:
    """Answer like a well-behaved grounded model: quote the part of the system prompt that
    covers the question, as whole Markdown (a table with its header and lead-in, a whole list),
    or say it does not know."""
    system = "\n\n".join(_text(m.get("content")) for m in messages if m.get("role") == "system")
    parts = [unit.text for unit in units(system)]
    matches = rank(question, parts)
    if not matches or matches[0].score <= 0 or matches[0].coverage < 0.3:
        return ASK_FOR_DETAILS if _ASKS_FOR_DETAILS.search(system) else DONT_KNOW
    return quote(question, parts[matches[0].index])


def after_tool(result: str) -> str:
    """The answer after a tool call: its result's fields in a sentence ("status: shipped,
    carrier: PostNL"), or what went wrong when the result is an error."""
    try:
        data = json.loads(result)
    except ValueError:
        return f"Here is what I found: {result}" if result else "Thank you, that is done."
    if isinstance(data, Mapping) and "error" in data:
        detail = data.get("detail") or data["error"]
        return f"Sorry, that did not work: {_fields(detail)}"
    return f"Here is what I found: {_fields(data)}" if data else "Thank you, that is done."


def _fields(value: Any) -> str:
    if isinstance(value, str):
        try:
            return _fields(json.loads(value))
        except ValueError:
            return value
    if isinstance(value, Mapping):
        # Empty fields are left out, as a model phrasing the result would.
        shown = {key: item for key, item in value.items() if item not in (None, "", [], {})}
        return ", ".join(f"{key}: {_fields(item)}" for key, item in shown.items())
    if isinstance(value, list):
        return "; ".join(_fields(item) for item in value)
    return json.dumps(value)


def embed_text(text: str, dimensions: int) -> list[float]:
    """A deterministic unit vector from hashed features (words and character trigrams): texts
    sharing words and spellings share features, so their cosine similarity is high."""
    normalized = " ".join(normalize(text).split())
    features = [f"w:{t}" for t in terms(normalized)]
    padded = f" {normalized} "
    features += [f"c:{padded[i : i + 3]}" for i in range(max(len(padded) - 2, 0))]
    vector = [0.0] * dimensions
    for feature in features:
        digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")
        sign = 1.0 if digest >> 63 else -1.0
        vector[digest % dimensions] += sign * (2.0 if feature.startswith("w:") else 1.0)
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def _tool_call_frames(reply: _Reply, chunk: Callable[[dict[str, Any]], bytes]) -> list[bytes]:
    """Tool calls as providers stream them: id and name first, then the JSON arguments in small
    pieces; with `interleave`, the pieces of several calls alternate."""
    per_call: list[list[bytes]] = []
    for index, (call_id, name, args) in enumerate(reply.tool_calls):
        opening = {"index": index, "id": call_id, "type": "function",
                   "function": {"name": name, "arguments": ""}}  # fmt: skip
        frames = [chunk({"tool_calls": [opening]})]
        for start in range(0, len(args), 5):
            piece = {"index": index, "function": {"arguments": args[start : start + 5]}}
            frames.append(chunk({"tool_calls": [piece]}))
        per_call.append(frames)
    if not reply.interleave:
        return [frame for frames in per_call for frame in frames]
    mixed = itertools.chain.from_iterable(itertools.zip_longest(*per_call))
    return [frame for frame in mixed if frame is not None]


# --- ASGI helpers --------------------------------------------------------------------------------


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return body
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def _watch_disconnect(receive: Receive, disconnected: asyncio.Event) -> None:
    # The request body has been read, so the next message can only be the disconnect.
    while (await receive())["type"] != "http.disconnect":
        pass
    disconnected.set()


async def _pause(disconnected: asyncio.Event, seconds: float) -> bool:
    """Sleep, or return True early if the client disconnected."""
    if disconnected.is_set():
        return True
    if seconds <= 0:
        await asyncio.sleep(0)
        return False
    try:
        async with asyncio.timeout(seconds):
            await disconnected.wait()
        return True
    except TimeoutError:
        return False


async def _wait_for_disconnect(receive: Receive | None) -> None:
    """Hang until the client gives up (or the cap is reached)."""
    try:
        async with asyncio.timeout(MAX_HANG_SECONDS):
            while receive is not None:
                if (await receive())["type"] == "http.disconnect":
                    return
            await asyncio.sleep(MAX_HANG_SECONDS)
    except TimeoutError:
        return


async def _json(
    send: Send, status: int, payload: object, extra: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    data = json.dumps(payload, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(data))]
    await send({"type": "http.response.start", "status": status, "headers": [*headers, *extra]})
    await send({"type": "http.response.body", "body": data})


async def _error(
    send: Send,
    status: int,
    message: str,
    code: str = "invalid_request_error",
    extra: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    error_type = "rate_limit_error" if status == 429 else "invalid_request_error"
    if status >= 500:
        error_type = "server_error"
    payload = {"error": {"message": message, "type": error_type, "code": code}}
    await _json(send, status, payload, extra)


async def _fault_response(send: Send, fault: str) -> None:
    if fault == "429":
        await _error(
            send,
            429,
            "Requests rate limit exceeded, please try again later. (simulated)",
            "rate_limit_exceeded",
            extra=[(b"retry-after-ms", b"50"), (b"retry-after", b"1")],
        )
    elif fault in ("500", "503"):
        await _error(send, int(fault), "The server had an error. (simulated)", "internal_error")
    elif fault == "401":
        await _error(send, 401, "Incorrect API key provided. (simulated)", "invalid_api_key")
    elif fault == "refuse":
        await _error(
            send,
            400,
            "Input data may contain inappropriate content. (simulated)",
            "data_inspection_failed",
        )
    else:
        await _error(send, 400, "Invalid request. (simulated)", "invalid_request_error")


def _text(content: object) -> str:
    """Message content may be a string or a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, Mapping))
    return ""


def _float_header(headers: Mapping[str, str], name: str, default: float) -> float:
    try:
        return float(headers[name]) if name in headers else default
    except ValueError:
        return default


def _check_fault(fault: str) -> None:
    if fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; expected one of {', '.join(FAULTS)}")


# --- running it ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunningSimulator:
    app: Simulator
    host: str
    port: int

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (ends in /v1), ready for AsyncOpenAI(base_url=...)."""
        return f"http://{self.host}:{self.port}/v1"


@contextmanager
def run_in_thread(
    app: Simulator | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    log_level: str = "warning",
    **config: Any,
) -> Iterator[RunningSimulator]:
    """Serve the simulator from a background thread; port 0 picks a free port.

    with run_in_thread(ttft=0.05, tokens_per_second=100) as sim:
        client = AsyncOpenAI(base_url=sim.base_url, api_key="x")
    """
    simulator = app or Simulator(SimulatorConfig(**config))
    server = uvicorn.Server(
        uvicorn.Config(
            simulator,
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            lifespan="off",
            # Hung and stalled requests are cancelled on exit instead of holding shutdown.
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(target=server.run, name="llm-simulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the LLM simulator did not start on {host}:{port}")
        time.sleep(0.01)
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield RunningSimulator(simulator, host, bound_port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m assistant.llm.simulator",
        description="An OpenAI-compatible model server with scriptable replies and faults.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8400)
    parser.add_argument("--rules", help="JSON file of {pattern, reply | tool_calls} rules")
    parser.add_argument("--ttft-ms", type=float, default=200.0, help="time to first token")
    parser.add_argument("--tokens-per-second", type=float, default=50.0, help="0 = unpaced")
    parser.add_argument("--fault", choices=FAULTS, help="apply this fault to every chat request")
    parser.add_argument("--api-key", help="require this bearer token")
    parser.add_argument("--embedding-dimensions", type=int, default=1024)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    simulator = Simulator(
        SimulatorConfig(
            ttft=args.ttft_ms / 1000,
            tokens_per_second=args.tokens_per_second,
            rules=load_rules(args.rules) if args.rules else (),
            api_key=args.api_key,
            fault=args.fault,
            embedding_dimensions=args.embedding_dimensions,
        )
    )
    print(f"LLM simulator: OpenAI-compatible API at http://{args.host}:{args.port}/v1", flush=True)
    uvicorn.run(
        simulator,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )


if __name__ == "__main__":
    main()
