"""M/G/1, M/D/1, G/G/1 and G/G/c: the mean-value formulas and their limits."""

from __future__ import annotations

import pytest

from pushsim.errors import PushsimError
from pushsim.theory import QueueMetrics, gg1, ggc, md1, mg1, mm1, mmc

from .oracles import erlang_c_exact


@pytest.mark.parametrize("load", [0.1, 0.5, 0.9, 0.99])
def test_md1_mean_wait_is_half_of_mm1(load: float) -> None:
    deterministic = md1(arrival_rate=load * 2.0, service_rate=2.0)
    exponential = mm1(arrival_rate=load * 2.0, service_rate=2.0)
    assert deterministic.mean_wait == pytest.approx(
        exponential.mean_wait / 2, rel=1e-14
    )


def test_pollaczek_khinchine_for_a_stated_service_scv() -> None:
    # lambda = 0.8/s, E[S] = 1 s, cs^2 = 2 (E[S^2] = 3 s^2):
    # Wq = lambda E[S^2] / (2 (1 - rho)) = 0.8 * 3 / 0.4 = 6 s.
    metrics = mg1(arrival_rate=0.8, service_mean=1.0, service_scv=2.0)
    assert metrics.mean_wait == pytest.approx(6.0, rel=1e-14)
    assert metrics.mean_sojourn == pytest.approx(7.0, rel=1e-14)
    assert metrics.mean_queue_length == pytest.approx(4.8, rel=1e-14)
    assert metrics.mean_in_system == pytest.approx(5.6, rel=1e-14)
    assert metrics.wait_probability == pytest.approx(0.8)
    assert metrics.exact


def test_mg1_with_exponential_service_is_mm1() -> None:
    general = mg1(arrival_rate=0.7, service_mean=1.0, service_scv=1.0)
    markov = mm1(arrival_rate=0.7, service_rate=1.0)
    assert general.mean_wait == pytest.approx(markov.mean_wait, rel=1e-14)
    assert general.mean_in_system == pytest.approx(markov.mean_in_system, rel=1e-14)


def test_kingman_with_poisson_arrivals_is_pollaczek_khinchine() -> None:
    kingman = gg1(arrival_rate=0.6, service_mean=1.0, arrival_scv=1.0, service_scv=0.3)
    exact = mg1(arrival_rate=0.6, service_mean=1.0, service_scv=0.3)
    assert kingman.mean_wait == pytest.approx(exact.mean_wait, rel=1e-14)
    assert not kingman.exact
    assert kingman.model == "G/G/1 (Kingman)"


def test_allen_cunneen_with_unit_scvs_is_erlang_c() -> None:
    approx = ggc(
        arrival_rate=10 / 180,
        service_mean=180.0,
        servers=12,
        arrival_scv=1,
        service_scv=1,
    )
    exact = mmc(arrival_rate=10 / 180, service_rate=1 / 180, servers=12)
    assert approx.mean_wait == pytest.approx(exact.mean_wait, rel=1e-12)
    assert approx.wait_probability == pytest.approx(
        float(erlang_c_exact(10, 12)), rel=1e-12
    )
    assert not approx.exact
    assert approx.model == "G/G/c (Allen-Cunneen)"


def test_allen_cunneen_scales_the_erlang_c_wait_by_the_mean_scv() -> None:
    base = ggc(
        arrival_rate=4.0, service_mean=1.0, servers=5, arrival_scv=1, service_scv=1
    )
    bursty = ggc(
        arrival_rate=4.0, service_mean=1.0, servers=5, arrival_scv=3, service_scv=2
    )
    assert bursty.mean_wait == pytest.approx(base.mean_wait * 2.5, rel=1e-14)


def test_allen_cunneen_with_one_server_equals_kingman() -> None:
    one = ggc(
        arrival_rate=0.5, service_mean=1.2, servers=1, arrival_scv=2, service_scv=0.5
    )
    king = gg1(arrival_rate=0.5, service_mean=1.2, arrival_scv=2, service_scv=0.5)
    assert one.mean_wait == pytest.approx(king.mean_wait, rel=1e-14)


@pytest.mark.parametrize(
    "metrics",
    [
        mg1(arrival_rate=0.5, service_mean=1.0, service_scv=0.5),
        md1(arrival_rate=0.5, service_rate=1.0),
        gg1(arrival_rate=0.5, service_mean=1.0, arrival_scv=2, service_scv=1),
        ggc(
            arrival_rate=1.5, service_mean=1.0, servers=2, arrival_scv=2, service_scv=1
        ),
    ],
    ids=["mg1", "md1", "gg1", "ggc"],
)
def test_models_without_a_distribution_say_so(metrics: QueueMetrics) -> None:
    assert not metrics.has_distribution
    with pytest.raises(PushsimError, match=r"mean values only.*simulate"):
        metrics.wait_quantile(0.99)
    with pytest.raises(PushsimError, match="not the distribution"):
        metrics.sojourn_cdf(1.0)


@pytest.mark.parametrize(
    "metrics",
    [
        mg1(arrival_rate=1.0, service_mean=1.0, service_scv=0.5),
        md1(arrival_rate=3.0, service_rate=1.0),
        gg1(arrival_rate=2.0, service_mean=0.5, arrival_scv=2, service_scv=1),
        ggc(
            arrival_rate=2.5, service_mean=1.0, servers=2, arrival_scv=2, service_scv=1
        ),
    ],
    ids=["mg1", "md1", "gg1", "ggc"],
)
def test_overloaded_general_stations_are_unstable_with_infinite_means(
    metrics: QueueMetrics,
) -> None:
    assert not metrics.stable
    assert metrics.mean_wait == metrics.mean_sojourn == float("inf")
    assert metrics.wait_quantile(0.5) == float("inf")
    assert metrics.sojourn_quantile(0.99) == float("inf")
