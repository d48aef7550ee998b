"""Intervals and the warm-up rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import pushsim
from pushsim.stats import mser5, t_interval
from tests.conftest import station


def test_t_interval_matches_the_textbook_formula() -> None:
    values = [1.0, 2.0, 4.0, 7.0]
    mean, low, high = t_interval(values)
    half = stats.t.ppf(0.975, 3) * np.std(values, ddof=1) / 2
    assert (
        mean == 3.5
        and low == pytest.approx(3.5 - half)
        and high == pytest.approx(3.5 + half)
    )


def test_t_interval_never_invents_a_number() -> None:
    assert all(math.isnan(v) for v in t_interval([]))
    mean, low, high = t_interval([1.0, math.inf])
    assert mean == math.inf and math.isnan(low) and math.isnan(high)
    one = t_interval([2.0])
    assert one.mean == 2.0 and math.isnan(one.low)


def test_mser5_cuts_a_transient() -> None:
    rng = np.random.default_rng(5)
    series = np.concatenate([np.linspace(50, 10, 500), 10 + rng.normal(0, 1, 5000)])
    cut, settled = mser5(series)
    assert settled and 300 <= cut <= 700


def test_mser5_says_when_it_did_not_settle() -> None:
    _, settled = mser5(np.arange(1000.0))  # a trend that never levels off
    assert not settled


def test_mser5_warmup_in_a_run() -> None:
    scenario = station(90.0, 0.01, messages=30_000, replications=2)
    scenario["experiment"]["warmup"] = "mser5"
    result = pushsim.simulate(scenario)
    assert all(w.settled for w in result.warmups)
    assert all(0 <= w.instant < w.horizon / 2 for w in result.warmups)


def test_a_warmup_that_does_not_settle_warns() -> None:
    # Forty messages are too few for MSER-5 (it needs ten batches of five).
    scenario = station(50.0, 0.01, messages=40, replications=2)
    scenario["experiment"]["warmup"] = "mser5"
    with pytest.warns(pushsim.PushsimWarning) as caught:
        pushsim.simulate(scenario)
    assert any("did not settle" in str(w.message) for w in caught)
