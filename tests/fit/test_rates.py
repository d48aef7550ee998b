"""Arrival rates by interval, and their exact Poisson bands.

Tolerances: a count k of a Poisson mean mu may be |k - mu| <= Z sqrt(mu),
Z the normal quantile at CHECK_LEVEL with a Bonferroni share for each of the
intervals checked at once.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from pushsim.distributions.modulated import ProfileArrivals
from pushsim.errors import PushsimError
from pushsim.fit import arrival_rates, garwood
from tests.conftest import CHECK_LEVEL

HOUR, DAY = 3600.0, 86400.0


def test_garwood_matches_the_published_table() -> None:
    # 95 % limits for a Poisson count: 0 -> (0, 3.689), 10 -> (4.795, 18.390)
    low, high = garwood(np.array([0, 10]), 0.95)
    assert low == pytest.approx([0.0, 4.795], abs=5e-4)
    assert high == pytest.approx([3.689, 18.390], abs=5e-4)


def _profile_days(days: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rates = (
        np.array([20 + 180 * math.sin(math.pi * h / 24) ** 2 for h in range(24)]) / HOUR
    )
    profile = ProfileArrivals(rates=tuple(rates), interval=HOUR)
    stream = profile.stream(np.random.default_rng(seed), block=4096)
    times: list[np.ndarray] = []
    while not times or times[-1][-1] < days * DAY:
        times.append(next(stream))
    every = np.concatenate(times)
    return every[every < days * DAY], rates


def test_folded_rates_recover_a_daily_profile() -> None:
    days = 20
    times, rates = _profile_days(days, 21)
    table = arrival_rates(times, interval=HOUR, period=DAY)
    assert len(table) == 24 and table.attrs["periods"] == days
    mu = rates * HOUR * days
    z = stats.norm.ppf(1 - (1 - CHECK_LEVEL) / (2 * 24))
    assert np.all(np.abs(table["arrivals"] - mu) <= z * np.sqrt(mu))
    assert table["rate"].to_numpy() == pytest.approx(table["arrivals"] / (HOUR * days))
    # index of dispersion of Poisson counts over 20 days: chi2_19 / 19 per interval,
    # standard deviation sqrt(2 / 19); their mean over 24 intervals has it / sqrt(24)
    spread = math.sqrt(2 / 19) / math.sqrt(24)
    assert (
        abs(table["dispersion"].mean() - 1.0)
        <= stats.norm.ppf(0.5 + CHECK_LEVEL / 2) * spread
    )


def test_timeline_rates_count_every_arrival_once() -> None:
    times = np.array([3.0, 3599.0, 3600.0, 7300.0, 7300.5])
    table = arrival_rates(times, interval=HOUR)
    assert table["arrivals"].tolist() == [2, 1, 3 - 1]
    assert table["start_at"].tolist() == [0.0, HOUR, 2 * HOUR]
    one = arrival_rates(times, interval=None)
    assert one["arrivals"].tolist() == [5]
    assert one["rate"].iloc[0] == pytest.approx(5 / (7300.5 - 3.0))


def test_bad_intervals_are_refused() -> None:
    times = np.arange(0.0, 100.0)
    with pytest.raises(PushsimError, match="divide the period"):
        arrival_rates(times, interval=7 * HOUR, period=DAY)
    with pytest.raises(PushsimError, match="choose a longer interval"):
        arrival_rates(np.array([0.0, 1e9]), interval=1.0)
    with pytest.raises(PushsimError, match="at one instant"):
        arrival_rates(np.array([5.0, 5.0]), interval=None)
