"""Do the 95 % intervals cover the true mean about 95 % of the time?

Many independent seeded experiments of an M/M/1 queue at load 0.5, each
with a few short replications; the count of intervals that cover the
closed-form mean sojourn is binomial. The test accepts any count that a true
95 % coverage would give with probability at least 0.001 (the exact
binomial quantile), so it fails only if the intervals are too narrow or too
wide. The default run does 40 experiments; ``-m slow`` runs the full 200.
"""

from __future__ import annotations

import pytest
from scipy import stats

import pushsim
from tests.conftest import station

MU, LAM = 100.0, 50.0
TRUTH = 1 / (MU - LAM)


def _covered(experiments: int) -> int:
    hits = 0
    for seed in range(experiments):
        scenario = station(
            LAM, 1 / MU, messages=4_000, replications=5, seed=1000 + seed
        )
        low, high = pushsim.simulate(scenario).interval("system", "sojourn_mean")[1:]
        hits += int(low <= TRUTH <= high)
    return hits


def _check(experiments: int) -> None:
    hits = _covered(experiments)
    lowest = stats.binom.ppf(0.0005, experiments, 0.95)
    highest = stats.binom.isf(0.0005, experiments, 0.95)
    assert lowest <= hits <= highest, (
        f"{hits} of {experiments} intervals cover the mean; a 95 % interval "
        f"gives {lowest:.0f} to {highest:.0f} at 99.9 %"
    )


def test_coverage_of_the_intervals() -> None:
    _check(40)


@pytest.mark.slow
def test_coverage_of_the_intervals_over_200_experiments() -> None:
    _check(200)
