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
    # observed from the first arrival to the last: the edge intervals lose the rest
    exposure = np.full(24, HOUR * days)
    exposure[0] -= times[0]
    exposure[-1] -= days * DAY - times[-1]
    assert table["exposure_time"].to_numpy() == pytest.approx(exposure)
    assert table["rate"].to_numpy() == pytest.approx(table["arrivals"] / exposure)
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


def test_edge_intervals_are_divided_by_the_time_observed() -> None:
    # every 2 s from 22:13:26 to 22:30:26 (0.5/s), in 10-minute intervals
    first = 22 * HOUR + 13 * 60 + 26
    times = first + 2.0 * np.arange(511)
    table = arrival_rates(times, interval=600.0)
    assert table["start_at"].tolist() == [22 * HOUR + 600 * k for k in (1, 2, 3)]
    assert table["exposure_time"].tolist() == [394.0, 600.0, 26.0]
    assert table["arrivals"].tolist() == [197, 300, 14]
    assert table["rate"].to_numpy() == pytest.approx([0.5, 0.5, 14 / 26])
    # the exact band is the count's, over the same exposure
    low, high = garwood(table["arrivals"].to_numpy(), 0.95)
    assert table["rate_low"].to_numpy() == pytest.approx(low / [394, 600, 26])
    assert table["rate_high"].to_numpy() == pytest.approx(high / [394, 600, 26])
    assert table.attrs["observed_from"] == first
    assert table.attrs["observed_to"] == first + 1020.0


def test_a_last_arrival_on_a_boundary_counts_in_the_interval_before() -> None:
    table = arrival_rates(np.array([10.0, 20.0, 3600.0]), interval=HOUR)
    assert table["arrivals"].tolist() == [3]
    assert table["exposure_time"].tolist() == [3590.0]


def test_folded_intervals_count_only_the_periods_that_observed_them() -> None:
    # two days seen from 12:00 on the first to 12:00 on the third: each half of
    # the day is observed twice, and a half never seen on a day counts nothing
    times = np.concatenate([np.arange(12.0, 60.0, 1.0) * HOUR, [60.0 * HOUR]])
    table = arrival_rates(times, interval=12 * HOUR, period=DAY)
    assert table["exposure_time"].tolist() == [2 * 12 * HOUR, 2 * 12 * HOUR]
    assert table["arrivals"].tolist() == [25, 24]
    assert table["rate"].to_numpy() == pytest.approx([25 / (24 * HOUR), 1 / HOUR])
    assert table.attrs["periods"] == 3
    # mornings seen whole on days 2 and 3 (12 and 13 arrivals), afternoons on 1, 2
    assert table["dispersion"].to_numpy() == pytest.approx([0.5 / 12.5, 0.0])
    never = arrival_rates(np.array([1.0, 2.0, 3.0]) * HOUR, interval=HOUR, period=DAY)
    assert never["exposure_time"].iloc[0] == 0.0 and math.isnan(never["rate"].iloc[0])
    assert never["exposure_time"].tolist()[1:4] == [HOUR, HOUR, 0.0]
    assert never["arrivals"].tolist()[:3] == [0, 1, 2]


def test_observed_windows_replace_the_first_and_last_arrival() -> None:
    times = np.array([100.0, 200.0, 4000.0])
    whole = arrival_rates(times, interval=HOUR, observed=[(0.0, 2 * HOUR)])
    assert whole["exposure_time"].tolist() == [HOUR, HOUR]
    apart = arrival_rates(
        times, interval=None, observed=[(0.0, 1000.0), (3600.0, 4600.0)]
    )
    assert apart["exposure_time"].tolist() == [2000.0]
    assert apart["rate"].iloc[0] == pytest.approx(3 / 2000.0)
    with pytest.raises(PushsimError, match="the one at 4000s is outside them"):
        arrival_rates(times, interval=HOUR, observed=[(0.0, 3000.0)])
    with pytest.raises(PushsimError, match="in time order and not overlapping"):
        arrival_rates(times, interval=HOUR, observed=[(0.0, 5000.0), (10.0, 20.0)])
    with pytest.raises(PushsimError, match="all 2 arrivals are at one instant"):
        arrival_rates(np.array([5.0, 5.0]), interval=HOUR)


def test_arrivals_at_one_instant_are_refused_naming_the_trace() -> None:
    with pytest.raises(PushsimError) as caught:
        arrival_rates(np.array([1.0, 1.0]), interval=None, source="calls.csv")
    assert str(caught.value) == (
        "calls.csv: all 2 arrivals are at one instant, so no rate can be measured"
    )
    with pytest.raises(PushsimError, match=r"^trace: all 2 arrivals are at one"):
        arrival_rates(np.array([1.0, 1.0]), interval=None)
