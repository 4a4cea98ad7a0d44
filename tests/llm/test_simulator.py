"""The simulator as a tool: its command line, its rules file and its control endpoint."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.llm.simulator import (
    RunningSimulator,
    Simulator,
    SimulatorConfig,
    load_rules,
    run_in_thread,
)

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_command_line_serves_an_openai_compatible_api(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"rules": [{"pattern": "ping", "reply": "pong"}]}))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.llm.simulator", "--port", str(port),
         "--rules", str(rules), "--ttft-ms", "0", "--tokens-per-second", "0",
         "--log-level", "warning"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                models = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "the simulator did not start"
                time.sleep(0.1)
        reply = httpx.post(
            f"http://127.0.0.1:{port}/v1/chat/completions",
            json={"model": "qwen-plus", "messages": [{"role": "user", "content": "ping"}]},
            timeout=5,
        )
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert models.status_code == 200
    assert reply.json()["choices"][0]["message"]["content"] == "pong"


def test_a_rules_file_without_a_reply_or_tool_call_is_rejected(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps([{"pattern": "x"}]))

    with pytest.raises(ValueError, match="neither a reply nor a tool call"):
        load_rules(rules)


def test_faults_can_be_queued_over_http(simulator: RunningSimulator):
    base = f"http://127.0.0.1:{simulator.port}"
    body = {"messages": [{"role": "user", "content": "hello"}]}

    queued = httpx.post(f"{base}/_simulator/faults", json={"fault": "500", "count": 2})
    statuses = [httpx.post(f"{base}/v1/chat/completions", json=body).status_code for _ in range(3)]

    assert queued.json() == {"queued": 2}
    assert statuses == [500, 500, 200]


def test_a_required_key_is_enforced(simulator: RunningSimulator):
    with run_in_thread(Simulator(SimulatorConfig(api_key="secret"))) as locked:
        url = f"{locked.base_url}/models"
        denied = httpx.get(url)
        allowed = httpx.get(url, headers={"Authorization": "Bearer secret"})

    assert (denied.status_code, allowed.status_code) == (401, 200)
