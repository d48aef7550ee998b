"""required_servers against brute force over the server count."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from pushsim.errors import PushsimError
from pushsim.theory import mmc, required_servers

from .oracles import birth_death_stationary, erlang_c_exact


def _service_level(offered: int, mu: float, c: int, t: float) -> float:
    """P(wait <= t) in M/M/c, Erlang C in exact rational arithmetic."""
    wait_probability = float(erlang_c_exact(offered, c))
    return 1.0 - wait_probability * math.exp(-(c - offered) * mu * t)


def test_the_classic_call_centre_example_by_brute_force() -> None:
    # 100 calls per 30 minutes, 180 s handling time (10 erlangs), "80 % of
    # calls answered within 20 s". Oracle: scan c upward with exact Erlang C.
    lam, mu = 100 / 1800, 1 / 180
    oracle = next(c for c in range(11, 100) if _service_level(10, mu, c, 20) >= 0.8)
    result = required_servers(
        arrival_rate=lam, service_rate=mu, wait_within=20, probability=0.8
    )
    assert result.servers == oracle == 14
    assert result.targets[0].achieved == pytest.approx(
        _service_level(10, mu, 14, 20), rel=1e-12
    )
    assert result.targets[0].holds
    assert result.offered_load == pytest.approx(10.0)


def test_staffing_for_thousands_of_servers_is_the_smallest_count() -> None:
    lam, mu, t, p = 9000.0, 1.0, 0.1, 0.95
    result = required_servers(
        arrival_rate=lam, service_rate=mu, wait_within=t, probability=p
    )
    c = result.servers
    assert _service_level(9000, mu, c, t) >= p > _service_level(9000, mu, c - 1, t)
    assert 0.0 < result.beta < 1.0


def test_staffing_for_a_mean_wait_by_brute_force() -> None:
    lam, mu, bound = 2.0, 0.1, 5.0  # 20 erlangs, mean wait at most 5 s

    def mean_wait(c: int) -> float:
        return float(erlang_c_exact(20, c)) / (c * mu - lam)

    oracle = next(c for c in range(21, 100) if mean_wait(c) <= bound)
    result = required_servers(arrival_rate=lam, service_rate=mu, mean_wait=bound)
    assert result.servers == oracle


def test_staffing_for_a_sojourn_percentile_is_met_at_the_count_not_below() -> None:
    kwargs: dict[str, Any] = {
        "arrival_rate": 50.0,
        "service_rate": 10.0,
        "sojourn_within": 0.5,
        "probability": 0.99,
    }
    result = required_servers(**kwargs)
    assert result.metrics.sojourn_quantile(0.99) <= 0.5
    fewer = required_servers(**{**kwargs, "probability": 0.9})
    assert fewer.servers <= result.servers
    below = mmc(arrival_rate=50.0, service_rate=10.0, servers=result.servers - 1)
    assert below.sojourn_cdf(0.5) < 0.99


def test_erlang_a_staffing_for_an_abandonment_bound_by_brute_force() -> None:
    lam, mu, patience, bound = 2.0, 0.5, 10.0, 0.02

    def abandonment(c: int) -> float:
        size = c + 300
        deaths = [min(n, c) * mu + max(n - c, 0) / patience for n in range(1, size + 1)]
        pi = birth_death_stationary([lam] * size, deaths)
        waiting = np.maximum(np.arange(size + 1) - c, 0)
        return float(pi @ waiting) / patience / lam

    oracle = next(c for c in range(1, 30) if abandonment(c) <= bound)
    result = required_servers(
        arrival_rate=lam, service_rate=mu, patience_mean=patience, abandonment=bound
    )
    assert result.servers == oracle
    assert result.model == "M/M/c+M (Erlang A)"


def test_erlang_a_service_level_counts_abandoned_messages_as_misses() -> None:
    result = required_servers(
        arrival_rate=100.0,
        service_rate=1.0,
        wait_within=1.0,
        probability=0.9,
        patience_mean=3.0,
    )
    assert result.targets[0].name == "P(served within 1 s)"
    assert result.targets[0].achieved >= 0.9
    assert result.metrics.served_within(1.0) == result.targets[0].achieved  # type: ignore[attr-defined]


def test_several_targets_must_all_hold() -> None:
    alone = required_servers(
        arrival_rate=10.0, service_rate=1.0, wait_within=1.0, probability=0.8
    )
    both = required_servers(
        arrival_rate=10.0,
        service_rate=1.0,
        wait_within=1.0,
        probability=0.8,
        mean_wait=0.01,
    )
    assert both.servers > alone.servers
    assert all(target.holds for target in both.targets)
    assert "mean_wait <= 0.01" in both.to_dict()
    assert "<table>" in both._repr_html_()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "give at least one target"),
        ({"probability": 0.8}, "probability goes with wait_within or sojourn_within"),
        ({"wait_within": 20.0}, "probability goes with wait_within"),
        ({"wait_within": 1, "sojourn_within": 2, "probability": 0.8}, "not both"),
        ({"abandonment": 0.05}, "abandonment needs patience_mean"),
        (
            {"sojourn_within": 1.0, "probability": 0.8, "patience_mean": 3.0},
            "sojourn_within needs the M/M/c",
        ),
        (
            {"sojourn_within": 0.1, "probability": 0.5},
            r"cannot be met by any number of servers",
        ),
        (
            {"wait_within": 20.0, "probability": 1.0},
            r"probability must be strictly between 0 and 1, got 1.0",
        ),
        ({"mean_wait": 0.0}, r"mean_wait must be finite and > 0 seconds, got 0.0"),
    ],
)
def test_bad_staffing_requests_are_refused(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        required_servers(arrival_rate=1.0, service_rate=1.0, **kwargs)


def test_a_target_out_of_reach_of_max_servers_is_reported() -> None:
    with pytest.raises(PushsimError, match="max_servers=20"):
        required_servers(
            arrival_rate=10.0, service_rate=1.0, mean_wait=1e-9, max_servers=20
        )
