"""The simulator against closed forms of queueing theory.

Each check allows the distance that the standard error of the estimate
justifies (see ``assert_near_theory``: the Student-t quantile at 99.9 %
times the SE from the replications), and no more.
"""

from __future__ import annotations

import math

import pytest
from scipy import optimize

import pushsim
from tests.conftest import assert_near_theory, station


def erlang_c(load: float, servers: int) -> float:
    """P(wait) in M/M/c by the Erlang B recursion (an independent oracle)."""
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    rho = load / servers
    return b / (1 - rho + rho * b)


@pytest.mark.parametrize("rho", [0.5, 0.9])
def test_mm1_sojourn_and_wait(rho: float) -> None:
    mu = 100.0
    result = pushsim.simulate(station(rho * mu, 1 / mu))
    assert_near_theory(result, "q", "sojourn_mean", 1 / (mu - rho * mu))
    assert_near_theory(result, "q", "wait_mean", rho / (mu - rho * mu))
    assert_near_theory(result, "system", "sojourn_mean", 1 / (mu - rho * mu))
    assert_near_theory(result, "q", "utilisation", rho)
    assert_near_theory(result, "q", "queue_length", rho**2 / (1 - rho))
    assert_near_theory(result, "q", "in_system", rho / (1 - rho))
    assert_near_theory(result, "system", "throughput", rho * mu)


@pytest.mark.parametrize("q", [90, 99])
def test_mm1_sojourn_percentiles_follow_the_exponential_law(q: float) -> None:
    mu, lam = 100.0, 80.0
    result = pushsim.simulate(station(lam, 1 / mu))
    expected = -math.log(1 - q / 100) / (mu - lam)
    assert_near_theory(result, "system", f"sojourn_p{q}", expected)


@pytest.mark.parametrize("servers", [4, 32])
def test_mmc_wait_and_sojourn(servers: int) -> None:
    mu, rho = 100.0, 0.9
    lam = rho * servers * mu
    result = pushsim.simulate(
        station(lam, 1 / mu, servers, messages=40_000 + 2_000 * servers)
    )
    wait = erlang_c(lam / mu, servers) / (servers * mu - lam)
    assert_near_theory(result, "q", "wait_mean", wait)
    assert_near_theory(result, "q", "sojourn_mean", wait + 1 / mu)
    assert_near_theory(result, "q", "utilisation", rho)


def test_mm1k_drop_probability() -> None:
    # K = capacity + 1 (the one in service): P(block) = (1-r) r^K / (1 - r^(K+1)).
    mu, rho, capacity = 100.0, 0.9, 5
    k = capacity + 1
    blocking = (1 - rho) * rho**k / (1 - rho ** (k + 1))
    result = pushsim.simulate(station(rho * mu, 1 / mu, capacity=capacity))
    assert_near_theory(result, "q", "drop_rate", blocking)
    assert_near_theory(result, "system", "drop_rate", blocking)
    served = rho * mu * (1 - blocking)
    assert_near_theory(result, "q", "throughput", served)


def _two_queue_split(policy: str, lam: float, mu: float) -> pushsim.Result:
    return pushsim.simulate(
        {
            "name": policy,
            "seed": 4,
            "producers": {
                "src": {"arrivals": {"process": "poisson", "rate": lam}, "to": "lb"}
            },
            "balancers": {"lb": {"policy": policy, "to": ["a", "b", "c"]}},
            "queues": {
                name: {
                    "consumers": {
                        "count": 1,
                        "service": {"law": "exponential", "mean": 1 / mu},
                    }
                }
                for name in "abc"
            },
            "experiment": {"messages": 60_000, "warmup": "10%", "replications": 10},
        }
    )


def test_random_split_makes_independent_mm1_queues() -> None:
    mu, lam = 100.0, 240.0  # each queue: Poisson 80/s
    result = _two_queue_split("random", lam, mu)
    for node in "abc":
        assert_near_theory(result, node, "sojourn_mean", 1 / (mu - lam / 3))


def test_round_robin_makes_erlang_arrivals() -> None:
    # Each queue sees Erlang-3 inter-arrival times: a GI/M/1 queue whose mean
    # sojourn is 1 / (mu (1 - s)), s the root in (0, 1) of s = A*(mu (1 - s)),
    # A*(x) = (lam / (lam + x))^3 the Laplace transform of Erlang(3, lam).
    mu, lam = 100.0, 240.0
    root = optimize.brentq(
        lambda s: (lam / (lam + mu * (1 - s))) ** 3 - s, 1e-12, 1 - 1e-9
    )
    result = _two_queue_split("round_robin", lam, mu)
    for node in "abc":
        assert_near_theory(result, node, "sojourn_mean", 1 / (mu * (1 - root)))
