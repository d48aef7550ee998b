"""The decision rule: verdicts from intervals, and the replications that decide."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from pushsim.plan import Estimate, replications_needed
from pushsim.plan._rule import estimate, verdict
from pushsim.scenario import parse_slo

UPPER = parse_slo("wait_mean <= 1s")
LOWER = parse_slo("throughput >= 10/s")


def test_a_point_passes_only_when_the_whole_interval_meets_the_limit() -> None:
    assert verdict(UPPER, Estimate(0.8, 0.7, 0.9, 5, 0.95)) == "pass"
    assert verdict(UPPER, Estimate(1.2, 1.1, 1.3, 5, 0.95)) == "fail"
    assert verdict(UPPER, Estimate(0.95, 0.8, 1.1, 5, 0.95)) == "inconclusive"
    assert verdict(LOWER, Estimate(12.0, 11.0, 13.0, 5, 0.95)) == "pass"
    assert verdict(LOWER, Estimate(10.5, 9.0, 12.0, 5, 0.95)) == "inconclusive"
    # no interval: only an infinite estimate (an overloaded queue) is decided
    assert verdict(UPPER, Estimate(math.inf, math.nan, math.nan, 5, 0.95)) == "fail"
    assert verdict(UPPER, Estimate(0.5, math.nan, math.nan, 1, 0.95)) == "inconclusive"


def test_the_interval_is_student_t_over_replications() -> None:
    values = [0.9, 1.1, 1.0, 1.3, 0.7]
    got = estimate(values, 0.95)
    half = stats.t.ppf(0.975, 4) * np.std(values, ddof=1) / math.sqrt(5)
    assert got.mean == pytest.approx(1.0)
    assert (got.low, got.high) == pytest.approx((1.0 - half, 1.0 + half))
    assert estimate([0.1, 0.3], 0.95, top=0.25).high == 0.25
    assert estimate([0.1, 0.3], 0.95).low == 0.0


@pytest.mark.parametrize(
    "values", [[0.9, 1.2, 1.0, 1.25], [1.1, 0.95, 1.3], [0.8, 1.05]]
)
def test_the_replications_needed_are_the_fewest_whose_half_width_clears_the_limit(
    values: list[float],
) -> None:
    # The rule: the spread s of the replications stays, the half-width is
    # t(n-1) s / sqrt(n); the answer is the smallest n at which it is below
    # the distance of the estimate from the limit. Checked here by a scan.
    got = estimate(values, 0.95)
    assert verdict(UPPER, got) == "inconclusive"
    spread = float(np.std(values, ddof=1))
    distance = abs(got.mean - UPPER.limit)

    def half(n: int) -> float:
        return float(stats.t.ppf(0.975, n - 1)) * spread / math.sqrt(n)

    scanned = next(n for n in range(len(values) + 1, 10**6) if half(n) < distance)
    assert replications_needed(UPPER, got) == scanned


def test_no_count_decides_an_estimate_on_the_limit() -> None:
    assert replications_needed(UPPER, Estimate(1.0, 0.9, 1.1, 4, 0.95)) is None
    decided = Estimate(0.5, 0.4, 0.6, 4, 0.95)
    assert replications_needed(UPPER, decided) == 4
