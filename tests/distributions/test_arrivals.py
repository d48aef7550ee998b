"""Arrival processes: long-run rate and interval scv of long streams, and stream shape."""

from __future__ import annotations

import math
from itertools import islice
from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter

from pushsim.distributions import (
    ArrivalProcess,
    DeterministicArrivals,
    GammaLaw,
    MMPPArrivals,
    OnOffArrivals,
    PoissonArrivals,
    ProfileArrivals,
    RenewalArrivals,
)
from pushsim.distributions._piecewise import piecewise_poisson
from pushsim.distributions.modulated import two_state_interval_scv

from ._stats import T, Z, batch_scv

PROCESS = TypeAdapter(ArrivalProcess)
BLOCKS = 256  # 2^20 arrivals a stream


def _arrivals(process: Any, seed: int, blocks: int = BLOCKS) -> np.ndarray:
    return np.concatenate(
        list(islice(process.stream(np.random.default_rng(seed)), blocks))
    )


def _mmpp_idc(rates: tuple[float, float], means: tuple[float, float]) -> float:
    """Limiting index of dispersion of counts, Var N(t) / E N(t) as t grows.

    For a Markov-modulated rate, Var N(t) / t -> mean rate + 2 Var(rate) / (q1 + q2)
    with Var(rate) = pi1 pi2 (r1 - r2)^2 and q_i = 1 / mean_i.
    """
    (r1, r2), (m1, m2) = rates, means
    pi1, pi2 = m1 / (m1 + m2), m2 / (m1 + m2)
    mean_rate = pi1 * r1 + pi2 * r2
    return 1.0 + 2.0 * pi1 * pi2 * (r1 - r2) ** 2 / ((1 / m1 + 1 / m2) * mean_rate)


#: (process, its limiting index of dispersion of counts): the scv for a renewal process.
RATE_CASES: list[tuple[dict[str, Any], float]] = [
    ({"process": "poisson", "rate": "800/s"}, 1.0),
    (
        {
            "process": "renewal",
            "interarrival": {"law": "gamma", "mean": "1ms", "cv": 2},
        },
        4.0,
    ),
    (
        {
            "process": "renewal",
            "interarrival": {"law": "lognormal", "mean": "2ms", "cv": 0.5},
        },
        0.25,
    ),
    (
        {
            "process": "renewal",
            "interarrival": {"law": "uniform", "low": 0, "high": "2ms"},
        },
        1 / 3,
    ),
    ({"process": "onoff", "rate": "10/s", "on": "500ms", "off": "500ms"}, 3.5),
    (
        {
            "process": "mmpp",
            "rates": ["100/s", "1k/s"],
            "mean_durations": ["1s", "200ms"],
        },
        _mmpp_idc((100.0, 1000.0), (1.0, 0.2)),
    ),
]


def _ids(case: tuple[dict[str, Any], float]) -> str:
    return str(case[0]["process"])


@pytest.mark.parametrize("case", RATE_CASES, ids=_ids)
def test_long_run_rate(case: tuple[dict[str, Any], float]) -> None:
    spec, idc = case
    process = PROCESS.validate_python(spec)
    times = _arrivals(process, seed=2024)
    n = times.size
    estimate = n / times[-1]

    # The time of the n-th arrival sums n intervals: its relative standard error
    # is sqrt(idc / n) (for a renewal process idc = scv, and the count in time T
    # has variance rate * scv * T); the rate estimate n / T_n inherits it.
    bound = Z * process.rate * math.sqrt(idc / n)
    assert abs(estimate - process.rate) <= bound


@pytest.mark.parametrize("case", RATE_CASES, ids=_ids)
def test_interval_scv(case: tuple[dict[str, Any], float]) -> None:
    process = PROCESS.validate_python(case[0])
    intervals = np.diff(_arrivals(process, seed=77))
    estimate, error = batch_scv(intervals)

    # batch means: T is the t quantile for the same false-failure rate as Z
    assert process.scv is not None
    assert abs(estimate - process.scv) <= T * error


def test_deterministic_arrivals_are_evenly_spaced() -> None:
    process = DeterministicArrivals(rate=800)
    times = _arrivals(process, seed=0, blocks=8)
    assert times[0] == 1 / 800
    assert np.allclose(np.diff(times), 1 / 800, rtol=1e-9)
    assert times.size / times[-1] == pytest.approx(800, rel=1e-12)
    assert process.scv == 0.0


def test_mmpp_scv_closed_forms() -> None:
    # one rate 0: the interrupted Poisson process, whose scv has a closed form
    onoff = OnOffArrivals(rate=40, on=0.25, off=2.0)
    assert two_state_interval_scv((40.0, 0.0), (0.25, 2.0)) == pytest.approx(onoff.scv)
    mmpp = MMPPArrivals(rates=(40, 0), mean_durations=(0.25, 2.0))
    assert mmpp.rate == pytest.approx(onoff.rate)
    # equal rates: a Poisson process
    assert MMPPArrivals(rates=(5, 5), mean_durations=(1, 9)).scv == 1.0
    assert two_state_interval_scv((5.0, 5.0 * (1 + 1e-9)), (1.0, 9.0)) == pytest.approx(
        1.0
    )


def test_mmpp_scv_matches_the_expanded_two_by_two_inverse() -> None:
    # E[X^2] lambda^2 - 1 with (-D0)^-1 written out by hand for two states
    r1, r2, m1, m2 = 100.0, 1000.0, 1.0, 0.2
    q1, q2 = 1 / m1, 1 / m2
    s, a, b = q1 + q2, r1 + q1, r2 + q2
    det = r1 * r2 + r1 * q2 + r2 * q1
    flow = q2 * r1 + q1 * r2
    second = q2 * r1 * (b * (r2 + s) + q1 * (r1 + s)) + q1 * r2 * (
        q2 * (r2 + s) + a * (r1 + s)
    )
    expected = 2 * second * flow / (det**2 * s**2) - 1
    process = MMPPArrivals(rates=(r1, r2), mean_durations=(m1, m2))
    assert process.scv == pytest.approx(expected, rel=1e-12)
    assert process.rate == pytest.approx(flow / s)


def test_a_long_sojourn_is_walked_in_windows() -> None:
    # one segment expecting 10^6 arrivals, then short ones: exact Poisson counts
    durations = np.array([100.0, 1.0, 2.0, 0.5])
    rates = np.array([1e4, 0.0, 300.0, 50.0])
    segments = [(durations, rates)]
    times = np.concatenate(
        list(piecewise_poisson(np.random.default_rng(3), segments, 4096))
    )
    assert (
        np.all(np.diff(times) >= 0) and times[0] >= 0 and times[-1] <= durations.sum()
    )
    edges = np.concatenate(([0.0], np.cumsum(durations)))
    counts = np.histogram(times, bins=edges)[0]
    expected = durations * rates
    assert counts[1] == 0
    for count, mean in zip(counts, expected, strict=True):
        assert abs(count - mean) <= Z * math.sqrt(mean)  # Poisson: variance = mean


def test_profile_counts_per_interval() -> None:
    rates = (50.0, 200.0, 0.0, 150.0)
    process = ProfileArrivals(rates=rates, interval=2.0)
    assert process.rate == pytest.approx(100.0) and process.scv is None
    periods = 500
    stream = process.stream(np.random.default_rng(8))
    kept: list[np.ndarray] = []
    while not kept or kept[-1][-1] < periods * process.period:
        kept.append(next(stream))
    times = np.concatenate(kept)
    times = times[times < periods * process.period]

    # counts on disjoint intervals of a Poisson process: Poisson, variance = mean
    position = np.floor((times % process.period) / process.interval).astype(int)
    counts = np.bincount(position, minlength=len(rates))
    for count, rate in zip(counts, rates, strict=True):
        mean = periods * rate * process.interval
        assert abs(count - mean) <= Z * math.sqrt(mean)
    assert counts[2] == 0


def test_a_profile_without_repeat_ends() -> None:
    process = ProfileArrivals(rates=(1000.0, 3000.0), interval=1.0, repeat=False)
    blocks = list(process.stream(np.random.default_rng(4), block=1000))
    times = np.concatenate(blocks)
    assert all(b.size == 1000 for b in blocks[:-1]) and 0 < blocks[-1].size <= 1000
    assert times[-1] <= process.period
    assert abs(times.size - 4000) <= Z * math.sqrt(4000)


@pytest.mark.parametrize("case", RATE_CASES, ids=_ids)
def test_streams_are_non_decreasing_blocks(case: tuple[dict[str, Any], float]) -> None:
    process = PROCESS.validate_python(case[0])
    blocks = list(islice(process.stream(np.random.default_rng(1), block=500), 40))
    assert all(b.dtype == np.float64 and b.size == 500 for b in blocks)
    times = np.concatenate(blocks)
    assert times[0] >= 0 and np.all(np.diff(times) >= 0)


@pytest.mark.parametrize("case", RATE_CASES, ids=_ids)
def test_scaled_multiplies_the_rate(case: tuple[dict[str, Any], float]) -> None:
    process = PROCESS.validate_python(case[0])
    faster = process.scaled(2.5)
    assert type(faster) is type(process)
    assert faster.rate == pytest.approx(2.5 * process.rate)
    if isinstance(process, PoissonArrivals | RenewalArrivals):
        # a renewal process runs faster: every interval divided, the scv unchanged
        assert faster.scv == pytest.approx(process.scv)
    if isinstance(process, MMPPArrivals) and isinstance(faster, MMPPArrivals):
        # a modulated source sends more in the same states: the state durations stay
        assert faster.mean_durations == process.mean_durations
    if isinstance(process, OnOffArrivals) and isinstance(faster, OnOffArrivals):
        assert (faster.on, faster.off) == (process.on, process.off)
    assert faster == PROCESS.validate_python(faster.model_dump(by_alias=True))


def test_scaling_a_renewal_process_shrinks_its_intervals() -> None:
    process = RenewalArrivals(interarrival=GammaLaw(mean=0.004, cv=0.5))
    faster = process.scaled(4)
    assert faster.interarrival.mean == pytest.approx(0.001)
    assert faster.scv == pytest.approx(0.25)


def test_block_must_be_a_positive_whole_number() -> None:
    with pytest.raises(ValueError, match="block must be >= 1, got 0"):
        next(PoissonArrivals(rate=1).stream(np.random.default_rng(0), block=0))
    with pytest.raises(TypeError, match=r"block must be a whole number, got 2\.5"):
        next(PoissonArrivals(rate=1).stream(np.random.default_rng(0), block=2.5))  # type: ignore[arg-type]
