"""What B1 (streaming) and B2 (idle connections) share: the servers, the simulator, the clients.

Every run starts, one after the other and on the same machine:
- the model simulator (`python -m assistant.llm.simulator`) in a process of its own;
- for each ASGI server asked for, the floor (`bench/_floor_asgi.py`) and then the product
  (`assistant.asgi:application`), each in a fresh server process with one worker;
- the widget clients in one or more processes of their own (`bench/_ws_clients.py`).

The product runs production-shaped (DEBUG off, a secret key, allowed hosts), on the benchmark's
own database and the embedded Redis, with the simulator as its reply model. The widget rate
limits are lifted through their settings (every client shares one IP), not by changing code.
"""

from __future__ import annotations

import json
import math
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from _django import child_environment
from _harness import ROOT

SERVERS = ("uvicorn", "daphne", "granian")
PRODUCT_APP = "assistant.asgi:application"
FLOOR_APP = "bench._floor_asgi:app"
ORIGIN = "https://bench.example.com"
MODEL = "qwen-plus"
MAX_FRAME_BYTES = "65536"
# Far above any benchmark size: all clients come from 127.0.0.1 and one inbox.
UNLIMITED = str(10**9)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def raise_fd_limit() -> int:
    """Lift the soft limit on open files to the hard limit; children inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def installed(server: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(server) is not None


def server_command(server: str, app: str, port: int) -> list[str]:
    """One worker process of `server` serving `app` on 127.0.0.1:`port`, quiet logs."""
    python = sys.executable
    if server == "uvicorn":
        return [python, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
                "--lifespan", "off", "--ws-max-size", MAX_FRAME_BYTES, "--no-access-log",
                "--log-level", "warning"]  # fmt: skip
    if server == "daphne":
        return [python, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "0",
                "--websocket-max-message-size", MAX_FRAME_BYTES, app]  # fmt: skip
    if server == "granian":
        # "asginl": ASGI without the lifespan protocol, which Channels' router does not speak.
        return [python, "-m", "granian", "--interface", "asginl", "--host", "127.0.0.1",
                "--port", str(port), "--workers", "1", "--log-level", "warning", app]  # fmt: skip
    raise ValueError(f"unknown server {server!r}; expected one of {SERVERS}")


def product_environment(simulator_url: str = "") -> dict[str, str]:
    """The product, production-shaped, on the benchmark's database, answering from the simulator
    (or, without one, from the offline responder: B2 sends no messages)."""
    model = {"OPENAI_BASE_URL": simulator_url, "OPENAI_API_KEY": "sk-bench", "OPENAI_MODEL": MODEL}
    return child_environment(
        DEBUG="false",
        DJANGO_SECRET_KEY="bench-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
        # The classifier would be a second model call per message, which the floor does not
        # make; B1 measures the streamed answer.
        LLM_ROUTE_CLASSIFICATION="offline",
        WIDGET_MESSAGES_PER_MINUTE_PER_VISITOR=UNLIMITED,
        WIDGET_MESSAGES_PER_MINUTE_PER_IP=UNLIMITED,
        WIDGET_MESSAGES_PER_MINUTE_PER_INBOX=UNLIMITED,
        WIDGET_SESSIONS_PER_MINUTE_PER_IP=UNLIMITED,
        PYTHONPATH=str(ROOT),
        **(model if simulator_url else {}),
    )


def floor_environment(simulator_url: str = "") -> dict[str, str]:
    environment = dict(os.environ)
    environment.update(
        {"BENCH_SIMULATOR_URL": simulator_url, "BENCH_MODEL": MODEL, "PYTHONPATH": str(ROOT)}
    )
    return environment


@dataclass
class ServerProcess:
    """A running server; `rss()` and `cpu_seconds()` cover it and its children (granian's
    worker is a child process)."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def _tree(self) -> list[psutil.Process]:
        root = psutil.Process(self.process.pid)
        return [root, *root.children(recursive=True)]

    def rss(self) -> int:
        return sum(p.memory_info().rss for p in self._tree())

    def cpu_seconds(self) -> float:
        return sum(sum(p.cpu_times()[:2]) for p in self._tree())

    def pids(self) -> list[int]:
        return [p.pid for p in self._tree()]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


@contextmanager
def serve(
    server: str, app: str, environment: dict[str, str], log_dir: Path
) -> Iterator[ServerProcess]:
    port = free_port()
    label = "floor" if app == FLOOR_APP else "product"
    log_path = log_dir / f"bench-{server}-{label}-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            server_command(server, app, port),
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    running = ServerProcess(f"{server}/{label}", process, f"http://127.0.0.1:{port}", log_path)
    try:
        _wait_healthy(running)
        yield running
    finally:
        _stop(process)


def _wait_healthy(server: ServerProcess, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if server.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{server.name} did not start:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)


def _stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def simulator(ttft_ms: float, tokens_per_second: float, reply: str) -> Iterator[str]:
    """The model simulator in its own process; yields its OpenAI-compatible base URL."""
    port = free_port()
    with tempfile.TemporaryDirectory() as directory:
        rules = Path(directory) / "rules.json"
        # Questions of both kinds (bench_question) get the benchmark's reply.
        rules.write_text(json.dumps([{"pattern": REPLY_PATTERN, "reply": reply}]))
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant.llm.simulator", "--port", str(port),
             "--ttft-ms", str(ttft_ms), "--tokens-per-second", str(tokens_per_second),
             "--rules", str(rules), "--embedding-dimensions", "64", "--log-level", "warning"],
            cwd=ROOT, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}/v1"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{base_url}/models", timeout=2):
                        break
                except (urllib.error.URLError, OSError):
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the model simulator did not start") from None
                    time.sleep(0.1)
            yield base_url
        finally:
            _stop(process)


# B1 with the demo knowledge base: a customer question its articles answer, so that every turn
# retrieves passages, and an answer that cites the first of them, so that every turn builds a
# citation (issue 23: the turn as customers get it, beside the empty-base turn).
KNOWLEDGE_CHOICES = ("none", "demo")
KNOWLEDGE_QUESTION = "How much does delivery cost, and how long does it take?"


def knowledge_base(kind: str) -> int:
    """Make the benchmark database's knowledge base empty ("none") or the demo articles, indexed
    as `make demo` loads them ("demo"); returns how many chunks it holds."""
    from assistant.knowledge.demo import load_demo_articles
    from assistant.knowledge.models import Article, Chunk

    if kind == "demo":
        load_demo_articles()
    else:
        Article.objects.all().delete()
    return Chunk.objects.count()


# The simulator's rule: what both kinds of question contain.
REPLY_PATTERN = "benchmark|delivery"


def bench_question(knowledge: str) -> str:
    """The text every client sends. The knowledge question is sent as customers write it:
    full-text search wants every word of it in a passage, so nothing is added to it."""
    if knowledge == "demo":
        return KNOWLEDGE_QUESTION
    return f"benchmark question {time.time_ns()}"


def bench_reply(words: int, knowledge: str) -> str:
    reply = " ".join(f"word{i}" for i in range(words))
    return f"{reply} [1]" if knowledge == "demo" else reply


@contextmanager
def bench_inbox() -> Iterator[str]:
    """A fresh inbox for this run (its contacts and conversations go with it); its public key."""
    from assistant.chat.models import Inbox

    inbox = Inbox.objects.create(
        name="Benchmark shop",
        allowed_origins=[ORIGIN],
        greeting="Hello!",
        instructions="Be brief.",
    )
    try:
        yield inbox.public_key
    finally:
        Inbox.objects.filter(pk=inbox.pk).delete()


class Clients:
    """Widget clients spread over `processes` child processes (see bench/_ws_clients.py)."""

    def __init__(self, config: dict[str, Any], count: int, processes: int) -> None:
        processes = max(1, min(processes, count))
        share = math.ceil(count / processes)
        self.children: list[subprocess.Popen[str]] = []
        for index in range(processes):
            size = min(share, count - index * share)
            if size <= 0:
                break
            child = {**config, "clients": size, "offset": index * share, "seed": index}
            self.children.append(
                subprocess.Popen(
                    [sys.executable, str(ROOT / "bench" / "_ws_clients.py"), json.dumps(child)],
                    cwd=ROOT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )

    def wait_ready(self) -> tuple[int, int]:
        """(connected, failed) once every process has opened its sockets."""
        connected = failed = 0
        for child in self.children:
            assert child.stdout is not None
            line = child.stdout.readline().split()
            if not line or line[0] != "ready":
                raise RuntimeError(f"a client process failed before it was ready: {line}")
            connected, failed = connected + int(line[1]), failed + int(line[2])
        return connected, failed

    def command(self, word: str) -> None:
        for child in self.children:
            assert child.stdin is not None
            child.stdin.write(word + "\n")
            child.stdin.flush()

    def results(self, timeout: float = 600) -> list[dict[str, Any]]:
        results = []
        for child in self.children:
            output, _ = child.communicate(timeout=timeout)
            line = next((x for x in reversed(output.splitlines()) if x.startswith("result ")), "")
            if not line:
                raise RuntimeError(f"a client process gave no result (exit {child.returncode})")
            results.append(json.loads(line.removeprefix("result ")))
        return results

    def kill(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.kill()
                child.wait()


def client_config(server: ServerProcess, inbox: str, mode: str, **extra: Any) -> dict[str, Any]:
    return {"mode": mode, "base": server.url, "inbox": inbox, "origin": ORIGIN, **extra}


def parse_list(value: str, kind: type = int) -> list[Any]:
    return [kind(item) for item in value.split(",") if item.strip()]


def parse_servers(value: str) -> list[str]:
    servers = [s.strip() for s in value.split(",") if s.strip()]
    unknown = set(servers) - set(SERVERS)
    if unknown:
        raise SystemExit(f"unknown server(s) {sorted(unknown)}; expected {','.join(SERVERS)}")
    return servers
