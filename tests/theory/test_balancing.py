"""The mean-field power-of-d result against its own fixed point."""

from __future__ import annotations

import math

import pytest
from scipy import integrate

from pushsim.theory import mm1, power_of_d

from .oracles import mean_field_sojourn


@pytest.mark.parametrize("load", [0.5, 0.9, 0.99, 0.999])
@pytest.mark.parametrize("d", [2, 3, 5])
def test_power_of_d_sojourn_equals_the_fixed_point_of_the_mean_field(
    load: float, d: int
) -> None:
    metrics = power_of_d(load=load, d=d)
    assert metrics.mean_sojourn == pytest.approx(mean_field_sojourn(load, d), rel=1e-13)


def test_power_of_two_at_high_loads_has_the_series_values() -> None:
    # sum_{i>=1} 0.9^(2^i - 2) = 1 + 0.9^2 + 0.9^6 + 0.9^14 + ... = 2.6141 (4 d.p.)
    # and the same series at 0.99 is 5.4320 (4 d.p.), against 10 and 100 for M/M/1.
    assert power_of_d(load=0.9, d=2).mean_sojourn == pytest.approx(2.6141, abs=5e-5)
    assert power_of_d(load=0.99, d=2).mean_sojourn == pytest.approx(5.4320, abs=5e-5)


def test_power_of_d_scales_with_the_service_rate() -> None:
    slow = power_of_d(load=0.9, d=2, service_rate=1.0)
    fast = power_of_d(load=0.9, d=2, service_rate=250.0)
    assert fast.mean_sojourn == pytest.approx(slow.mean_sojourn / 250.0, rel=1e-14)
    assert fast.sojourn_quantile(0.99) == pytest.approx(
        slow.sojourn_quantile(0.99) / 250.0
    )


def test_power_of_one_is_mm1() -> None:
    random = power_of_d(load=0.8, d=1, service_rate=2.0)
    single = mm1(arrival_rate=1.6, service_rate=2.0)
    assert random.mean_sojourn == pytest.approx(single.mean_sojourn, rel=1e-14)
    assert random.sojourn_quantile(0.99) == pytest.approx(single.sojourn_quantile(0.99))
    assert random.model == "power-of-d (mean field, d=1)"


def test_power_of_d_laws_agree_with_the_means() -> None:
    metrics = power_of_d(load=0.95, d=2)
    assert metrics.wait_probability == pytest.approx(0.95**2, rel=1e-14)
    assert metrics.wait_cdf(0.0) == pytest.approx(1 - 0.95**2, rel=1e-12)
    for cdf, mean in [
        (metrics.sojourn_cdf, metrics.mean_sojourn),
        (metrics.wait_cdf, metrics.mean_wait),
    ]:
        area = integrate.quad(lambda t, cdf=cdf: 1.0 - cdf(t), 0.0, math.inf)[0]
        assert area == pytest.approx(mean, rel=1e-8)
    assert metrics.mean_in_system == pytest.approx(
        0.95 * metrics.mean_sojourn, rel=1e-14
    )
    assert not metrics.exact


def test_more_choices_never_hurt() -> None:
    sojourns = [power_of_d(load=0.9, d=d).mean_sojourn for d in (1, 2, 3, 4, 10)]
    assert sojourns == sorted(sojourns, reverse=True)
    assert sojourns[-1] > 1.0


def test_power_of_d_at_full_load_is_unstable() -> None:
    metrics = power_of_d(load=1.0, d=2)
    assert not metrics.stable
    assert metrics.mean_sojourn == math.inf
    assert metrics.sojourn_quantile(0.5) == math.inf


def test_power_of_d_with_no_load_is_one_service_time() -> None:
    metrics = power_of_d(load=0.0, d=2, service_rate=4.0)
    assert metrics.mean_sojourn == pytest.approx(0.25)
    assert metrics.wait_quantile(0.99) == 0.0
