"""Widget clients for B1/B2, run in processes of their own so they never share the server's loop.

    python bench/_ws_clients.py '{"mode": "stream", "base": "http://127.0.0.1:8000", ...}'

Each client follows the real widget protocol (docs/widget-protocol.md): POST the session
endpoint, open the WebSocket with the inbox's Origin, send `hello`, wait for `welcome`. Then:

- `stream`: print `ready`, wait for `go` on stdin (the parent starts every client process at
  once), then each client sends one message at a random moment within the ramp and times, on its
  own clock, the first `stream_delta` after the send and the gaps between deltas until
  `stream_end`;
- `idle`: print `ready`, hold every connection open without a frame until `close` on stdin.

The last line on stdout is `result {json}`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import resource
import sys
import time
from typing import Any

import httpx
import websockets

# Sessions are minted a few at a time: the endpoint is a database write, and minting is set-up,
# not what is measured.
SESSION_CONCURRENCY = 16
CONNECT_CONCURRENCY = 64


def raise_fd_limit() -> int:
    """Lift the soft limit on open files to the hard limit (10k sockets need 10k descriptors)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def _session(http: httpx.AsyncClient, config: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(
        f"{config['base']}/api/widget/session",
        json={"inbox": config["inbox"]},
        headers={"Origin": config["origin"]},
    )
    response.raise_for_status()
    return response.json()


async def _sessions(config: dict[str, Any]) -> list[dict[str, Any] | BaseException]:
    gate = asyncio.Semaphore(SESSION_CONCURRENCY)
    limits = httpx.Limits(max_connections=SESSION_CONCURRENCY)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:

        async def one() -> dict[str, Any]:
            async with gate:
                return await _session(http, config)

        return await asyncio.gather(
            *(one() for _ in range(config["clients"])), return_exceptions=True
        )


async def _connect(session: dict[str, Any], config: dict[str, Any], gate: Any) -> Any:
    """One authenticated widget socket (welcome received)."""
    url = config["base"].replace("http", "ws", 1) + session["ws_url"]
    async with gate:
        # No client pings: an idle widget sends nothing, and the server's own pings are part of
        # what is measured.
        socket = await websockets.connect(
            url, origin=config["origin"], ping_interval=None, open_timeout=120, max_queue=None
        )
        await socket.send(json.dumps({"type": "hello", "token": session["token"]}))
        welcome = json.loads(await asyncio.wait_for(socket.recv(), 60))
    if welcome.get("type") != "welcome":
        await socket.close()
        raise RuntimeError(f"expected welcome, got {welcome}")
    return socket


async def _connect_all(config: dict[str, Any]) -> tuple[list[Any], list[str]]:
    # Every session first, then the sockets: a hello must arrive within 10 s of the connection
    # (docs/widget-protocol.md), which a server busy minting sessions may not manage.
    sessions = await _sessions(config)
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    minted = [s for s in sessions if not isinstance(s, BaseException)]
    outcomes = [s for s in sessions if isinstance(s, BaseException)]
    outcomes += await asyncio.gather(
        *(_connect(session, config, gate) for session in minted), return_exceptions=True
    )
    sockets = [o for o in outcomes if not isinstance(o, BaseException)]
    errors = [f"{type(o).__name__}: {o}" for o in outcomes if isinstance(o, BaseException)]
    return sockets, errors


async def _stream_one(socket: Any, index: int, config: dict[str, Any]) -> dict[str, Any]:
    await asyncio.sleep(random.uniform(0, config["ramp"]))
    message = {"type": "message", "client_id": f"bench-{index}", "text": config["text"]}
    deltas: list[float] = []
    sent = time.perf_counter()
    deadline = sent + config["timeout"]
    try:
        await socket.send(json.dumps(message))
        while True:
            raw = await asyncio.wait_for(socket.recv(), max(0.1, deadline - time.perf_counter()))
            arrived = time.perf_counter()
            kind = json.loads(raw).get("type")
            if kind == "stream_delta":
                deltas.append(arrived)
            elif kind == "stream_end":
                break
            elif kind == "error":
                return {"error": f"server error frame: {raw[:200]}"}
    except (TimeoutError, websockets.ConnectionClosed) as error:
        return {"error": f"{type(error).__name__} after {len(deltas)} deltas"}
    if not deltas:
        return {"error": "stream ended without a delta"}
    return {
        "ttft_ms": (deltas[0] - sent) * 1000,
        "gaps_ms": [(b - a) * 1000 for a, b in itertools.pairwise(deltas)],
        "deltas": len(deltas),
    }


async def _read_line() -> str:
    return (await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)).strip()


async def _main(config: dict[str, Any]) -> dict[str, Any]:
    random.seed(config.get("seed", 0))
    started = time.perf_counter()
    sockets, errors = await _connect_all(config)
    setup_seconds = time.perf_counter() - started
    print(f"ready {len(sockets)} {len(errors)}", flush=True)
    result: dict[str, Any] = {
        "connected": len(sockets),
        "connect_errors": errors[:5],
        "connect_error_count": len(errors),
        "setup_seconds": round(setup_seconds, 2),
    }
    command = await _read_line()
    if config["mode"] == "stream" and command == "go":
        offset = config.get("offset", 0)
        result["clients"] = await asyncio.gather(
            *(_stream_one(s, offset + i, config) for i, s in enumerate(sockets))
        )
    elif config["mode"] == "idle":
        # Still open after the idle window? (a server that dropped idle sockets would show here)
        result["still_open"] = sum(1 for s in sockets if s.state == websockets.State.OPEN)
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
    return result


def main() -> None:
    config = json.loads(sys.argv[1])
    raise_fd_limit()
    result = asyncio.run(_main(config))
    print("result " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
