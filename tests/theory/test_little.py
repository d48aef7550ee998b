"""Little's law helpers, and Little's law holding inside every model."""

from __future__ import annotations

import math

import pytest

from pushsim.theory import (
    QueueMetrics,
    little_l,
    little_rate,
    little_w,
    md1,
    mg1,
    mm1,
    mmc,
    mmc_abandonment,
    mmck,
    power_of_d,
)


def test_little_helpers_are_inverse_to_each_other() -> None:
    assert little_l(arrival_rate=800.0, mean_time=0.005) == pytest.approx(4.0)
    assert little_w(arrival_rate=800.0, mean_number=4.0) == pytest.approx(0.005)
    assert little_rate(mean_number=4.0, mean_time=0.005) == pytest.approx(800.0)


def test_little_helpers_carry_infinity_and_refuse_zero_rates() -> None:
    assert little_l(arrival_rate=2.0, mean_time=math.inf) == math.inf
    assert little_w(arrival_rate=2.0, mean_number=math.inf) == math.inf
    assert little_l(arrival_rate=0.0, mean_time=math.inf) == 0.0
    with pytest.raises(ValueError, match="arrival_rate must be > 0 per second"):
        little_w(arrival_rate=0.0, mean_number=1.0)
    with pytest.raises(ValueError, match=r"mean_time must be > 0 seconds, got 0\.0"):
        little_rate(mean_number=1.0, mean_time=0.0)


@pytest.mark.parametrize(
    "metrics",
    [
        mm1(arrival_rate=0.7, service_rate=1.0),
        mmc(arrival_rate=45.0, service_rate=1.0, servers=50),
        md1(arrival_rate=0.7, service_rate=1.0),
        mg1(arrival_rate=0.7, service_mean=1.0, service_scv=3.0),
        mmck(arrival_rate=5.0, service_rate=1.0, servers=3, capacity=8),
        mmc_abandonment(
            arrival_rate=5.0, service_rate=1.0, servers=3, patience_mean=2.0
        ),
        power_of_d(load=0.9, d=2),
    ],
    ids=["mm1", "mmc", "md1", "mg1", "mmck", "erlang_a", "power_of_d"],
)
def test_littles_law_holds_in_every_model(metrics: QueueMetrics) -> None:
    # Finite capacity: the rate of admitted messages; abandonment: all arrivals
    # stay in the system (some leave early), so the arrival rate.
    rate = metrics.throughput if metrics.model == "M/M/c/K" else metrics.arrival_rate
    assert metrics.mean_in_system == pytest.approx(
        little_l(arrival_rate=rate, mean_time=metrics.mean_sojourn), rel=1e-12
    )
    assert metrics.mean_queue_length == pytest.approx(
        little_l(arrival_rate=rate, mean_time=metrics.mean_wait), rel=1e-12
    )
