"""The decision rule: when a simulated point meets an SLO, misses it, or is too close.

A point **meets** an objective only if the whole confidence interval of its
metric lies on the allowed side of the limit, and **misses** it only if the
whole interval lies on the other side; otherwise it is **too close to call**.
The interval is Student t over independent replications: with n
replications of sample standard deviation s, its half-width is
``h = t(n - 1) s / sqrt(n)``, ``t`` the quantile of the chosen confidence.
The half-width shrinks as 1 / sqrt(n), so a point whose estimate lies at a
distance ``d`` from the limit is decided, if the spread s stays what it is,
by the smallest n' with ``t(n' - 1) s / sqrt(n') < d``: about
``n (h / d) ** 2`` replications, a little fewer because t falls with n.
That n' is what :func:`replications_needed` returns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from pushsim.errors import PushsimError
from pushsim.scenario.slo import SLO

__all__ = [
    "FAIL",
    "INCONCLUSIVE",
    "PASS",
    "Estimate",
    "combined",
    "estimate",
    "replications_needed",
    "verdict",
]

PASS, FAIL, INCONCLUSIVE = "pass", "fail", "inconclusive"

#: The most replications the rule ever names; beyond it the point is called undecidable.
MOST_REPLICATIONS = 100_000


@dataclass(frozen=True)
class Estimate:
    """A metric's mean over ``n`` replications and its interval at ``confidence``."""

    mean: float
    low: float
    high: float
    n: int
    confidence: float

    @property
    def half_width(self) -> float:
        """Half the width of the interval (NaN where there is none)."""
        return (self.high - self.low) / 2


def check_confidence(confidence: object) -> float:
    """The confidence level, checked: a number strictly between 0.5 and 1."""
    number = isinstance(confidence, int | float) and not isinstance(confidence, bool)
    if not (number and 0.5 < float(confidence) < 1.0):  # type: ignore[arg-type]
        raise PushsimError(
            f"confidence must be a number between 0.5 and 1 (such as 0.95), "
            f"got {confidence!r}"
        )
    return float(confidence)  # type: ignore[arg-type]


def _t(confidence: float, n: int) -> float:
    return float(stats.t.ppf(0.5 + confidence / 2, n - 1))


def estimate(
    values: Sequence[float] | np.ndarray,
    confidence: float,
    *,
    top: float = math.inf,
) -> Estimate:
    """The mean of per-replication values and its Student-t interval.

    The interval is held to the metric's range ``[0, top]``. A NaN or an
    infinite value among them leaves the interval NaN (and the mean infinite
    if one is infinite).
    """
    data = np.asarray(values, dtype=float)
    n = int(data.size)
    if n == 0 or np.any(np.isnan(data)):
        return Estimate(math.nan, math.nan, math.nan, n, confidence)
    if np.any(np.isinf(data)):
        return Estimate(math.inf, math.nan, math.nan, n, confidence)
    mean = float(data.mean())
    if n < 2:
        return Estimate(mean, math.nan, math.nan, n, confidence)
    half = _t(confidence, n) * float(data.std(ddof=1)) / math.sqrt(n)
    # A mean above the range (a utilisation just after a schedule's decrease)
    # keeps its whole interval.
    top = math.inf if mean > top else top
    return Estimate(mean, max(mean - half, 0.0), min(mean + half, top), n, confidence)


def verdict(slo: SLO, value: Estimate) -> str:
    """``pass``, ``fail`` or ``inconclusive`` by the rule of the module docstring."""
    if math.isnan(value.mean):
        return INCONCLUSIVE
    if math.isnan(value.low) or math.isnan(value.high):
        if math.isinf(value.mean):
            return PASS if slo.holds(value.mean) else FAIL
        return INCONCLUSIVE
    low, high = slo.holds(value.low), slo.holds(value.high)
    if low and high:
        return PASS
    if not low and not high:
        return FAIL
    return INCONCLUSIVE


def replications_needed(slo: SLO, value: Estimate) -> int | None:
    """Replications that would decide an inconclusive point, or None if none would.

    None when the estimate sits on the limit (no spread decides it), when the
    values do not vary, or past :data:`MOST_REPLICATIONS`; the current
    count when the point is already decided.
    """
    if verdict(slo, value) != INCONCLUSIVE:
        return value.n
    distance = abs(value.mean - slo.limit)
    if value.n < 2 or not math.isfinite(value.half_width) or distance == 0.0:
        return None
    # The spread of the replications, from the half-width before clipping at 0 or top.
    half = max(value.mean - value.low, value.high - value.mean)
    spread = half * math.sqrt(value.n) / _t(value.confidence, value.n)
    if spread == 0.0:
        return None

    def decides(n: int) -> bool:
        return _t(value.confidence, n) * spread / math.sqrt(n) < distance

    # The half-width falls as n grows: gallop to a count that decides, then bisect.
    low, high = value.n, value.n + 1
    while not decides(high):
        if high >= MOST_REPLICATIONS:
            return None
        low, high = high, min(2 * high, MOST_REPLICATIONS)
    while high - low > 1:
        middle = (low + high) // 2
        if decides(middle):
            high = middle
        else:
            low = middle
    return high


def combined(verdicts: Sequence[str]) -> str:
    """A point's verdict over all its SLOs: any miss fails it, all met passes it."""
    if FAIL in verdicts:
        return FAIL
    if all(v == PASS for v in verdicts):
        return PASS
    return INCONCLUSIVE
