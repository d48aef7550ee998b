"""The drift test on its own: Welch's difference, the tolerance and its floors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from pushsim.check.baseline import Estimate
from pushsim.check.drift import DEFAULT_FLOORS, Tolerance, _welch_dof, compare
from pushsim.errors import PushsimError


def _est(mean: float, se: float = 0.01, n: int = 5, unit: str = "s") -> Estimate:
    return Estimate(mean, se, n, unit)


def test_an_identical_metric_passes() -> None:
    drift = compare(_est(1.0), _est(1.0), Tolerance(), tests=1)
    assert drift.verdict == "pass" and drift.identical


def test_a_change_far_beyond_tolerance_and_noise_fails() -> None:
    drift = compare(_est(1.0), _est(1.2), Tolerance(), tests=1)
    assert drift.verdict == "fail"
    assert drift.allowed == pytest.approx(0.05)
    assert drift.statistic > drift.critical


def test_a_change_beyond_tolerance_but_within_the_noise_passes_with_a_note() -> None:
    drift = compare(_est(1.0, se=0.05), _est(1.07, se=0.05), Tolerance(), tests=1)
    assert drift.verdict == "pass"
    assert "within the noise" in drift.note


def test_the_welch_satterthwaite_degrees_of_freedom() -> None:
    # Equal errors from equal counts: twice the degrees of freedom of one side.
    assert _welch_dof(1.0, 5, 1.0, 5) == pytest.approx(8.0)
    # One side without noise leaves the other's.
    assert _welch_dof(0.0, 5, 1.0, 9) == pytest.approx(8.0)


def test_more_metrics_ask_for_more_evidence() -> None:
    base, now = _est(1.0), _est(1.08)
    one = compare(base, now, Tolerance(), tests=1)
    many = compare(base, now, Tolerance(), tests=40)
    assert one.critical < many.critical
    assert one.statistic == pytest.approx(many.statistic)


def test_a_share_near_zero_is_held_to_its_floor() -> None:
    zero = Estimate(0.0, 0.0, 4, "ratio")
    assert DEFAULT_FLOORS["share"] == 1e-3
    below = compare(zero, Estimate(0.0005, 0.0, 4, "ratio"), Tolerance(), tests=1)
    above = compare(zero, Estimate(0.002, 0.0, 4, "ratio"), Tolerance(), tests=1)
    assert below.verdict == "pass" and above.verdict == "fail"


def test_non_finite_figures_pass_only_when_both_sides_agree() -> None:
    inf = _est(math.inf, se=math.nan)
    assert compare(inf, inf, Tolerance(), tests=1).verdict == "pass"
    assert compare(inf, _est(1.0), Tolerance(), tests=1).verdict == "fail"


def test_at_the_edge_of_the_tolerance_it_fails_at_the_rate_alpha() -> None:
    """The false-alarm rate of the test where the change equals the tolerance.

    Each trial draws 5 replication means on either side from normals whose
    means differ by exactly the tolerance, from one seeded generator, and
    applies the test at alpha 0.05. The one-sided test's rejection rate
    there is alpha (Welch's approximation is close to exact for equal
    counts and spreads). The count of rejections in 2 000 trials must lie
    within the binomial 99.9 % range around alpha * 2 000.
    """
    rng = np.random.default_rng(20240)
    trials, n, alpha, sd = 2_000, 5, 0.05, 1.0
    tolerance = Tolerance(relative=0.1, floors={"number": 0.0}, alpha=alpha)
    base_mean = 10.0  # tolerance 10 % of 10 = 1.0
    fails = 0
    for _ in range(trials):
        a = rng.normal(base_mean, sd, n)
        b = rng.normal(base_mean + 1.0, sd, n)
        drift = compare(
            Estimate(float(a.mean()), float(a.std(ddof=1) / math.sqrt(n)), n, ""),
            Estimate(float(b.mean()), float(b.std(ddof=1) / math.sqrt(n)), n, ""),
            tolerance,
            tests=1,
        )
        fails += drift.verdict == "fail"
    low, high = stats.binom.interval(0.999, trials, alpha)
    assert low <= fails <= high, f"{fails} of {trials} failed, expected {low}..{high}"


def test_tolerance_from_text() -> None:
    tolerance = Tolerance.parse("2%", {"time": "50us", "share": "0.01%"}, alpha=0.01)
    assert tolerance.relative == pytest.approx(0.02)
    assert tolerance.floors["time"] == pytest.approx(5e-5)
    assert tolerance.floors["share"] == pytest.approx(1e-4)
    assert tolerance.floors["rate"] == DEFAULT_FLOORS["rate"]
    assert tolerance.allowed(0.001, "s") == pytest.approx(5e-5)
    assert tolerance.allowed(1.0, "s") == pytest.approx(0.02)


@pytest.mark.parametrize(
    ("relative", "floors", "message"),
    [
        ("five", {}, "tolerance 'five'"),
        ("5%", {"latency": "1ms"}, "unknown kind 'latency'"),
        ("5%", {"time": "fast"}, "floor time=fast"),
        ("5%", {"number": "many"}, "floor number=many"),
    ],
)
def test_bad_tolerances_are_refused_with_the_place(
    relative: str, floors: dict[str, str], message: str
) -> None:
    with pytest.raises(PushsimError, match=message):
        Tolerance.parse(relative, floors, alpha=0.01)


def test_bad_alpha_is_refused() -> None:
    with pytest.raises(PushsimError, match="alpha: must lie strictly between 0 and 1"):
        Tolerance(alpha=1.5)
