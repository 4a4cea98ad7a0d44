"""B3, fan-out: one conversation watched by its customer and K agents, under load, on each layer.

    python bench/fanout.py [--agents 1,5,20] [--load 10] [--rounds 2] [--words 120]
                           [--layers core,pubsub] [--results-dir DIR]

For each channel layer (channels-redis core `RedisChannelLayer` and `RedisPubSubChannelLayer`,
chosen by CHANNEL_LAYER in the web process and set the same here) and each K, a real uvicorn web
process serves: one watched conversation (its customer's widget socket and K agents' desk sockets,
each agent logged in) and `--load` other conversations. Every customer asks for a long answer at
once, `--rounds` times; the simulator streams each answer at a fixed speed, so the web process
publishes a stream of deltas per conversation, as in production.

What is measured:
- delivery latency per receiver: while the load runs, this process publishes timestamped probe
  events every `--probe-ms` through the product's own `events.publish` (the function the reply
  turn uses for every delta) to the watched conversation; the customer's widget consumer and the
  agents' desk consumers forward them over their WebSockets; latency = arrival - publish;
- the floor, in the same run and under the same load: the same probes published the same way to
  channels of the same layer in this process, read with `channel_layer.receive` (the layer and
  Redis, without the web process, our consumers or a WebSocket);
- drops: every probe must arrive at every receiver, in order, and every streamed answer must arrive
  at every receiver whole (its deltas join to the stored message) with its `stream_end`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _django import setup
from _harness import RESULTS, Report, ratio, summarize


@dataclass
class Receiver:
    """Everything one socket (or floor channel) received, with its arrival time."""

    name: str
    frames: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    stream_ends: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    closed_early: bool = False  # the server closed the socket (its consumer failed)

    def record(self, raw: str | bytes) -> None:
        arrived = time.perf_counter()
        frame = json.loads(raw)
        self.frames.append((arrived, frame))
        if frame.get("type") == "stream_end":
            self.stream_ends += 1
            self.changed.set()

    async def wait_stream_ends(self, count: int, within: float) -> bool:
        """Wait for the count-th stream_end; False if it never came (a dropped stream_end)."""
        deadline = time.monotonic() + within
        while self.stream_ends < count:
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                return False
        return True

    def probe_latencies(self, sent: int) -> tuple[list[float], int, bool]:
        """Latencies (ms) of the probes received, how many were lost, and whether in order."""
        probes = [(at, frame) for at, frame in self.frames if frame.get("type") == "bench_probe"]
        numbers = [frame["n"] for _, frame in probes]
        latencies = [(at - frame["t"]) * 1000 for at, frame in probes]
        return latencies, sent - len(set(numbers)), numbers == sorted(numbers)

    def streams(self, conversation_id: str | None) -> dict[str, tuple[int, str, str | None]]:
        """Per stream id of this conversation (None: any): deltas received, their joined text,
        and the stored text at its end. Desks also hear of other conversations of their inboxes
        (a finished answer, never its deltas); those are not this conversation's streams."""
        found: dict[str, list[Any]] = {}
        for _, frame in self.frames:
            if frame.get("type") == "stream_delta":
                entry = found.setdefault(frame["stream_id"], [0, "", None])
                entry[0] += 1
                entry[1] += frame["text"]
            elif frame.get("type") == "stream_end" and frame.get("message"):
                message = frame["message"]
                if conversation_id in (None, message["conversation_id"]):
                    found.setdefault(frame["stream_id"], [0, "", None])[2] = message["text"]
        return {key: (n, text, end) for key, (n, text, end) in found.items()}


async def read_socket(socket: Any, receiver: Receiver) -> None:
    import websockets

    try:
        async for raw in socket:
            receiver.record(raw)
    except websockets.ConnectionClosed:
        pass


async def read_channel(layer: Any, channel: str, receiver: Receiver) -> None:
    while True:
        message = await layer.receive(channel)
        receiver.record(message["text"])


@dataclass
class Probes:
    """Publishes numbered, timestamped probes to the watched conversation and to the floor."""

    real: tuple[str, str]  # contact id, conversation id
    floor: tuple[str, str]
    interval: float
    sent: int = 0
    publish_ms: dict[str, list[float]] = field(default_factory=lambda: {"ours": [], "floor": []})

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            for kind, (contact_id, conversation_id) in (("ours", self.real), ("floor", self.floor)):
                await self._publish(kind, contact_id, conversation_id)
            self.sent += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)

    async def _publish(self, kind: str, contact_id: str, conversation_id: str) -> None:
        from assistant.chat import events

        started = time.perf_counter()
        event = {"type": "bench_probe", "n": self.sent, "t": started}
        await events.publish(contact_id=contact_id, conversation_id=conversation_id, event=event)
        self.publish_ms[kind].append((time.perf_counter() - started) * 1000)


async def floor_receivers(
    k: int,
) -> tuple[list[Receiver], list[asyncio.Task[None]], tuple[str, str]]:
    """One channel in the contact's group (the customer) and K in the conversation's group."""
    from channels.layers import get_channel_layer

    from assistant.chat import events

    layer = get_channel_layer()
    contact_id, conversation_id = f"floor-{uuid.uuid4().hex}", f"floor-{uuid.uuid4().hex}"
    receivers, tasks = [], []
    for index in range(k + 1):
        channel = await layer.new_channel()
        group = (
            events.contact_group(contact_id)
            if index == 0
            else events.conversation_group(conversation_id)
        )
        await layer.group_add(group, channel)
        receiver = Receiver("customer" if index == 0 else f"agent {index}")
        receivers.append(receiver)
        tasks.append(asyncio.create_task(read_channel(layer, channel, receiver)))
    return receivers, tasks, (contact_id, conversation_id)


async def load_client(socket: Any, rounds: int, within: float) -> Receiver:
    """A customer of another conversation: asks `rounds` times for a long answer, reads it all."""
    receiver = Receiver("load")
    reader = asyncio.create_task(read_socket(socket, receiver))
    await ask_rounds(socket, receiver, rounds, within, "load")
    reader.cancel()
    return receiver


async def ask_rounds(
    socket: Any, receiver: Receiver, rounds: int, within: float, name: str
) -> None:
    """Ask `rounds` questions, each after the previous answer ended. A socket the server closed
    (its consumer failed) ends the rounds: the answers it never got count as missing."""
    import websockets
    from _cluster import ask, question

    for number in range(rounds):
        try:
            await ask(socket, question(number + 1), f"{name}-{number}")
        except websockets.ConnectionClosed:
            receiver.closed_early = True
            return
        await receiver.wait_stream_ends(number + 1, within)


async def watched_customer_rounds(
    socket: Any, receiver: Receiver, rounds: int, within: float
) -> None:
    await ask_rounds(socket, receiver, rounds, within, "watched")


async def open_watched(base: str, token: str, cookies: list[str]) -> tuple[Any, list[Any], str]:
    """The watched conversation: its customer (first message answered) and K desks watching."""
    from _cluster import ask, frames_until, open_desk, open_widget, question

    customer = await open_widget(base, token)
    await ask(customer, question(0), "start")
    frames = await frames_until(customer, "stream_end")
    conversation_id = next(f["conversation_id"] for f in frames if f["type"] == "ack")
    desks = []
    for cookie in cookies:
        desk = await open_desk(base, cookie)
        await desk.send(json.dumps({"type": "watch", "conversation_id": conversation_id}))
        await frames_until(desk, "presence")
        desks.append(desk)
    return customer, desks, conversation_id


async def measure(base: str, k: int, people: dict[str, Any], args: argparse.Namespace) -> dict:
    from _cluster import open_widget

    (token, contact_id), *load_tokens = people["sessions"]
    customer, desks, conversation_id = await open_watched(base, token, people["cookies"][:k])
    load_sockets = [await open_widget(base, t) for t, _ in load_tokens]
    ours = [Receiver("customer")] + [Receiver(f"agent {i + 1}") for i in range(k)]
    readers = [
        asyncio.create_task(read_socket(s, r))
        for s, r in zip([customer, *desks], ours, strict=True)
    ]
    floor, floor_tasks, floor_ids = await floor_receivers(k)
    await asyncio.sleep(0.3)  # presence frames of the last watchers settle
    probes = Probes(
        real=(contact_id, conversation_id), floor=floor_ids, interval=args.probe_ms / 1000
    )
    stop = asyncio.Event()
    publisher = asyncio.create_task(probes.run(stop))
    # Probes only while the answers stream, for the same nominal window on either layer: a layer
    # that drops a stream_end would otherwise add a quiet wait (the timeout) to its sample.
    asyncio.get_running_loop().call_later(nominal_load_seconds(args), stop.set)
    started = time.perf_counter()
    load = asyncio.gather(*(load_client(s, args.rounds, args.timeout) for s in load_sockets))
    watched = watched_customer_rounds(customer, ours[0], args.rounds, args.timeout)
    load_receivers, _ = await asyncio.gather(load, watched)
    load_seconds = time.perf_counter() - started
    stop.set()
    await publisher
    await asyncio.sleep(args.grace)  # the last probes and stream frames arrive
    for task in [*readers, *floor_tasks]:
        task.cancel()
    await asyncio.gather(*(s.close() for s in [customer, *desks, *load_sockets]))
    return analyse(
        ours,
        floor,
        load_receivers,
        probes,
        args,
        k=k,
        load_seconds=load_seconds,
        conversation_id=conversation_id,
    )


def nominal_load_seconds(args: argparse.Namespace) -> float:
    """How long the answers take to stream at the simulator's pace, if nothing adds time."""
    return args.rounds * (args.ttft + args.words / args.tps)


def stream_drops(
    receivers: list[Receiver], conversation_id: str | None = None
) -> tuple[int, int, int]:
    """(streams, deltas dropped, streams not whole) over receivers that all saw the same streams:
    a receiver dropped the deltas it has fewer of than the receiver that got the most."""
    per_receiver = [r.streams(conversation_id) for r in receivers]
    stream_ids = set().union(*per_receiver)
    dropped = broken = 0
    for stream_id in stream_ids:
        counts = [streams.get(stream_id, (0, "", None)) for streams in per_receiver]
        most = max(n for n, _, _ in counts)
        dropped += sum(most - n for n, _, _ in counts)
        broken += sum(1 for _, text, end in counts if end is None or text.split() != end.split())
    return len(stream_ids), dropped, broken


def analyse(
    ours: list[Receiver],
    floor: list[Receiver],
    load: list[Receiver],
    probes: Probes,
    args: argparse.Namespace,
    *,
    k: int,
    load_seconds: float,
    conversation_id: str,
) -> dict[str, Any]:
    result: dict[str, Any] = {"k": k, "probes_sent": probes.sent, "load_seconds": load_seconds}
    for label, receivers in (("ours", ours), ("floor", floor)):
        customer = receivers[0].probe_latencies(probes.sent)
        agents = [r.probe_latencies(probes.sent) for r in receivers[1:]]
        result[label] = {
            "customer": summarize(customer[0]),
            "agents": summarize([ms for latencies, _, _ in agents for ms in latencies]),
            "probes_lost": customer[1] + sum(lost for _, lost, _ in agents),
            "out_of_order": sum(1 for _, _, ordered in [customer, *agents] if not ordered),
            "publish_ms": summarize(probes.publish_ms[label]),
        }
    streams, dropped, broken = stream_drops(ours, conversation_id)
    load_streams = [stream_drops([r]) for r in load]
    result["watched_streams"] = {"streams": streams, "deltas_dropped": dropped, "broken": broken}
    load_count = sum(s for s, _, _ in load_streams)
    result["load_streams"] = {
        "streams": load_count,
        "broken": sum(b for _, _, b in load_streams),
        "missing": args.rounds * len(load) - load_count,
    }
    result["sockets_closed_by_server"] = sum(r.closed_early for r in [*ours, *load])
    result["expected_streams"] = args.rounds
    result["dropped_total"] = (
        result["ours"]["probes_lost"]
        + result["floor"]["probes_lost"]
        + dropped
        + broken
        + result["load_streams"]["broken"]
        + result["load_streams"]["missing"]
        + max(0, args.rounds - streams)
        + result["sockets_closed_by_server"]
    )
    return result


def run_layer(layer: str, people: dict[str, Any], args: argparse.Namespace, sim_url: str) -> list:
    from _cluster import process_environment, session_tokens, use_layer

    from tests.live import LiveServer

    use_layer(layer)
    results = []
    with LiveServer(process_environment(sim_url, layer), name=f"bench-fanout-{layer}") as web:
        for k in args.agents:
            people["sessions"] = session_tokens(people["inbox"], args.load + 1)
            outcome = asyncio.run(measure(web.url, k, people, args))
            outcome["layer"] = layer
            results.append(outcome)
            print(f"{layer} K={k}: dropped {outcome['dropped_total']}", file=sys.stderr)
    return results


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> Report:
    report = Report(
        "fanout",
        params={
            "agents": ",".join(map(str, args.agents)),
            "load": args.load,
            "rounds": args.rounds,
            "words": args.words,
        },
    )
    rows = []
    for r in results:
        for who in ("customer", "agents"):
            ours, floor = r["ours"][who], r["floor"][who]
            rows.append([
                r["layer"], r["k"], who, ours["n"], ours["p50"], ours["p99"], floor["p50"],
                floor["p99"], ratio(ours["p50"], floor["p50"]), ratio(ours["p99"], floor["p99"]),
            ])  # fmt: skip
    columns = ["layer", "K", "receiver", "probes", "p50 ms", "p99 ms", "floor p50", "floor p99"]
    report.table("Delivery latency under load", [*columns, "ratio p50", "ratio p99"], rows)
    report.table(
        "Drops and ordering (all must be 0)",
        ["layer", "K", "probes sent", "probes lost", "floor lost", "out of order",
         "watched streams", "deltas dropped", "streams not whole", "load streams",
         "load broken or missing", "sockets closed by server"],
        [[r["layer"], r["k"], r["probes_sent"], r["ours"]["probes_lost"],
          r["floor"]["probes_lost"], r["ours"]["out_of_order"] + r["floor"]["out_of_order"],
          r["watched_streams"]["streams"], r["watched_streams"]["deltas_dropped"],
          r["watched_streams"]["broken"], r["load_streams"]["streams"],
          r["load_streams"]["broken"] + r["load_streams"]["missing"],
          r["sockets_closed_by_server"]] for r in results],
    )  # fmt: skip
    report.table(
        "One publish (events.publish: two group_send calls), in this process",
        ["layer", "K", "ours p50 ms", "ours p99 ms", "floor p50 ms", "floor p99 ms"],
        [[r["layer"], r["k"], r["ours"]["publish_ms"]["p50"], r["ours"]["publish_ms"]["p99"],
          r["floor"]["publish_ms"]["p50"], r["floor"]["publish_ms"]["p99"]] for r in results],
    )  # fmt: skip
    report.note(
        "Latency: a probe published through assistant.chat.events.publish (as every delta is) to "
        "the watched conversation, until it arrives on the customer's widget WebSocket or an "
        "agent's desk WebSocket; same clock (this process publishes and receives). Probes are "
        f"sent every {args.probe_ms:g} ms for the answers' nominal streaming time "
        f"({nominal_load_seconds(args):.1f} s), the same window on either layer."
    )
    report.note(
        "Floor: the same probes, published the same way at the same moments, to channels of the "
        "same layer in this process (channel_layer.receive): the layer and Redis without the web "
        "process, our consumers or a WebSocket."
    )
    report.note(
        f"Load: {args.load} other conversations and the watched one each ask for a "
        f"{args.words}-word answer {args.rounds} times at once; the simulator streams "
        f"{args.tps:g} words/s after {args.ttft:g} s. One uvicorn process; this process runs "
        "every client, the probes and the simulator."
    )
    report.data["results"] = results
    return report


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", default="1,5,20", help="comma-separated K values")
    parser.add_argument("--load", type=int, default=8, help="other conversations streaming")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--words", type=int, default=120)
    parser.add_argument("--tps", type=float, default=50.0, help="simulator words per second")
    parser.add_argument("--ttft", type=float, default=0.2)
    parser.add_argument("--probe-ms", type=float, default=20.0)
    parser.add_argument("--grace", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--layers", default="core,pubsub")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.agents = [int(k) for k in args.agents.split(",")]
    args.layers = [name.strip() for name in args.layers.split(",")]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    setup("bench_fanout", redis=True)
    from _cluster import agent_cookies, ensure_story_article, make_inbox_with_team, model_simulator

    ensure_story_article()
    inbox, team = make_inbox_with_team()
    people = {"inbox": inbox, "cookies": agent_cookies(team, max(args.agents))}
    results = []
    with model_simulator(words=args.words, tokens_per_second=args.tps, ttft=args.ttft) as sim:
        for layer in args.layers:
            results += run_layer(layer, people, args, sim)
    report(results, args).write(args.results_dir)
    dropped = sum(r["dropped_total"] for r in results)
    print(f"Dropped or out of order: {dropped}")
    return 1 if dropped else 0


if __name__ == "__main__":
    sys.exit(main())
