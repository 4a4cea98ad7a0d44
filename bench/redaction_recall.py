"""Recall and precision of the personal-data detectors on an annotated corpus.

    python bench/redaction_recall.py [--corpus tests/privacy/fixtures/pii_corpus.json]
                                     [--results-dir bench/results]

Runs `assistant.privacy.detectors.detect` with the shipped default configuration (or the regions
and countries given) over every message of the corpus and compares with the annotations:

- recall, per annotated kind: share of annotated values whose every letter and digit ended up
  inside some redacted span (of any kind: what matters is that nothing leaked). "kind agreement"
  says how many of those were also labelled with the annotated kind;
- precision, per detected kind: share of redacted spans that overlap an annotated value. The
  rest are false positives: order, tracking or product numbers the assistant needed to see.

Every figure is given for the whole corpus and for its two splits: "dev" messages were used
while the detectors were written (their scores are optimistic), "holdout" messages were written
afterwards and never used to change the detectors: that is the honest estimate.

Pure Python: no database, no Django. Prints Markdown and writes JSON to the results folder.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "privacy" / "fixtures" / "pii_corpus.json"
RESULTS = ROOT / "bench" / "results"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.privacy.detectors import (  # noqa: E402  (needs ROOT on sys.path)
    DEFAULT_NATIONAL_ID_COUNTRIES,
    DEFAULT_PHONE_REGIONS,
    DetectorConfig,
    Span,
    detect,
)


@dataclass
class Tally:
    annotated: int = 0
    protected: int = 0
    kind_agreed: int = 0
    detected: int = 0
    true_detections: int = 0

    @property
    def recall(self) -> float | None:
        return self.protected / self.annotated if self.annotated else None

    @property
    def precision(self) -> float | None:
        return self.true_detections / self.detected if self.detected else None

    def add(self, other: Tally) -> None:
        for name in ("annotated", "protected", "kind_agreed", "detected", "true_detections"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> dict[str, Any]:
        return {**asdict(self), "recall": self.recall, "precision": self.precision}


@dataclass
class Report:
    messages: int
    config: dict[str, Any]
    overall: Tally = field(default_factory=Tally)
    by_kind: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_language: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_split: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_split_kind: dict[str, dict[str, Tally]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Tally))
    )
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_positives: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "config": self.config,
            "overall": self.overall.summary(),
            "by_kind": {k: t.summary() for k, t in sorted(self.by_kind.items())},
            "by_language": {k: t.summary() for k, t in sorted(self.by_language.items())},
            "by_split": {k: t.summary() for k, t in sorted(self.by_split.items())},
            "by_split_kind": {
                split: {k: t.summary() for k, t in sorted(kinds.items())}
                for split, kinds in sorted(self.by_split_kind.items())
            },
            "misses": self.misses,
            "false_positives": self.false_positives,
            "seconds": round(self.seconds, 3),
        }


def load_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["messages"]


def evaluate(messages: Sequence[dict[str, Any]], config: DetectorConfig) -> Report:
    report = Report(
        messages=len(messages),
        config={
            "phone_regions": list(config.phone_regions),
            "national_id_countries": list(config.national_id_countries),
        },
    )
    started = time.perf_counter()
    for message in messages:
        text: str = message["text"]
        split = message.get("split", "dev")
        predicted = detect(text, config)
        language_tally = Tally()
        for gold in message["spans"]:
            tally = Tally(annotated=1)
            if _protected(text, gold, predicted):
                tally.protected = 1
                tally.kind_agreed = int(
                    any(p.kind == gold["kind"] and _overlap(p, gold) for p in predicted)
                )
            else:
                report.misses.append({"id": message["id"], "kind": gold["kind"], **_ctx(gold)})
            report.by_kind[gold["kind"]].add(tally)
            report.by_split_kind[split][gold["kind"]].add(tally)
            language_tally.add(tally)
        for span in predicted:
            tally = Tally(detected=1)
            if any(_overlap(span, gold) for gold in message["spans"]):
                tally.true_detections = 1
            else:
                report.false_positives.append(
                    {"id": message["id"], "kind": span.kind, "value": span.value}
                )
            report.by_kind[span.kind].add(tally)
            report.by_split_kind[split][span.kind].add(tally)
            language_tally.add(tally)
        report.by_language[message["language"]].add(language_tally)
        report.by_split[split].add(language_tally)
        report.overall.add(language_tally)
    report.seconds = time.perf_counter() - started
    return report


def _protected(text: str, gold: dict[str, Any], predicted: Sequence[Span]) -> bool:
    return all(
        any(p.start <= i < p.end for p in predicted)
        for i in range(gold["start"], gold["end"])
        if text[i].isalnum()
    )


def _overlap(span: Span, gold: dict[str, Any]) -> bool:
    return span.start < gold["end"] and gold["start"] < span.end


def _ctx(gold: dict[str, Any]) -> dict[str, Any]:
    return {"value": gold["value"]}


def markdown(report: Report) -> str:
    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{100 * value:.1f}%"

    splits = sorted(report.by_split)
    header = " | ".join(f"{split} recall | {split} precision" for split in splits)
    lines = [
        f"{report.messages} messages; phone regions {', '.join(report.config['phone_regions'])}; "
        f"national ids {', '.join(report.config['national_id_countries'])}",
        "",
        f"| kind | annotated | recall | kind agreement | detected | precision | {header} |",
        "|---|" + "---:|" * (5 + 2 * len(splits)),
    ]
    rows = [*sorted(report.by_kind.items()), ("**all**", report.overall)]
    for kind, tally in rows:
        agreement = tally.kind_agreed / tally.protected if tally.protected else None
        per_split = []
        for split in splits:
            part = (
                report.by_split[split] if kind == "**all**" else report.by_split_kind[split][kind]
            )
            per_split.append(f"{pct(part.recall)} | {pct(part.precision)}")
        lines.append(
            f"| {kind} | {tally.annotated} | {pct(tally.recall)} | {pct(agreement)} "
            f"| {tally.detected} | {pct(tally.precision)} | {' | '.join(per_split)} |"
        )
    lines += [
        "",
        "| language | annotated | recall | detected | precision |",
        "|---|---:|---:|---:|---:|",
    ]
    for language, tally in sorted(report.by_language.items()):
        lines.append(
            f"| {language} | {tally.annotated} | {pct(tally.recall)} "
            f"| {tally.detected} | {pct(tally.precision)} |"
        )
    if report.misses:
        lines += ["", "Missed:"] + [f"- {m['id']} {m['kind']}: {m['value']}" for m in report.misses]
    if report.false_positives:
        lines += ["", "False positives:"] + [
            f"- {f['id']} {f['kind']}: {f['value']}" for f in report.false_positives
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    parser.add_argument("--phone-regions", default=",".join(DEFAULT_PHONE_REGIONS))
    parser.add_argument("--countries", default=",".join(DEFAULT_NATIONAL_ID_COUNTRIES))
    args = parser.parse_args(argv)
    config = DetectorConfig(
        phone_regions=tuple(r for r in args.phone_regions.split(",") if r),
        national_id_countries=tuple(c for c in args.countries.split(",") if c),
    )
    report = evaluate(load_corpus(args.corpus), config)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    path = args.results_dir / f"redaction_recall-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report.summary(), ensure_ascii=False, indent=1), encoding="utf-8")
    print(markdown(report))
    print(f"\nwrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
