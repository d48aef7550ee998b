"""Confidence intervals and the warm-up rule.

- :func:`t_interval`: the mean of independent estimates and its 95 %
  Student-t interval (replications, or batch means of one long run).
- :func:`batch_size` and :func:`merged`: batch means of one long run, with
  adjacent batches merged while their estimates are autocorrelated.
- :func:`mser5`: the MSER-5 truncation point of a warm-up (White 1997;
  White, Cobb and Spratt 2000): batch the series in fives and cut the
  prefix that minimises the squared standard error of the mean of the rest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

__all__ = [
    "BATCHES",
    "CONFIDENCE",
    "Interval",
    "batch_size",
    "merged",
    "mser5",
    "t_interval",
]

#: The confidence level of every interval pushsim reports.
CONFIDENCE = 0.95


class Interval(tuple[float, float, float]):
    """``(mean, low, high)``; low and high are NaN when they cannot be had."""

    __slots__ = ()

    def __new__(cls, mean: float, low: float, high: float) -> Interval:
        return super().__new__(cls, (mean, low, high))

    @property
    def mean(self) -> float:
        return self[0]

    @property
    def low(self) -> float:
        return self[1]

    @property
    def high(self) -> float:
        return self[2]


def t_interval(
    values: Sequence[float] | np.ndarray, *, centre: float | None = None
) -> Interval:
    """The mean of independent estimates with its 95 % Student-t interval.

    ``centre`` replaces the mean as the point estimate (for batch means, the
    estimate from the whole run) while the half-width still comes from the
    spread of the estimates. Infinite or NaN estimates make the interval NaN
    (and the mean infinite if any is infinite), never a made-up number.
    """
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return Interval(math.nan, math.nan, math.nan)
    point = float(np.mean(data)) if centre is None else float(centre)
    if not np.all(np.isfinite(data)):
        mean = math.inf if np.any(np.isinf(data)) else math.nan
        return Interval(mean if centre is None else point, math.nan, math.nan)
    if data.size < 2:
        return Interval(point, math.nan, math.nan)
    half = (
        float(stats.t.ppf(0.5 + CONFIDENCE / 2, data.size - 1))
        * float(np.std(data, ddof=1))
        / math.sqrt(data.size)
    )
    return Interval(point, point - half, point + half)


def mser5(series: np.ndarray) -> tuple[int, bool]:
    """How many leading values MSER-5 cuts, and whether the rule settled.

    The series is averaged in batches of five; for each candidate cut ``d``
    (in batches, up to half the series) the statistic is the variance of the
    remaining batch means divided by their number. The rule has not settled
    when the best cut lies in the last tenth of the candidates: the run is
    then too short to tell warm-up from steady state.
    """
    values = np.asarray(series, dtype=float)
    batches = values.size // 5
    if batches < 10:
        return 0, False
    means = values[: batches * 5].reshape(batches, 5).mean(axis=1)
    # Suffix sums give every candidate's mean and squared deviation at once.
    tail_sum = np.cumsum(means[::-1])[::-1]
    tail_sq = np.cumsum((means**2)[::-1])[::-1]
    count = np.arange(batches, 0, -1, dtype=float)
    sse = tail_sq - tail_sum**2 / count
    half = batches // 2
    statistic = sse[: half + 1] / count[: half + 1] ** 2
    cut = int(np.argmin(statistic))
    return cut * 5, cut < 0.9 * half


#: Batches a single run is cut into, and the fewest the merging may leave.
BATCHES = 32
MIN_BATCHES = 8


def _lag1(values: np.ndarray) -> float:
    centred = values - values.mean()
    denominator = float(np.dot(centred, centred))
    return (
        float(np.dot(centred[:-1], centred[1:])) / denominator
        if denominator > 0
        else 0.0
    )


def batch_size(series: Sequence[float] | np.ndarray) -> tuple[int, bool]:
    """How many adjacent batches to merge so their estimates look independent.

    Batch estimates of a run with long memory (a queue near saturation) are
    correlated, and an interval that treats them as independent is too
    narrow. Adjacent batches of ``series`` are merged in pairs until the
    lag-1 autocorrelation of the estimates falls within one standard error
    of zero under independence (1 / sqrt(n)), or :data:`MIN_BATCHES` remain.
    Returns the merge factor, and False when even then they are correlated.
    """
    values = np.asarray(series, dtype=float)
    factor = 1
    if values.size < 2 or not np.all(np.isfinite(values)):
        return factor, True
    while _lag1(values) > 1 / math.sqrt(values.size):
        if values.size < 2 * MIN_BATCHES:
            return factor, False
        values = merged(values, 2)
        factor *= 2
    return factor, True


def merged(values: Sequence[float] | np.ndarray, factor: int) -> np.ndarray:
    """Batch estimates averaged over groups of ``factor`` adjacent batches."""
    data = np.asarray(values, dtype=float)
    usable = data.size // factor * factor
    return data[:usable].reshape(-1, factor).mean(axis=1)
