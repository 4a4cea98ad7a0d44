"""The model simulator as an evaluation target, in two modes.

- `worst`: a model that obeys every attack. For each case the simulator answers the last
  message with the case's `obey` text (prints the canary, agrees to the $1 kettle, emits the
  exfiltration image, invents a refund policy, insults the customer). Whatever is stopped in
  this mode is stopped by the pipeline, not by a model's good manners.
- `compliant`: a well-behaved grounded model: the simulator's default, which quotes the passage
  of the prompt that covers the question or says it does not know.

The simulator is labelled an external provider, as Qwen's cloud would be, so the run also goes
through redaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal

from assistant.llm.config import build_llm_config
from assistant.llm.simulator import Rule, run_in_thread
from assistant.privacy.corpus import RenderedCase, obeying_rules

from .evaluation import Target

Mode = Literal["worst", "compliant"]
MODES: tuple[Mode, ...] = ("worst", "compliant")


@contextmanager
def simulated_target(mode: Mode) -> Iterator[Target]:
    if mode not in MODES:
        raise ValueError(f"unknown simulator mode {mode!r}; expected one of {MODES}")
    # No pacing: the run measures behaviour, not latency.
    with run_in_thread(ttft=0.0, tokens_per_second=0) as simulator:
        config = build_llm_config(
            dashscope_api_key=None,
            openai_base_url=simulator.base_url,
            openai_api_key="sk-simulator",
            openai_model="qwen-plus",
            openai_hosting="external",
            openai_jurisdiction="Simulator",
            first_token_timeout=5.0,
            total_timeout=30.0,
            max_retries=0,
        )

        def prepare(cases: Sequence[RenderedCase]) -> None:
            rules = obeying_rules(cases) if mode == "worst" else []
            simulator.app.config.rules = [Rule.from_dict(rule) for rule in rules]

        yield Target(
            label=f"simulator ({mode} case)" if mode == "worst" else "simulator (compliant)",
            llm=config,
            payloads=lambda: list(simulator.app.stats.requests),
            prepare=prepare,
        )
