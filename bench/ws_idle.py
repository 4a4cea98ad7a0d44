"""B2 (and B4): memory and CPU per idle widget connection, against a minimal ASGI WebSocket app.

    python bench/ws_idle.py [--connections 1000,5000,10000] [--servers uvicorn,daphne,granian]

For each server and size, a fresh server process (the floor, bench/_floor_asgi.py, then the
product) is warmed up, its resident memory read, then N widget clients connect by the real
protocol (session endpoint, WebSocket, hello, welcome) and stay silent. After a settle period we
read the server's memory again (RSS of the server process and its children, not the clients'),
and count its CPU seconds over an idle window. The clients run in processes of their own, at
most `--per-process` connections each.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from _django import setup
from _harness import RESULTS, Report, ratio
from _ws import (
    FLOOR_APP,
    PRODUCT_APP,
    Clients,
    bench_inbox,
    client_config,
    floor_environment,
    installed,
    parse_list,
    parse_servers,
    product_environment,
    raise_fd_limit,
    serve,
)

WARM_UP_CONNECTIONS = 20
KIB = 1024


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", default="1000", help="comma-separated sizes")
    parser.add_argument("--servers", default="uvicorn", help="uvicorn,daphne,granian")
    parser.add_argument("--server", help="a single server (same as --servers NAME)")
    parser.add_argument("--settle-s", type=float, default=5.0, help="wait before reading memory")
    parser.add_argument("--idle-s", type=float, default=20.0, help="the idle CPU window")
    parser.add_argument("--per-process", type=int, default=2500, help="connections per client")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def hold(server: Any, inbox: str, count: int, processes: int, args: Any) -> dict[str, Any]:
    """Open `count` idle connections; memory after settling, CPU over the idle window."""
    clients = Clients(client_config(server, inbox, "idle"), count, processes)
    try:
        started = time.monotonic()
        connected, failed = clients.wait_ready()
        opened_s = time.monotonic() - started
        time.sleep(args.settle_s)
        rss = server.rss()
        cpu_before = server.cpu_seconds()
        time.sleep(args.idle_s)
        cpu = server.cpu_seconds() - cpu_before
        clients.command("close")
        results = clients.results()
    finally:
        clients.kill()
    errors = [e for r in results for e in r["connect_errors"]]
    return {
        "connected": connected,
        "failed": failed,
        "still_open": sum(r.get("still_open", 0) for r in results),
        "errors": errors[:5],
        "open_seconds": round(opened_s, 1),
        "rss_after": rss,
        "idle_cpu_s": round(cpu, 3),
    }


def measure(
    server_name: str, app: str, environment: dict[str, str], inbox: str, count: int, args: Any
) -> dict[str, Any]:
    from django.conf import settings

    with serve(server_name, app, environment, settings.VAR_DIR) as server:
        hold(server, inbox, WARM_UP_CONNECTIONS, 1, argparse.Namespace(settle_s=0.5, idle_s=0))
        time.sleep(args.settle_s)
        baseline = server.rss()
        processes = math.ceil(count / args.per_process)
        result = hold(server, inbox, count, processes, args)
    growth = result["rss_after"] - baseline
    connected = max(1, result["connected"])
    return {
        **result,
        "rss_baseline": baseline,
        "client_processes": processes,
        "kib_per_connection": round(growth / connected / KIB, 2),
        "idle_cpu_percent": round(100 * result["idle_cpu_s"] / args.idle_s, 2),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    servers = [args.server] if args.server else parse_servers(args.servers)
    setup("bench_ws", redis=True)
    limit = raise_fd_limit()
    sizes = parse_list(args.connections)
    report = Report(
        "ws_idle", params={"connections": args.connections, "servers": ",".join(servers)}
    )
    rows: list[list[Any]] = []
    ratio_rows: list[list[Any]] = []
    stacks = (
        ("floor", FLOOR_APP, floor_environment()),
        ("ours", PRODUCT_APP, product_environment()),
    )
    with bench_inbox() as inbox:
        for server in servers:
            if not installed(server):
                report.note(f"{server}: NOT MEASURED, it is not installed (pip install {server}).")
                continue
            for count in sizes:
                measured = {}
                for label, app, environment in stacks:
                    r = measure(server, app, environment, inbox, count, args)
                    measured[label] = r
                    rows.append([server, count, label, r["connected"], r["still_open"], r["failed"],
                                 round(r["rss_baseline"] / KIB / KIB, 1),
                                 round((r["rss_after"] - r["rss_baseline"]) / KIB / KIB, 1),
                                 r["kib_per_connection"], r["idle_cpu_percent"],
                                 r["open_seconds"]])  # fmt: skip
                    print(f"{server}/{label} {count}: {r}", flush=True)
                f, o = measured["floor"], measured["ours"]
                ratio_rows.append([server, count,
                                   ratio(o["kib_per_connection"], f["kib_per_connection"]),
                                   ratio(o["idle_cpu_s"], f["idle_cpu_s"])])  # fmt: skip
                report.data.setdefault(server, {})[count] = measured
    report.table(
        f"Idle connections: server memory and CPU over {args.idle_s:g} s",
        ["server", "connections", "stack", "connected", "still open", "failed", "RSS before MiB",
         "RSS growth MiB", "KiB per connection", "idle CPU % of a core", "open s"],
        rows,
    )  # fmt: skip
    report.table("Ratios ours/floor", ["server", "connections", "memory", "idle CPU"], ratio_rows)
    report.note(
        f"A fresh server process (one worker) per stack and size; clients in processes of their "
        f"own (at most {args.per_process} connections each), on {os.cpu_count()} cores; open "
        f"files limit {limit}. Memory is read {args.settle_s:g} s after the last hello; the "
        "server's own keep-alive pings fall inside the idle window."
    )
    report.data["config"] = vars(args) | {"results_dir": str(args.results_dir)}
    report.write(args.results_dir)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
