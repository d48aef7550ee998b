"""M/M/1, M/M/c, M/M/c/K and Erlang B/C against exact and published values."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import integrate, stats

from pushsim.theory import erlang_b, erlang_c, mm1, mmc, mmck

from .oracles import (
    birth_death_stationary,
    erlang_b_exact,
    erlang_c_exact,
    erlang_c_textbook,
)


@pytest.mark.parametrize(
    ("offered", "servers", "published"),
    [
        # The classic entries of every Erlang B table (for example the table
        # in Gross, Shortle, Thompson & Harris, Fundamentals of Queueing
        # Theory): 10 erlangs on 10 trunks, 5 erlangs on 10 trunks.
        (10.0, 10, 0.2146),
        (5.0, 10, 0.01838),
    ],
)
def test_erlang_b_matches_published_table_values(
    offered: float, servers: int, published: float
) -> None:
    assert erlang_b(offered, servers) == pytest.approx(published, abs=5e-5)


@pytest.mark.parametrize(
    ("offered", "servers", "exact"),
    [
        (1, 1, Fraction(1, 2)),
        (2, 2, Fraction(2, 5)),
        (Fraction(1, 2), 3, Fraction(1, 79)),
    ],
)
def test_erlang_b_small_cases_equal_hand_computed_fractions(
    offered: Fraction | int, servers: int, exact: Fraction
) -> None:
    # B(1/2, 3) = (1/48) / (1 + 1/2 + 1/8 + 1/48) = 1/79.
    assert erlang_b_exact(offered, servers) == exact
    assert erlang_b(float(offered), servers) == pytest.approx(float(exact), rel=1e-15)


@pytest.mark.parametrize("servers", [11, 12, 15, 20])
def test_erlang_c_at_ten_erlangs_equals_the_exact_textbook_formula(
    servers: int,
) -> None:
    # Oracle: the factorial formula of Erlang C in exact rational arithmetic.
    exact = erlang_c_textbook(10, servers)
    assert erlang_c_exact(10, servers) == exact
    assert erlang_c(10.0, servers) == pytest.approx(float(exact), rel=1e-13)


def test_erlang_c_ten_erlangs_eleven_servers_is_the_well_known_value() -> None:
    assert erlang_c(10.0, 11) == pytest.approx(0.6821, abs=5e-5)


@pytest.mark.parametrize(
    ("offered", "servers"),
    [(190, 200), (180, 200), (4900, 5000), (4990, 5000), (Fraction(99995, 10), 10000)],
)
def test_erlang_c_is_finite_and_exact_where_factorials_overflow(
    offered: Fraction | int, servers: int
) -> None:
    with pytest.raises(OverflowError):  # the factorial formula, in floats
        float(math.factorial(servers))
    value = erlang_c(float(offered), servers)
    assert math.isfinite(value)
    assert value == pytest.approx(float(erlang_c_exact(offered, servers)), rel=1e-12)


def test_erlang_c_is_one_at_and_beyond_saturation() -> None:
    assert erlang_c(10.0, 10) == 1.0
    assert erlang_c(12.5, 10) == 1.0


def test_mmc_mean_wait_of_a_call_centre_matches_the_exact_oracle() -> None:
    # 100 calls per 30 minutes, 180 s handling time: 10 erlangs on 12 agents.
    metrics = mmc(arrival_rate=100 / 1800, service_rate=1 / 180, servers=12)
    wait_probability = float(erlang_c_exact(10, 12))
    assert metrics.wait_probability == pytest.approx(wait_probability, rel=1e-13)
    assert metrics.mean_wait == pytest.approx(wait_probability * 180 / 2, rel=1e-13)
    assert metrics.mean_sojourn == pytest.approx(metrics.mean_wait + 180, rel=1e-15)


def test_mm1_figures_are_the_textbook_ones() -> None:
    metrics = mm1(arrival_rate=3.0, service_rate=4.0)
    assert metrics.utilisation == pytest.approx(0.75)
    assert metrics.mean_in_system == pytest.approx(3.0)
    assert metrics.mean_queue_length == pytest.approx(2.25)
    assert metrics.mean_sojourn == pytest.approx(1.0)
    assert metrics.mean_wait == pytest.approx(0.75)
    assert metrics.exact and metrics.stable


def test_mm1_sojourn_is_exponential_with_rate_mu_minus_lambda() -> None:
    metrics = mm1(arrival_rate=3.0, service_rate=4.0)
    for t in (0.0, 0.1, 1.0, 5.0):
        assert metrics.sojourn_cdf(t) == pytest.approx(-math.expm1(-t), abs=1e-15)
    assert metrics.sojourn_quantile(0.99) == pytest.approx(math.log(100.0), rel=1e-14)
    assert metrics.wait_cdf(0.0) == pytest.approx(0.25)
    assert metrics.wait_quantile(0.25) == 0.0


def test_mmc_wait_law_has_an_atom_and_an_exponential_tail() -> None:
    metrics = mmc(arrival_rate=9.0, service_rate=1.0, servers=10)
    c = metrics.wait_probability
    assert metrics.wait_cdf(0.0) == pytest.approx(1.0 - c)
    assert metrics.wait_cdf(2.0) == pytest.approx(1.0 - c * math.exp(-2.0), rel=1e-14)
    assert metrics.wait_quantile(0.99) == pytest.approx(math.log(c / 0.01), rel=1e-14)


@pytest.mark.parametrize(
    ("arrival_rate", "servers"), [(9.0, 10), (1.0, 2), (4.5, 5), (0.3, 3)]
)
def test_mmc_sojourn_cdf_equals_the_convolution_by_numerical_integration(
    arrival_rate: float, servers: int
) -> None:
    # (1.0, 2) and (4.5, 5) have c mu - lambda equal to mu: the special case.
    metrics = mmc(arrival_rate=arrival_rate, service_rate=1.0, servers=servers)
    for t in (0.3, 1.0, 4.0):
        wait_tail = integrate.quad(
            lambda s, t=t: math.exp(-s) * (1.0 - metrics.wait_cdf(t - s)), 0.0, t
        )[0]
        oracle = math.exp(-t) + wait_tail
        assert 1.0 - metrics.sojourn_cdf(t) == pytest.approx(oracle, rel=1e-9)


def test_mmc_sojourn_is_continuous_across_the_equal_rates_case() -> None:
    at = mmc(arrival_rate=1.0, service_rate=1.0, servers=2).sojourn_cdf(2.0)
    near = mmc(arrival_rate=1.0 + 1e-9, service_rate=1.0, servers=2).sojourn_cdf(2.0)
    assert near == pytest.approx(at, abs=1e-8)


@pytest.mark.parametrize(
    ("arrival_rate", "servers", "capacity"),
    [(3.0, 2, 6), (8.0, 3, 3), (2.0, 1, 10), (50.0, 4, 12)],
)
def test_mmck_state_probabilities_equal_the_directly_solved_chain(
    arrival_rate: float, servers: int, capacity: int
) -> None:
    mu = 1.5
    metrics = mmck(
        arrival_rate=arrival_rate, service_rate=mu, servers=servers, capacity=capacity
    )
    births = [arrival_rate] * capacity
    deaths = [min(n, servers) * mu for n in range(1, capacity + 1)]
    oracle = birth_death_stationary(births, deaths)
    np.testing.assert_allclose(
        metrics.state_probabilities, oracle, rtol=1e-9, atol=1e-14
    )
    assert metrics.loss_probability == pytest.approx(oracle[-1], rel=1e-9)
    n = np.arange(capacity + 1)
    assert metrics.mean_in_system == pytest.approx(float(oracle @ n), rel=1e-9)


def test_mmck_with_no_waiting_room_is_erlang_b() -> None:
    metrics = mmck(arrival_rate=10.0, service_rate=1.0, servers=10, capacity=10)
    assert metrics.loss_probability == pytest.approx(erlang_b(10.0, 10), rel=1e-12)
    assert metrics.mean_wait == 0.0
    assert metrics.sojourn_cdf(1.0) == pytest.approx(-math.expm1(-1.0), rel=1e-12)


def test_mmck_obeys_littles_law_for_admitted_messages() -> None:
    metrics = mmck(arrival_rate=5.0, service_rate=1.0, servers=4, capacity=9)
    assert metrics.mean_queue_length == pytest.approx(
        metrics.throughput * metrics.mean_wait, rel=1e-12
    )
    assert metrics.mean_in_system == pytest.approx(
        metrics.throughput * metrics.mean_sojourn, rel=1e-12
    )


@pytest.mark.parametrize("servers", [1, 3])
def test_mmck_wait_and_sojourn_laws_equal_erlang_mixture_oracles(servers: int) -> None:
    lam, mu, capacity = 2.5, 1.0, servers + 7
    metrics = mmck(
        arrival_rate=lam, service_rate=mu, servers=servers, capacity=capacity
    )
    pi = np.array(metrics.state_probabilities)
    seen = pi[:-1] / (1.0 - pi[-1])  # the state an admitted arrival sees

    def wait_tail(t: float) -> float:
        if t < 0.0:
            return 0.0
        phases = np.arange(1, capacity - servers + 1)
        return float(
            seen[servers:] @ stats.gamma.sf(t, phases, scale=1.0 / (servers * mu))
        )

    for t in (0.0, 0.5, 2.0, 6.0):
        assert 1.0 - metrics.wait_cdf(t) == pytest.approx(wait_tail(t), abs=1e-13)
        convolved = integrate.quad(
            lambda s, t=t: mu * math.exp(-mu * s) * wait_tail(t - s), 0.0, t
        )[0]
        oracle = math.exp(-mu * t) + convolved
        assert 1.0 - metrics.sojourn_cdf(t) == pytest.approx(
            oracle, rel=1e-8, abs=1e-13
        )


def test_mmck_laws_stay_accurate_with_thousands_of_places() -> None:
    # Two servers, room for 5,000: mixtures of Erlangs with up to 4,998 phases.
    metrics = mmck(arrival_rate=1.999, service_rate=1.0, servers=2, capacity=5000)
    assert 0.0 < metrics.wait_cdf(500.0) < metrics.wait_cdf(1500.0) < 1.0
    q = metrics.sojourn_quantile(0.9)
    assert metrics.sojourn_cdf(q) == pytest.approx(0.9, abs=1e-12)
    assert metrics.mean_wait > 100.0
