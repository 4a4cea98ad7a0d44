"""The WebSocket benchmarks (B1 streaming, B2 idle, B4 servers, the hop count) still run end to
end at a tiny size and write well-formed results. No time is asserted: benchmarks are not tests."""

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from tests.bench.runner import run_bench


def table(result: dict[str, Any], title_start: str) -> list[dict[str, Any]]:
    """A table of the report as rows of {column: cell}."""
    (found,) = [t for t in result["tables"] if t["title"].startswith(title_start)]
    return [dict(zip(found["columns"], row, strict=True)) for row in found["rows"]]


def need(server: str) -> None:
    if importlib.util.find_spec(server) is None:
        pytest.skip(
            f"{server} IS NOT INSTALLED: its benchmark test did not run (pip install {server})"
        )


@pytest.mark.timeout(120)
@pytest.mark.parametrize("server", ["uvicorn", "daphne", "granian"])
def test_the_streaming_benchmark_answers_every_client_on_both_stacks(
    server: str, tmp_path: Path, django_db_setup: Any
) -> None:
    need(server)
    result = run_bench(
        "ws_streaming.py", "--server", server, "--clients", "3", "--ramp-s", "0.2",
        "--ttft-ms", "50", "--tokens-per-second", "100", "--reply-tokens", "5",
        results=tmp_path,
    )  # fmt: skip

    rows = table(result, "Time to first token")
    assert [(r["stack"], r["answers"], r["errors"]) for r in rows] == [
        ("floor", 3, 0),
        ("ours", 3, 0),
    ]
    assert all(r["p50"] > 0 for r in rows)
    (added,) = table(result, "Ours minus the floor")
    assert added["server"] == server and added["clients"] == 3
    stacks = result["data"][server]
    # The floor relays every simulator delta; ours may hold a few back (the stream guard).
    assert stacks["floor"]["3"]["deltas_per_answer"]["p50"] == 5
    assert stacks["ours"]["3"]["deltas_per_answer"]["p50"] >= 1


@pytest.mark.timeout(120)
def test_the_idle_benchmark_holds_every_connection_and_reads_the_server(
    tmp_path: Path, django_db_setup: Any
) -> None:
    result = run_bench(
        "ws_idle.py", "--connections", "20", "--settle-s", "0.5", "--idle-s", "1",
        results=tmp_path,
    )  # fmt: skip

    rows = table(result, "Idle connections")
    assert [(r["stack"], r["connected"], r["still open"], r["failed"]) for r in rows] == [
        ("floor", 20, 20, 0),
        ("ours", 20, 20, 0),
    ]
    assert all(r["RSS before MiB"] > 0 for r in rows)
    (ratios,) = table(result, "Ratios")
    assert ratios["connections"] == 20


@pytest.mark.timeout(120)
def test_the_hop_count_covers_answered_messages_whatever_b1_left_in_the_rate_limits(
    tmp_path: Path, django_db_setup: Any
) -> None:
    # A per-IP limit of one message a minute stands for the B1 run that comes before it in
    # run_all: its clients' messages from 127.0.0.1 still fill the minute's window.
    limited = {"WIDGET_MESSAGES_PER_MINUTE_PER_IP": "1"}
    result = run_bench("ws_hops.py", "--messages", "2", results=tmp_path, env=limited)

    counts = {row["count"]: row["p50"] for row in table(result, "Per customer message")}
    assert counts["stream deltas"] >= 1
    # Deltas go straight to the socket (the only tab is in the answering process); the
    # customer's message, the new conversation's state and stream_end go through the layer.
    assert counts["SQL statements"] > 0 and counts["group_send calls"] > 0
    assert counts["database CPU ms"] > 0


@pytest.mark.timeout(180)
def test_b1_and_the_hop_count_run_with_the_demo_knowledge_base_citing_in_every_turn(
    tmp_path: Path, django_db_setup: Any
) -> None:
    hops = run_bench(
        "ws_hops.py", "--messages", "2", "--knowledge", "demo", results=tmp_path / "hops"
    )
    assert hops["data"]["knowledge"]["kind"] == "demo" and hops["data"]["knowledge"]["chunks"] > 0
    assert all(turn["cited"] for turn in hops["data"]["turns"])
    counts = {row["count"]: row["p50"] for row in table(hops, "Per customer message")}
    assert counts["of which the knowledge search"] > 0
    assert counts["SQL statements"] > counts["of which the knowledge search"]

    streaming = run_bench(
        "ws_streaming.py", "--server", "uvicorn", "--clients", "3", "--ramp-s", "0.2",
        "--ttft-ms", "50", "--tokens-per-second", "100", "--reply-tokens", "5",
        "--knowledge", "demo", results=tmp_path / "b1",
    )  # fmt: skip
    rows = table(streaming, "Time to first token")
    assert [(r["stack"], r["answers"], r["errors"]) for r in rows] == [
        ("floor", 3, 0),
        ("ours", 3, 0),
    ]
    assert streaming["data"]["knowledge"]["chunks"] == hops["data"]["knowledge"]["chunks"]
