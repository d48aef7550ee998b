"""Erlang A (M/M/c+M) against a directly solved chain and phase-type oracles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from pushsim.errors import PushsimError
from pushsim.theory import mmc, mmc_abandonment

from .oracles import birth_death_stationary, countdown_absorption

CASES = [
    # (arrival_rate, service_rate, servers, patience_mean)
    (9.0, 1.0, 10, 5.0),
    (12.0, 1.0, 10, 2.0),  # overloaded: only impatience keeps it stable
    (0.8, 1.0, 1, 0.5),
    (30.0, 0.5, 50, 20.0),
]


def _chain(
    lam: float, mu: float, c: int, patience: float, extra: int = 400
) -> np.ndarray:
    """The Erlang A chain cut at c + extra states, solved from its generator."""
    theta = 1.0 / patience
    size = c + extra
    deaths = [min(n, c) * mu + max(n - c, 0) * theta for n in range(1, size + 1)]
    return birth_death_stationary([lam] * size, deaths)


@pytest.mark.parametrize(("lam", "mu", "c", "patience"), CASES)
def test_erlang_a_probabilities_equal_the_directly_solved_chain(
    lam: float, mu: float, c: int, patience: float
) -> None:
    metrics = mmc_abandonment(
        arrival_rate=lam, service_rate=mu, servers=c, patience_mean=patience
    )
    pi = _chain(lam, mu, c, patience)
    waiting = np.maximum(np.arange(pi.size) - c, 0)
    assert metrics.wait_probability == pytest.approx(pi[c:].sum(), rel=1e-9)
    assert metrics.mean_queue_length == pytest.approx(float(pi @ waiting), rel=1e-9)
    assert metrics.abandonment_probability == pytest.approx(
        float(pi @ waiting) / patience / lam, rel=1e-9
    )
    assert metrics.loss_probability == metrics.abandonment_probability
    assert metrics.stable


@pytest.mark.parametrize(("lam", "mu", "c", "patience"), CASES)
def test_abandonment_counted_per_arrival_equals_theta_times_mean_wait(
    lam: float, mu: float, c: int, patience: float
) -> None:
    # Two routes to P(abandon): theta E[W] (Little), and summing over the state
    # an arrival sees the chance that its patience ends first.
    metrics = mmc_abandonment(
        arrival_rate=lam, service_rate=mu, servers=c, patience_mean=patience
    )
    pi = _chain(lam, mu, c, patience)
    theta = 1.0 / patience
    q = np.arange(pi.size - c)
    per_state = (q + 1) * theta / (c * mu + (q + 1) * theta)
    assert metrics.abandonment_probability == pytest.approx(
        float(pi[c:] @ per_state), rel=1e-9
    )
    assert metrics.served_within(math.inf) == pytest.approx(
        1.0 - metrics.abandonment_probability, rel=1e-12
    )


@pytest.mark.parametrize(("lam", "mu", "c", "patience"), CASES[:3])
def test_erlang_a_wait_law_and_service_level_equal_phase_type_oracles(
    lam: float, mu: float, c: int, patience: float
) -> None:
    # An arrival that finds j messages waiting counts down j, j - 1, ..., 0 at
    # rates c mu + j theta before it reaches a server; its own patience may end
    # the count first (theta). Oracle: that chain's matrix exponential.
    metrics = mmc_abandonment(
        arrival_rate=lam, service_rate=mu, servers=c, patience_mean=patience
    )
    pi = _chain(lam, mu, c, patience, extra=80)
    theta = 1.0 / patience
    rates = c * mu + theta * np.arange(pi.size - c)
    for t in (0.0, 0.3, 1.0, 3.0):
        counting, _ = countdown_absorption(pi[c:], rates, 0.0, t)
        _, served = countdown_absorption(pi[c:], rates, theta, t)
        wait_tail = math.exp(-theta * t) * counting
        assert 1.0 - metrics.wait_cdf(t) == pytest.approx(
            wait_tail, rel=1e-8, abs=1e-13
        )
        assert metrics.served_within(t) == pytest.approx(
            float(pi[:c].sum()) + served, rel=1e-8, abs=1e-13
        )


@pytest.mark.parametrize(("lam", "mu", "c", "patience"), CASES)
def test_erlang_a_mean_wait_is_the_integral_of_its_wait_law(
    lam: float, mu: float, c: int, patience: float
) -> None:
    metrics = mmc_abandonment(
        arrival_rate=lam, service_rate=mu, servers=c, patience_mean=patience
    )
    area = integrate.quad(lambda t: 1.0 - metrics.wait_cdf(t), 0.0, math.inf)[0]
    assert area == pytest.approx(metrics.mean_wait, rel=1e-7)


def test_erlang_a_times_of_served_and_all_messages_fit_together() -> None:
    metrics = mmc_abandonment(
        arrival_rate=12.0, service_rate=1.0, servers=10, patience_mean=2.0
    )
    served = 1.0 - metrics.abandonment_probability
    assert metrics.throughput == pytest.approx(12.0 * served, rel=1e-14)
    assert metrics.mean_sojourn == pytest.approx(metrics.mean_wait + served, rel=1e-14)
    assert metrics.mean_sojourn_served == pytest.approx(
        metrics.mean_wait_served + 1.0, rel=1e-14
    )
    assert metrics.mean_in_system == pytest.approx(
        12.0 * metrics.mean_sojourn, rel=1e-12
    )
    assert metrics.utilisation < 1.0 < metrics.load


def test_erlang_a_with_endless_patience_is_erlang_c() -> None:
    patient = mmc_abandonment(
        arrival_rate=95.0, service_rate=1.0, servers=100, patience_mean=1e9
    )
    erlang_c = mmc(arrival_rate=95.0, service_rate=1.0, servers=100)
    assert patient.wait_probability == pytest.approx(
        erlang_c.wait_probability, rel=1e-6
    )
    assert patient.mean_wait == pytest.approx(erlang_c.mean_wait, rel=1e-6)
    assert patient.wait_quantile(0.95) == pytest.approx(
        erlang_c.wait_quantile(0.95), rel=1e-6
    )


def test_erlang_a_handles_thousands_of_servers() -> None:
    metrics = mmc_abandonment(
        arrival_rate=9900.0, service_rate=1.0, servers=10_000, patience_mean=30.0
    )
    assert 0.0 < metrics.abandonment_probability < 1e-3
    assert 0.0 < metrics.wait_probability < 1.0
    assert math.isfinite(metrics.mean_wait_served)


def test_erlang_a_gives_no_sojourn_distribution() -> None:
    metrics = mmc_abandonment(
        arrival_rate=1.0, service_rate=1.0, servers=2, patience_mean=1.0
    )
    with pytest.raises(PushsimError, match="not the sojourn distribution"):
        metrics.sojourn_quantile(0.9)


def test_erlang_a_service_level_quantile_beyond_the_served_share_is_infinite() -> None:
    metrics = mmc_abandonment(
        arrival_rate=12.0, service_rate=1.0, servers=10, patience_mean=2.0
    )
    served = 1.0 - metrics.abandonment_probability
    assert metrics.service_level.quantile(served + 0.01) == math.inf
    t = metrics.service_level.quantile(served - 0.01)
    assert metrics.served_within(t) == pytest.approx(served - 0.01, abs=1e-12)


def test_the_wait_of_served_messages_has_the_mean_of_served_messages() -> None:
    metrics = mmc_abandonment(
        arrival_rate=12.0, service_rate=1.0, servers=10, patience_mean=2.0
    )
    law = metrics.served_wait_distribution
    area = integrate.quad(lambda t: 1.0 - law.cdf(t), 0.0, math.inf)[0]
    assert area == pytest.approx(metrics.mean_wait_served, rel=1e-7)
    q = metrics.served_wait_quantile(0.9)
    assert law.cdf(q) == pytest.approx(0.9, abs=1e-12)
