"""Retrieval quality on the demo help center: recall@3 and no-answer accuracy.

    python bench/knowledge_recall.py [--results-dir bench/results]

Loads the Northwind Cycles demo articles into a benchmark database, asks every question of
bench/fixtures/knowledge_questions.json through `retrieve_passages` (the reply turn's API), and
reports, per search mode:

- recall@3: share of answerable questions with an expected article among the first 3 passages,
  overall and per kind of question (direct, paraphrase, typo, other language);
- no-answer accuracy: share of unanswerable questions that got no passage at all;
- false "nothing relevant": answerable questions that got no passage.

Modes: "full-text" (no embeddings), "hybrid (local embeddings)" (the model shipped in its wheel,
assistant/llm/local_embeddings.py: the default when no provider is configured) and "hybrid
(simulator embeddings)" (the LLM simulator, assistant/llm/simulator.py, which hashes words and
character trigrams: a stand-in that exercises the fusion over HTTP, not a semantic model).
Writes JSON to the results folder and prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

QUESTIONS = Path(__file__).resolve().parent / "fixtures" / "knowledge_questions.json"
TOP = 3
KINDS = ("direct", "paraphrase", "typo", "other-language")
FULL_TEXT = "full-text"
LOCAL = "hybrid (local embeddings)"
SIMULATED = "hybrid (simulator embeddings)"


@dataclass(frozen=True, slots=True)
class Outcome:
    question: str
    language: str
    kind: str
    expected: list[str]
    found: list[str]  # article slugs of the passages, in order

    @property
    def answerable(self) -> bool:
        return bool(self.expected)

    @property
    def correct(self) -> bool:
        if self.answerable:
            return bool(set(self.expected) & set(self.found[:TOP]))
        return not self.found


@dataclass(frozen=True, slots=True)
class Report:
    mode: str
    recall_at_3: float
    no_answer_accuracy: float
    false_nothing: int
    answerable: int
    unanswerable: int
    outcomes: list[Outcome]

    def recall_of(self, kind: str) -> float:
        """recall@3 over the answerable questions of one kind."""
        asked = [o for o in self.outcomes if o.answerable and o.kind == kind]
        return sum(o.correct for o in asked) / max(len(asked), 1)

    def count_of(self, kind: str) -> tuple[int, int]:
        """(answered correctly, asked) over the answerable questions of one kind."""
        asked = [o for o in self.outcomes if o.answerable and o.kind == kind]
        return sum(o.correct for o in asked), len(asked)

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        data["by_kind"] = {kind: self.recall_of(kind) for kind in KINDS}
        data["outcomes"] = [{**asdict(o), "correct": o.correct} for o in self.outcomes]
        return data


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["questions"]


def evaluate(questions: Sequence[dict[str, Any]], mode: str) -> Report:
    """Ask every question through retrieve_passages (Django must be set up, articles loaded),
    the question embedded through the audited call as the reply turn's is (when a provider is
    configured)."""
    from assistant.knowledge.models import Chunk
    from assistant.knowledge.retrieval import retrieve_passages
    from assistant.knowledge.search import embed_query
    from assistant.privacy.outbound import CallScope
    from assistant.privacy.policy import PrivacySettings

    scope = CallScope(None, None, PrivacySettings())
    slugs = {c.passage_id: c.article.slug for c in Chunk.objects.select_related("article")}
    outcomes = []
    for item in questions:
        vector = embed_query(item["question"], scope=scope)
        passages = retrieve_passages(
            item["question"], language=item["language"], limit=TOP, query_vector=vector
        )
        found = list(dict.fromkeys(slugs[p.id] for p in passages))
        outcomes.append(
            Outcome(item["question"], item["language"], item["kind"], item["expected"], found)
        )
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    return Report(
        mode=mode,
        recall_at_3=sum(o.correct for o in answerable) / max(len(answerable), 1),
        no_answer_accuracy=sum(o.correct for o in unanswerable) / max(len(unanswerable), 1),
        false_nothing=sum(1 for o in answerable if not o.found),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        outcomes=outcomes,
    )


@contextmanager
def configured(config: Any, *, embed: bool = True) -> Iterator[None]:
    """settings.LLM set to this configuration (and the audited call's registry rebuilt), every
    chunk embedded inline by its embeddings model when it has one; restored on the way out."""
    from django.conf import settings

    from assistant import calls
    from assistant.knowledge.indexing import embed_chunks_now
    from assistant.knowledge.models import Chunk

    before = settings.LLM
    settings.LLM = config
    calls.reset()
    try:
        if embed:
            embed_chunks_now(list(Chunk.objects.values_list("pk", flat=True)))
        yield
    finally:
        settings.LLM = before
        calls.reset()


def full_text() -> Any:
    """Search without vectors (LLM_ROUTE_EMBEDDINGS=none)."""
    from assistant.llm import build_llm_config

    return configured(build_llm_config(dashscope_api_key=None, routes={"embeddings": "none"}))


def local_embeddings() -> Any:
    """No provider configured: the default, the embeddings model shipped in its wheel."""
    from assistant.llm import build_llm_config

    return configured(build_llm_config(dashscope_api_key=None))


@contextmanager
def simulated_embeddings() -> Iterator[None]:
    """Point settings.LLM at an in-process simulator and embed every published chunk."""
    from assistant.llm import build_llm_config
    from assistant.llm.simulator import run_in_thread

    with (
        run_in_thread(ttft=0.0, tokens_per_second=0) as simulator,
        configured(
            build_llm_config(
                dashscope_api_key=None,
                openai_base_url=simulator.base_url,
                openai_model="simulated",
                openai_embedding_model="text-embedding-v4",
            )
        ),
    ):
        yield


def evaluate_modes(questions: Sequence[dict[str, Any]]) -> list[Report]:
    """The questions asked in each mode, the articles loaded already."""
    reports = []
    for mode, setting in (
        (FULL_TEXT, full_text),
        (LOCAL, local_embeddings),
        (SIMULATED, simulated_embeddings),
    ):
        with setting():
            reports.append(evaluate(questions, mode))
    return reports


def markdown(reports: Sequence[Report]) -> str:
    lines = [
        "| mode | recall@3 | " + " | ".join(KINDS) + " | no-answer accuracy "
        "| answerable with no passage |",
        "|---|---|" + "---|" * len(KINDS) + "---|---|",
    ]
    for r in reports:
        kinds = " | ".join(
            "{:.0%} ({}/{})".format(r.recall_of(kind), *r.count_of(kind)) for kind in KINDS
        )
        lines.append(
            f"| {r.mode} | {r.recall_at_3:.1%} ({r.answerable} questions) | {kinds} "
            f"| {r.no_answer_accuracy:.1%} ({r.unanswerable} questions) "
            f"| {r.false_nothing} |"
        )
    for r in reports:
        misses = [o for o in r.outcomes if not o.correct]
        if misses:
            lines += ["", f"Misses ({r.mode}):", ""]
            lines += [
                f"- [{o.kind}] {o.question} -> expected {o.expected or 'nothing'}, "
                f"got {o.found or 'nothing'}"
                for o in misses
            ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results-dir", type=Path, default=None)
    args = parser.parse_args(argv)

    from _django import RESULTS, setup

    setup("bench_recall")
    from django.conf import settings

    from assistant.knowledge.demo import load_demo_articles
    from assistant.knowledge.models import Article
    from assistant.llm import build_llm_config

    # Loading must not queue embedding tasks (no broker here): embeddings are computed inline.
    settings.LLM = build_llm_config(dashscope_api_key=None, routes={"embeddings": "none"})
    Article.objects.all().delete()
    load_demo_articles()
    reports = evaluate_modes(load_questions())

    results_dir = args.results_dir or RESULTS
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"knowledge_recall-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps([r.summary() for r in reports], ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(markdown(reports))
    print(f"\nResults: {out}")


if __name__ == "__main__":
    main()
