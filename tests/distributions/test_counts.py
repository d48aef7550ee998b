"""The fan-out count laws: stated moments against scipy, and samples against them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from pushsim.distributions import (
    COUNT_LAWS,
    CountLaw,
    EmpiricalCount,
    FanoutField,
    FixedCount,
    GeometricCount,
    PoissonCount,
)

from ._stats import assert_mean, assert_variance, central_fourth

COUNT = TypeAdapter(CountLaw)
FANOUT = TypeAdapter(FanoutField)
N = 400_000

CASES: list[tuple[dict[str, Any], Any]] = [
    ({"law": "poisson", "mean": 3}, stats.poisson(3)),
    ({"law": "poisson", "mean": 0.2}, stats.poisson(0.2)),
    ({"law": "geometric", "mean": 2.5}, stats.geom(0.4)),
    ({"law": "geometric", "mean": 1}, stats.geom(1.0)),
    ({"law": "uniform", "low": 1, "high": 6}, stats.randint(1, 7)),
    ({"law": "uniform", "low": 0, "high": 0}, stats.randint(0, 1)),
]


def _ids(case: tuple[dict[str, Any], Any]) -> str:
    return "-".join(str(v) for v in case[0].values())


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_stated_moments_are_scipy_moments(case: tuple[dict[str, Any], Any]) -> None:
    spec, oracle = case
    law = COUNT.validate_python(spec)
    with np.errstate(all="ignore"):  # scipy divides by the variance 0 of a point mass
        mean, variance = (float(v) for v in oracle.stats("mv"))
    assert law.mean == pytest.approx(mean, rel=1e-12)
    assert law.variance == pytest.approx(variance, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_samples_match_the_stated_moments(case: tuple[dict[str, Any], Any]) -> None:
    spec, oracle = case
    law = COUNT.validate_python(spec)
    sample = law.sample(np.random.default_rng(99), N)
    assert sample.dtype == np.int64 and sample.shape == (N,)
    assert oracle.support()[0] <= sample.min() and sample.max() <= oracle.support()[1]
    if law.variance == 0:
        assert np.all(sample == law.mean)
        return

    # mu4 in closed form, from scipy's excess kurtosis: mu4 = (kurtosis + 3) sigma^4
    fourth = (float(oracle.stats("k")) + 3.0) * law.variance**2
    assert_mean(sample, law.mean, law.variance)
    assert_variance(sample, law.variance, fourth)


def test_empirical_weights_are_relative() -> None:
    law = EmpiricalCount(values=(1, 2, 5), weights=(1, 1, 2))
    assert law.probabilities.tolist() == [0.25, 0.25, 0.5]
    assert law.mean == pytest.approx(3.25)
    values = np.array([1.0, 2.0, 5.0])
    variance = float(law.probabilities @ (values - 3.25) ** 2)
    assert law.variance == pytest.approx(variance)

    sample = law.sample(np.random.default_rng(5), N)
    assert set(np.unique(sample).tolist()) == {1, 2, 5}
    # the law is discrete on three values: mu4 exact
    assert_mean(sample, law.mean, law.variance)
    assert_variance(sample, law.variance, central_fourth(values, law.probabilities))


def test_empirical_without_weights_is_uniform_on_the_values() -> None:
    law = EmpiricalCount(values=(0, 3, 3))
    assert law.mean == pytest.approx(2.0)
    assert law.variance == pytest.approx(2.0)


def test_a_bare_number_is_a_fixed_fanout() -> None:
    assert FANOUT.validate_python(3) == FixedCount(value=3)
    assert FANOUT.validate_python("2") == FixedCount(value=2)
    law = FANOUT.validate_python(4)
    assert (law.mean, law.variance, law.scv) == (4.0, 0.0, 0.0)
    assert np.all(law.sample(np.random.default_rng(1), 8) == 4)
    assert FANOUT.validate_python({"law": "poisson", "mean": 3}) == PoissonCount(mean=3)


@pytest.mark.parametrize("bad", [0, -2])
def test_a_fixed_fanout_must_deliver(bad: int) -> None:
    with pytest.raises(ValidationError, match=rf"must be >= 1 .*, got {bad}"):
        FANOUT.validate_python(bad)


def test_count_law_faults_name_the_rule() -> None:
    with pytest.raises(ValidationError, match=r"high: must be >= low \(4\), got 2"):
        COUNT.validate_python({"law": "uniform", "low": 4, "high": 2})
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        COUNT.validate_python({"law": "geometric", "mean": 0.5})
    with pytest.raises(
        ValidationError, match=r"weights: must have one weight per value \(2\)"
    ):
        COUNT.validate_python({"law": "empirical", "values": [1, 2], "weights": [1]})
    with pytest.raises(
        ValidationError, match="weights: must be finite and >= 0, got -1"
    ):
        COUNT.validate_python(
            {"law": "empirical", "values": [1, 2], "weights": [2, -1]}
        )
    with pytest.raises(ValidationError, match="weights: must not all be 0"):
        COUNT.validate_python({"law": "empirical", "values": [1, 2], "weights": [0, 0]})
    with pytest.raises(ValidationError, match="'law' set to one of: fixed, poisson"):
        FANOUT.validate_python({"law": "binomial", "n": 3})


def test_describe() -> None:
    assert FANOUT.validate_python(3).describe() == "fixed(3)"
    assert PoissonCount(mean=3).describe() == "poisson(mean=3)"
    assert GeometricCount(mean=2.5).describe() == "geometric(mean=2.5)"
    assert EmpiricalCount(values=(1, 2)).describe() == "empirical(values=[1, 2])"
    assert len(COUNT_LAWS) == 5
