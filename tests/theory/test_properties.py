"""Invariants of the formulas, checked over many inputs with hypothesis."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pushsim.theory import (
    QueueMetrics,
    erlang_b,
    erlang_c,
    jackson,
    mm1,
    mmc,
    mmc_abandonment,
    mmck,
    power_of_d,
    qna,
)

FAST = settings(max_examples=60, deadline=None)
loads = st.floats(min_value=0.01, max_value=0.97)
rates = st.floats(min_value=1e-3, max_value=1e3)
servers = st.integers(min_value=1, max_value=300)


@FAST
@given(offered=st.floats(min_value=0.0, max_value=500.0), c=servers)
def test_erlang_c_is_a_probability_that_falls_as_servers_are_added(
    offered: float, c: int
) -> None:
    value, more = erlang_c(offered, c), erlang_c(offered, c + 1)
    assert 0.0 <= more <= value <= 1.0
    assert erlang_b(offered, c) <= value


@FAST
@given(offered=st.floats(min_value=0.0, max_value=500.0), c=servers)
def test_erlang_b_is_a_probability_that_falls_as_servers_are_added(
    offered: float, c: int
) -> None:
    assert 0.0 <= erlang_b(offered, c + 1) <= erlang_b(offered, c) <= 1.0


@FAST
@given(load=loads, mu=rates)
def test_mmc_with_one_server_is_mm1(load: float, mu: float) -> None:
    single = mm1(arrival_rate=load * mu, service_rate=mu)
    shared = mmc(arrival_rate=load * mu, service_rate=mu, servers=1)
    for name in ("wait_probability", "mean_wait", "mean_sojourn", "mean_in_system"):
        assert getattr(shared, name) == pytest.approx(getattr(single, name), rel=1e-12)
    for p in (0.5, 0.9, 0.999):
        assert shared.wait_quantile(p) == pytest.approx(
            single.wait_quantile(p), rel=1e-12
        )
        assert shared.sojourn_quantile(p) == pytest.approx(
            single.sojourn_quantile(p), rel=1e-9
        )


@FAST
@given(load=st.floats(min_value=0.01, max_value=0.9), c=st.integers(1, 40), mu=rates)
def test_mmck_tends_to_mmc_as_the_capacity_grows(
    load: float, c: int, mu: float
) -> None:
    # With K - c = 400 places, the states cut off weigh at most 0.9^400 ~ 5e-19.
    lam = load * c * mu
    bounded = mmck(arrival_rate=lam, service_rate=mu, servers=c, capacity=c + 400)
    unbounded = mmc(arrival_rate=lam, service_rate=mu, servers=c)
    assert bounded.loss_probability < 1e-15
    for name in (
        "wait_probability",
        "mean_wait",
        "mean_queue_length",
        "mean_in_system",
    ):
        assert getattr(bounded, name) == pytest.approx(
            getattr(unbounded, name), rel=1e-9, abs=1e-300
        )
    assert bounded.sojourn_quantile(0.99) == pytest.approx(
        unbounded.sojourn_quantile(0.99), rel=1e-8
    )


def _round_trip(metrics: QueueMetrics, fraction: float) -> None:
    """quantile(cdf(t)) == t at a t placed by the fraction of a high quantile."""
    for cdf, quantile in [
        (metrics.wait_cdf, metrics.wait_quantile),
        (metrics.sojourn_cdf, metrics.sojourn_quantile),
    ]:
        t = fraction * quantile(0.9999)
        p = cdf(t)
        assume(cdf(0.0) + 1e-6 < p < 1.0 - 1e-9)
        assert quantile(p) == pytest.approx(t, rel=1e-7)


@FAST
@given(load=loads, c=st.integers(1, 500), mu=rates, fraction=st.floats(0.01, 1.0))
def test_mmc_quantile_inverts_the_cdf(
    load: float, c: int, mu: float, fraction: float
) -> None:
    _round_trip(mmc(arrival_rate=load * c * mu, service_rate=mu, servers=c), fraction)


@FAST
@given(
    load=st.floats(0.05, 3.0),
    c=st.integers(1, 20),
    room=st.integers(1, 200),
    mu=rates,
    fraction=st.floats(0.01, 1.0),
)
def test_mmck_quantile_inverts_the_cdf(
    load: float, c: int, room: int, mu: float, fraction: float
) -> None:
    metrics = mmck(
        arrival_rate=load * c * mu, service_rate=mu, servers=c, capacity=c + room
    )
    _round_trip(metrics, fraction)


@FAST
@given(load=loads, d=st.integers(1, 6), mu=rates, fraction=st.floats(0.01, 1.0))
def test_power_of_d_quantile_inverts_the_cdf(
    load: float, d: int, mu: float, fraction: float
) -> None:
    _round_trip(power_of_d(load=load, d=d, service_rate=mu), fraction)


@FAST
@given(
    load=st.floats(0.1, 2.0),
    c=st.integers(1, 50),
    patience=st.floats(0.1, 100.0),
    fraction=st.floats(0.01, 1.0),
)
def test_erlang_a_wait_quantile_inverts_the_cdf(
    load: float, c: int, patience: float, fraction: float
) -> None:
    metrics = mmc_abandonment(
        arrival_rate=load * c, service_rate=1.0, servers=c, patience_mean=patience
    )
    t = fraction * metrics.wait_quantile(0.9999)
    p = metrics.wait_cdf(t)
    assume(metrics.wait_cdf(0.0) + 1e-6 < p < 1.0 - 1e-9)
    assert metrics.wait_quantile(p) == pytest.approx(t, rel=1e-7)


@FAST
@given(load=st.floats(0.05, 0.95), c=st.integers(1, 200), mu=rates)
def test_erlang_a_with_endless_patience_tends_to_erlang_c(
    load: float, c: int, mu: float
) -> None:
    lam = load * c * mu
    patient = mmc_abandonment(
        arrival_rate=lam, service_rate=mu, servers=c, patience_mean=1e7 / mu
    )
    delay = mmc(arrival_rate=lam, service_rate=mu, servers=c)
    assert patient.wait_probability == pytest.approx(delay.wait_probability, rel=1e-4)
    assert patient.mean_wait == pytest.approx(delay.mean_wait, rel=1e-4, abs=1e-300)
    assert patient.abandonment_probability < 1e-4


@FAST
@given(
    load=st.floats(0.1, 3.0),
    c=st.integers(1, 30),
    patience=st.floats(0.1, 50.0),
    t=st.floats(0.0, 20.0),
)
def test_erlang_a_service_level_rises_with_servers(
    load: float, c: int, patience: float, t: float
) -> None:
    kwargs = {"arrival_rate": load * c, "service_rate": 1.0, "patience_mean": patience}
    fewer = mmc_abandonment(servers=c, **kwargs)
    more = mmc_abandonment(servers=c + 1, **kwargs)
    assert more.served_within(t) >= fewer.served_within(t) - 1e-12
    assert more.abandonment_probability <= fewer.abandonment_probability + 1e-12
    assert 0.0 <= fewer.served_within(t) <= 1.0 - fewer.abandonment_probability + 1e-12


@st.composite
def networks(draw: st.DrawFn) -> dict[str, object]:
    n = draw(st.integers(1, 4))
    raw = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n * n, max_size=n * n)))
    routing = raw.reshape(n, n)
    rows = routing.sum(axis=1, keepdims=True)
    keep = draw(st.floats(0.0, 0.9))
    routing = np.where(rows > 0, routing / np.maximum(rows, 1e-12) * keep, 0.0)
    external = draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n))
    assume(sum(external) > 0.05)
    counts = draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
    return {"arrival_rates": external, "routing": routing, "servers": counts}


@FAST
@given(network=networks(), headroom=st.floats(1.1, 5.0))
def test_qna_with_poisson_and_exponential_laws_equals_jackson(
    network: dict[str, object], headroom: float
) -> None:
    external = np.asarray(network["arrival_rates"], dtype=float)
    routing = np.asarray(network["routing"])
    counts = list(network["servers"])  # type: ignore[call-overload]
    total = np.linalg.solve(np.eye(external.size) - routing.T, external)
    service = [
        headroom * max(float(rate), 0.01) / c
        for rate, c in zip(total, counts, strict=True)
    ]
    exact = jackson(
        arrival_rates=external, service_rates=service, servers=counts, routing=routing
    )
    approx = qna(
        arrival_rates=external,
        arrival_scvs=[1.0] * external.size,
        service_means=[1.0 / s for s in service],
        service_scvs=[1.0] * external.size,
        servers=counts,
        routing=routing,
    )
    assert exact.stable and approx.stable
    assert approx.mean_sojourn == pytest.approx(exact.mean_sojourn, rel=1e-9)
    assert exact.mean_in_system == pytest.approx(
        exact.mean_sojourn * external.sum(), rel=1e-12
    )
    assert math.isfinite(exact.mean_wait)
