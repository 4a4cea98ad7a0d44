"""Percentiles from sparse counts, and the confidence intervals of the model comparison.

Intervals are 95 %. Rates use the Wilson score interval (good at small n and near 0 or 1);
a difference of two rates uses Newcombe's hybrid score interval built from the two Wilson
intervals. Means (CSAT, cost per conversation) use the normal approximation with the sample
variance, and their difference Welch's standard error. A median's interval is distribution-free:
the order statistics whose ranks bracket n/2 by 1.96 * sqrt(n)/2 (the binomial normal approx).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    value: float | None
    low: float | None
    high: float | None
    n: int

    @property
    def known(self) -> bool:
        return self.value is not None


NONE = Interval(None, None, None, 0)


def _sorted_buckets(counts: Counter[str]) -> list[tuple[int, int]]:
    return sorted((int(k), n) for k, n in counts.items() if n)


def total(counts: Counter[str]) -> int:
    return sum(counts.values())


def value_at_rank(counts: Counter[str], rank: int) -> int | None:
    """The rank-th smallest value (1-based), at the buckets' resolution."""
    if rank < 1:
        return None
    seen = 0
    for value, n in _sorted_buckets(counts):
        seen += n
        if seen >= rank:
            return value
    return None


def percentile(counts: Counter[str], p: float) -> int | None:
    """Nearest-rank percentile: the smallest value with at least p of the samples at or below
    it (PostgreSQL's percentile_disc). None without samples."""
    n = total(counts)
    if n == 0:
        return None
    return value_at_rank(counts, max(1, math.ceil(p * n - 1e-9)))


def median_interval(counts: Counter[str]) -> Interval:
    n = total(counts)
    if n == 0:
        return NONE
    half_width = Z95 * math.sqrt(n) / 2
    low_rank = max(1, math.floor(n / 2 - half_width))
    high_rank = min(n, math.ceil(n / 2 + half_width) + 1)
    return Interval(
        float(percentile(counts, 0.5) or 0),
        float(value_at_rank(counts, low_rank) or 0),
        float(value_at_rank(counts, high_rank) or 0),
        n,
    )


def rate(successes: int, n: int) -> float | None:
    return successes / n if n else None


def wilson(successes: int, n: int) -> Interval:
    if n == 0:
        return NONE
    p = successes / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half), n)


def newcombe(a: Interval, b: Interval) -> Interval:
    """b - a for two proportions with their Wilson intervals (Newcombe 1998, method 10)."""
    if not (a.known and b.known):
        return NONE
    assert a.value is not None and b.value is not None
    assert a.low is not None and a.high is not None and b.low is not None and b.high is not None
    d = b.value - a.value
    low = d - math.sqrt((b.value - b.low) ** 2 + (a.high - a.value) ** 2)
    high = d + math.sqrt((b.high - b.value) ** 2 + (a.value - a.low) ** 2)
    return Interval(d, low, high, min(a.n, b.n))


@dataclass(frozen=True)
class Moments:
    """n, sum and sum of squares: enough for a mean and its normal-approximation interval."""

    n: int
    total: float
    squares: float

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def variance(self) -> float | None:
        if self.n < 2:
            return None
        mean = self.total / self.n
        return max(0.0, (self.squares - self.n * mean * mean) / (self.n - 1))

    def interval(self) -> Interval:
        if self.n == 0:
            return NONE
        mean = self.total / self.n
        variance = self.variance
        if variance is None:
            return Interval(mean, None, None, self.n)
        half = Z95 * math.sqrt(variance / self.n)
        return Interval(mean, mean - half, mean + half, self.n)


def mean_difference(a: Moments, b: Moments) -> Interval:
    """b - a with Welch's standard error."""
    if a.variance is None or b.variance is None or a.mean is None or b.mean is None:
        return NONE
    se = math.sqrt(a.variance / a.n + b.variance / b.n)
    d = b.mean - a.mean
    return Interval(d, d - Z95 * se, d + Z95 * se, min(a.n, b.n))
