"""CPU that finding personal data costs per message, next to one regular-expression pass.

    python bench/redaction_cost.py [--repeats 5] [--results-dir bench/results]

Every outbound model call redacts the recent conversation (the results are cached per text, but
each new message is detected once, in the web process's event loop, before the model is asked).
This times `detect` without its cache over every message of the two fixture corpora (the
annotated one and the Faker one: realistic support messages, most with digits), with the shipped
default configuration (39 regions) and with the eight regions that were the default before, and
the floor: the e-mail pattern alone, one pass over each text, the least any detector costs.
The ratio to the floor is what to compare between runs: these machines are noisy.

Pure Python: no database, no Django. Prints Markdown and writes JSON to the results folder.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CORPORA = (
    ROOT / "tests" / "privacy" / "fixtures" / "pii_corpus.json",
    ROOT / "tests" / "privacy" / "fixtures" / "pii_corpus_faker.json",
)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.privacy import detectors  # noqa: E402  (needs ROOT on sys.path)

EIGHT_REGIONS = ("US", "GB", "DE", "CN", "FR", "ES", "JP", "IN")


def texts() -> list[str]:
    found: list[str] = []
    for path in CORPORA:
        if path.exists():
            found += [m["text"] for m in json.loads(path.read_text("utf-8"))["messages"]]
    return found


def per_text(run: Callable[[str], object], corpus: Sequence[str], repeats: int) -> list[float]:
    """CPU milliseconds per text, the best of `repeats` runs for each text."""
    gc.collect()
    gc.disable()
    try:
        best = [float("inf")] * len(corpus)
        for _ in range(repeats):
            for i, text in enumerate(corpus):
                started = time.process_time_ns()
                run(text)
                best[i] = min(best[i], (time.process_time_ns() - started) / 1e6)
        return best
    finally:
        gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    corpus = texts()
    uncached = getattr(detectors._detect, "__wrapped__", detectors._detect)
    default = detectors.DEFAULT_CONFIG
    eight = detectors.DetectorConfig(
        phone_regions=EIGHT_REGIONS,
        national_id_countries=tuple(
            c for c in EIGHT_REGIONS if c in detectors.DEFAULT_NATIONAL_ID_COUNTRIES
        ),
    )
    email = detectors._EMAIL
    runs: dict[str, Callable[[str], object]] = {
        "floor (e-mail pattern, one pass)": lambda text: email.findall(text),
        f"detect, default ({len(default.phone_regions)} regions)": lambda text: uncached(
            text, default
        ),
        "detect, 8 regions": lambda text: uncached(text, eight),
    }
    for run in runs.values():  # warm up: lazy imports, compiled patterns, the lexicon
        for text in corpus[:50]:
            run(text)
    measured = {name: per_text(run, corpus, args.repeats) for name, run in runs.items()}
    floor = statistics.mean(next(iter(measured.values())))
    rows: list[dict[str, Any]] = []
    print(f"{len(corpus)} messages, best of {args.repeats} per message, CPU time\n")
    print("| run | mean ms | p50 ms | p95 ms | max ms | x floor |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, times in measured.items():
        ordered = sorted(times)
        row = {
            "run": name,
            "mean_ms": statistics.mean(times),
            "p50_ms": ordered[len(ordered) // 2],
            "p95_ms": ordered[int(len(ordered) * 0.95)],
            "max_ms": ordered[-1],
            "ratio": statistics.mean(times) / floor if floor else None,
        }
        rows.append(row)
        print(
            f"| {name} | {row['mean_ms']:.3f} | {row['p50_ms']:.3f} | {row['p95_ms']:.3f} "
            f"| {row['max_ms']:.3f} | {row['ratio']:.0f} |"
        )
    args.results_dir.mkdir(parents=True, exist_ok=True)
    path = args.results_dir / f"redaction_cost-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"messages": len(corpus), "runs": rows}, indent=1), "utf-8")
    print(f"\nwrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
