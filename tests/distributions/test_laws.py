"""The continuous laws: stated moments against scipy, and samples against them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter
from scipy import stats

from pushsim.distributions import (
    LAWS,
    DeterministicLaw,
    EmpiricalLaw,
    ExponentialLaw,
    HyperexponentialLaw,
    Law,
    LawField,
    WeibullLaw,
)

from ._stats import assert_mean, assert_variance, central_fourth

LAW = TypeAdapter(Law)
LAW_FIELD = TypeAdapter(LawField)
N = 400_000


def _lognormal(mean: float, cv: float) -> Any:
    s2 = math.log1p(cv * cv)
    return stats.lognorm(s=math.sqrt(s2), scale=math.exp(math.log(mean) - s2 / 2))


def _weibull_by_mean(shape: float, mean: float) -> Any:
    return stats.weibull_min(shape, scale=mean / math.gamma(1 + 1 / shape))


#: (law, an independent scipy form of it) for every parametric law.
CASES: list[tuple[dict[str, Any], Any]] = [
    ({"law": "exponential", "mean": "5ms"}, stats.expon(scale=0.005)),
    ({"law": "exponential", "rate": "200/s"}, stats.expon(scale=0.005)),
    ({"law": "uniform", "low": "1ms", "high": "3ms"}, stats.uniform(0.001, 0.002)),
    ({"law": "erlang", "mean": "4ms", "k": 3}, stats.erlang(3, scale=0.004 / 3)),
    ({"law": "gamma", "mean": "4ms", "cv": 0.5}, stats.gamma(4.0, scale=0.001)),
    ({"law": "gamma", "mean": "4ms", "cv": 2.0}, stats.gamma(0.25, scale=0.016)),
    ({"law": "lognormal", "mean": "4ms", "cv": 1.0}, _lognormal(0.004, 1.0)),
    ({"law": "lognormal", "mean": "2s", "cv": 0.3}, _lognormal(2.0, 0.3)),
    ({"law": "weibull", "shape": 0.7, "mean": "4ms"}, _weibull_by_mean(0.7, 0.004)),
    (
        {"law": "weibull", "shape": 2.0, "scale": "10ms"},
        stats.weibull_min(2.0, scale=0.01),
    ),
    (
        {"law": "bounded_pareto", "low": "1ms", "high": "100ms", "alpha": 1.2},
        stats.truncpareto(1.2, 100.0, scale=0.001),
    ),
    (
        {"law": "bounded_pareto", "low": "2ms", "high": "1s", "alpha": 2.0},
        stats.truncpareto(2.0, 500.0, scale=0.002),
    ),
]


def _ids(case: tuple[dict[str, Any], Any]) -> str:
    return "-".join(str(v) for v in case[0].values())


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_stated_moments_are_scipy_moments(case: tuple[dict[str, Any], Any]) -> None:
    spec, oracle = case
    law = LAW.validate_python(spec)
    mean, variance = (float(v) for v in oracle.stats("mv"))
    assert law.mean == pytest.approx(mean, rel=1e-9)
    assert law.variance == pytest.approx(variance, rel=1e-9)
    assert law.scv == pytest.approx(variance / mean**2, rel=1e-9)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_samples_match_the_stated_moments(case: tuple[dict[str, Any], Any]) -> None:
    spec, oracle = case
    law = LAW.validate_python(spec)
    sample = law.sample(np.random.default_rng(20240601), N)
    assert sample.dtype == np.float64 and sample.shape == (N,)
    assert np.all(np.isfinite(sample)) and np.all(sample >= 0)

    # mu4 in closed form, from scipy's excess kurtosis: mu4 = (kurtosis + 3) sigma^4
    fourth = (float(oracle.stats("k")) + 3.0) * law.variance**2
    assert_mean(sample, law.mean, law.variance)
    assert_variance(sample, law.variance, fourth)


@pytest.mark.parametrize("cv", [1.0, 1.5, 4.0])
def test_hyperexponential_moments_and_samples(cv: float) -> None:
    law = HyperexponentialLaw(mean=0.004, cv=cv)
    phases = law.phases
    (p1, m1), (p2, m2) = phases
    assert p1 + p2 == pytest.approx(1.0)
    assert p1 * m1 == pytest.approx(p2 * m2)  # balanced means

    # raw moments of an exponential mixture: E[X^k] = k! sum p m^k
    raw = [math.factorial(k) * (p1 * m1**k + p2 * m2**k) for k in range(5)]
    mean = raw[1]
    variance = raw[2] - mean**2
    fourth = raw[4] - 4 * mean * raw[3] + 6 * mean**2 * raw[2] - 3 * mean**4
    assert law.mean == pytest.approx(mean)
    assert law.variance == pytest.approx(variance)
    assert law.scv == pytest.approx(cv**2)

    sample = law.sample(np.random.default_rng(7), N)
    assert_mean(sample, law.mean, law.variance)
    assert_variance(sample, law.variance, fourth)


def test_empirical_moments_are_those_of_the_values() -> None:
    law = EmpiricalLaw(samples=("1ms", "2ms", "2ms", "7ms", "30ms"))
    values = np.array([0.001, 0.002, 0.002, 0.007, 0.030])
    assert law.mean == pytest.approx(values.mean())
    assert law.variance == pytest.approx(values.var())  # population variance
    sample = law.sample(np.random.default_rng(11), N)
    assert set(np.unique(sample)) <= set(values)

    # resampling: the law is the discrete uniform law on the values, mu4 exact
    assert_mean(sample, law.mean, law.variance)
    assert_variance(sample, law.variance, central_fourth(values))


def test_deterministic_law_and_bare_durations() -> None:
    law = LAW_FIELD.validate_python("4ms")
    assert law == DeterministicLaw(value=0.004)
    assert (law.mean, law.variance, law.scv) == (0.004, 0.0, 0.0)
    assert np.all(law.sample(np.random.default_rng(1), 10) == 0.004)
    assert LAW_FIELD.validate_python(0.25) == DeterministicLaw(value=0.25)
    assert LAW_FIELD.validate_python(0).scv == 0.0
    assert isinstance(
        LAW_FIELD.validate_python({"law": "exponential", "mean": 1}), ExponentialLaw
    )


def test_describe_is_short_and_readable() -> None:
    assert LAW.validate_python(
        {"law": "lognormal", "mean": "4ms", "cv": 1.5}
    ).describe() == ("lognormal(mean=4ms, cv=1.5)")
    assert ExponentialLaw(rate=250).describe() == "exponential(rate=250/s)"
    assert ExponentialLaw(mean=0.005).describe() == "exponential(mean=5ms)"
    assert DeterministicLaw(value=2).describe() == "deterministic(2s)"
    assert (
        WeibullLaw(shape=0.5, scale=0.01).describe() == "weibull(shape=0.5, scale=10ms)"
    )
    assert (
        EmpiricalLaw(samples=(1, 3)).describe()
        == "empirical(2 values, mean=2s, cv=0.5)"
    )


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_time_scaled_multiplies_every_duration(
    case: tuple[dict[str, Any], Any],
) -> None:
    law = LAW.validate_python(case[0])
    slower = law.time_scaled(2.5)
    assert type(slower) is type(law)
    assert slower.mean == pytest.approx(2.5 * law.mean)
    assert slower.scv == pytest.approx(law.scv)
    assert slower == LAW.validate_python(
        slower.model_dump(by_alias=True, exclude_none=True)
    )


def test_time_scaled_refuses_a_bad_factor() -> None:
    law = ExponentialLaw(mean=1.0)
    with pytest.raises(ValueError, match="factor must be a finite number > 0, got 0"):
        law.time_scaled(0)
    with pytest.raises(TypeError, match="factor must be a number, got '2'"):
        law.time_scaled("2")  # type: ignore[arg-type]


def test_weibull_given_by_mean_or_scale_agree() -> None:
    by_scale = WeibullLaw(shape=1.5, scale=0.01)
    by_mean = WeibullLaw(shape=1.5, mean=by_scale.mean)
    assert by_mean.scale == pytest.approx(0.01)
    assert by_mean.variance == pytest.approx(by_scale.variance)
    assert WeibullLaw(shape=1.0, scale=2.0).scv == pytest.approx(1.0)


def test_every_law_is_in_the_union_and_frozen() -> None:
    names = {model.model_fields["law"].default for model in LAWS}
    assert len(names) == len(LAWS) == 10
    law = ExponentialLaw(mean=1.0)
    with pytest.raises(Exception, match="frozen"):
        law.law = "uniform"  # type: ignore[assignment, misc]
