"""From a group's sums and sparse counts to the numbers managers read (docs/analytics.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from analytics import stats
from analytics.measures import CSAT_SCORES
from analytics.sources import Group, as_decimal

BAD_RATING_MAX = 2  # "rated badly": 1 or 2 out of 5


@dataclass(frozen=True)
class Percentiles:
    n: int
    p50: int | None
    p90: int | None
    p95: int | None

    @classmethod
    def of(cls, group: Group, metric: str) -> Percentiles:
        counts = group.counts(metric)
        return cls(
            stats.total(counts),
            stats.percentile(counts, 0.5),
            stats.percentile(counts, 0.9),
            stats.percentile(counts, 0.95),
        )


@dataclass(frozen=True)
class Csat:
    distribution: dict[int, int]
    resolved: int

    @property
    def rated(self) -> int:
        return sum(self.distribution.values())

    @property
    def average(self) -> float | None:
        rated = self.rated
        return sum(s * n for s, n in self.distribution.items()) / rated if rated else None

    @property
    def response_rate(self) -> float | None:
        return self.rated / self.resolved if self.resolved else None

    @property
    def moments(self) -> stats.Moments:
        return stats.Moments(
            self.rated,
            float(sum(s * n for s, n in self.distribution.items())),
            float(sum(s * s * n for s, n in self.distribution.items())),
        )


def _div(a: float | Decimal, b: float | Decimal) -> float | None:
    return float(a) / float(b) if b else None


@dataclass(frozen=True)
class ConversationSummary:
    conversations: int
    resolved: int
    handed_off: int
    human: int
    automated: int
    reopened: int
    resolved_human: int
    sla_breaches: int
    model_calls: int
    tokens: int
    cost: Decimal
    cost_human: Decimal
    cost_sq: float
    csat_assistant: Csat
    csat_human: Csat
    frt_assistant: Percentiles
    frt_human: Percentiles
    reply_human: Percentiles
    resolution: Percentiles
    reasons: list[tuple[str, int]] = field(default_factory=list)

    @classmethod
    def of(cls, group: Group) -> ConversationSummary:
        g = group.get
        resolved, resolved_human = int(g("resolved")), int(g("resolved_human"))
        reasons = sorted(group.counts("reason").items(), key=lambda item: (-item[1], item[0]))
        return cls(
            conversations=int(g("conversations")),
            resolved=resolved,
            handed_off=int(g("handed_off")),
            human=int(g("human")),
            automated=int(g("automated")),
            reopened=int(g("reopened")),
            resolved_human=resolved_human,
            sla_breaches=int(g("sla_breaches")),
            model_calls=int(g("model_calls")),
            tokens=int(g("tokens")),
            cost=as_decimal(g("cost")),
            cost_human=as_decimal(g("cost_human")),
            cost_sq=float(g("cost_sq")),
            csat_assistant=Csat(
                {s: int(g(f"csat_a{s}")) for s in CSAT_SCORES}, resolved - resolved_human
            ),
            csat_human=Csat({s: int(g(f"csat_h{s}")) for s in CSAT_SCORES}, resolved_human),
            frt_assistant=Percentiles.of(group, "frt_a"),
            frt_human=Percentiles.of(group, "frt_h"),
            reply_human=Percentiles.of(group, "reply_h"),
            resolution=Percentiles.of(group, "resolution"),
            reasons=[(reason, n) for reason, n in reasons],
        )

    # Counts and rates ---------------------------------------------------------------------
    @property
    def open(self) -> int:
        """Awaiting an outcome: not resolved yet, so neither an automated resolution nor a
        human's (the automated-resolution rate counts these in its denominator)."""
        return self.conversations - self.resolved

    @property
    def open_assistant_only(self) -> int:
        """Open with no human involved yet: the ones that can still become automated
        resolutions."""
        return self.assistant_only - (self.resolved - self.resolved_human)

    @property
    def assistant_only(self) -> int:
        return self.conversations - self.human

    @property
    def automated_rate(self) -> float | None:
        return _div(self.automated, self.conversations)

    @property
    def handoff_rate(self) -> float | None:
        return _div(self.handed_off, self.conversations)

    @property
    def csat_all(self) -> Csat:
        return Csat(
            {
                s: self.csat_assistant.distribution[s] + self.csat_human.distribution[s]
                for s in CSAT_SCORES
            },
            self.resolved,
        )

    # Cost ----------------------------------------------------------------------------------
    @property
    def cost_per_conversation(self) -> float | None:
        return _div(self.cost, self.conversations)

    @property
    def cost_per_automated_resolution(self) -> float | None:
        """All model spend of the range divided by the automated resolutions it bought: the
        number to hold against a hosted agent's price per resolution."""
        return _div(self.cost, self.automated)

    @property
    def model_cost_per_human_conversation(self) -> float | None:
        return _div(self.cost_human, self.human)

    @property
    def cost_moments(self) -> stats.Moments:
        return stats.Moments(self.conversations, float(self.cost), self.cost_sq)


@dataclass(frozen=True)
class CallSummary:
    calls: int
    errors: int
    fallbacks: int
    input_tokens: int
    output_tokens: int
    cost: Decimal
    unpriced: int
    duration_ms: float
    ttft: Percentiles

    @classmethod
    def of(cls, group: Group) -> CallSummary:
        g = group.get
        return cls(
            calls=int(g("calls")),
            errors=int(g("errors")),
            fallbacks=int(g("fallbacks")),
            input_tokens=int(g("input_tokens")),
            output_tokens=int(g("output_tokens")),
            cost=as_decimal(g("cost")),
            unpriced=int(g("unpriced")),
            duration_ms=float(g("duration_ms")),
            ttft=Percentiles.of(group, "ttft"),
        )

    @property
    def error_rate(self) -> float | None:
        return _div(self.errors, self.calls)

    @property
    def fallback_rate(self) -> float | None:
        return _div(self.fallbacks, self.calls)

    @property
    def average_duration_ms(self) -> float | None:
        return _div(self.duration_ms, self.calls)
