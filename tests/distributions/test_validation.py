"""Bad parameters are refused with a message naming the field, the value and the rule."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import yaml
from pydantic import TypeAdapter, ValidationError

from pushsim.distributions import ArrivalProcess, LawField, OnOffArrivals

LAW = TypeAdapter(LawField)
PROCESS = TypeAdapter(ArrivalProcess)

LAW_FAULTS: list[tuple[dict[str, Any], str]] = [
    (
        {"law": "hyperexponential", "mean": "4ms", "cv": 0.5},
        r"cv: must be >= 1 for a hyperexponential law, got 0.5 \(for cv < 1 use a gamma",
    ),
    (
        {"law": "uniform", "low": "2ms", "high": "1ms"},
        r"high: must be >= low \(2ms\), got 1ms",
    ),
    ({"law": "lognormal", "mean": "4ms", "cv": -1}, "greater than 0"),
    ({"law": "gamma", "mean": "4ms", "cv": "inf"}, "finite number"),
    ({"law": "gamma", "mean": "-4ms", "cv": 1}, "must be > 0, got -0.004"),
    (
        {"law": "gamma", "mean": "1h", "cv": 1e200},
        "cv: 1e[+]200 is out of range for a gamma law",
    ),
    (
        {"law": "hyperexponential", "mean": "1s", "cv": 1e200},
        "cv: 1e[+]200 is out of range for a hyperexponential law of mean 1s",
    ),
    (
        {"law": "lognormal", "mean": "10ms", "cv": 1e308},
        r"cv: must be at most 1e\+15 for a lognormal law, got 1e\+308 \(beyond it the "
        r"median, mean / sqrt\(1 \+ cv\^2\), is below 1e-15 of the mean",
    ),
    (
        {"law": "lognormal", "mean": 1e-300, "cv": 1e10},
        r"cv: 1e\+10 is out of range for a lognormal law of mean .* \(its median, "
        r"mean / sqrt\(1 \+ cv\^2\), is below the smallest normal float64\)",
    ),
    ({"law": "erlang", "mean": "4ms", "k": 0}, "greater than or equal to 1"),
    ({"law": "erlang", "mean": "4ms", "k": 2.5}, "valid integer"),
    (
        {"law": "exponential", "mean": "4ms", "rate": "250/s"},
        r"exactly one of mean and rate for an exponential law, got both \(mean=4ms, rate=250/s\)",
    ),
    ({"law": "exponential"}, "exactly one of mean and rate"),
    (
        {"law": "weibull", "shape": 2},
        "exactly one of scale and mean for a weibull law, got neither",
    ),
    ({"law": "weibull", "shape": 0.001, "mean": 1}, "shape: must be above about 0.006"),
    (
        {"law": "bounded_pareto", "low": "5ms", "high": "5ms", "alpha": 1.1},
        r"high: must be > low \(5ms\), got 5ms",
    ),
    (
        {"law": "bounded_pareto", "low": 0, "high": 1, "alpha": 1.1},
        "must be > 0, got 0",
    ),
    (
        {"law": "empirical"},
        "exactly one of samples and file for an empirical law, got neither",
    ),
    ({"law": "empirical", "samples": []}, "at least 1 item"),
    (
        {"law": "empirical", "samples": ["1ms"], "column": "x"},
        "column: applies only with file",
    ),
    (
        {"law": "empirical", "samples": ["1ms"], "unit": "ms"},
        "unit: applies only to the numbers",
    ),
    (
        {"law": "empirical", "file": "a.csv", "column": "c", "unit": "hours"},
        "must be one of ns, us",
    ),
    ({"law": "empirical", "file": "a.csv"}, "column: give the column of 'a.csv'"),
    (
        {"law": "lognormal", "mean": "4ms", "cv": 1, "sigma": 2},
        "Extra inputs are not permitted",
    ),
    (
        {"law": "normal", "mean": "4ms"},
        "'law' set to one of: exponential, deterministic",
    ),
]


@pytest.mark.parametrize(("spec", "message"), LAW_FAULTS)
def test_bad_laws_are_refused(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        LAW.validate_python(spec)


def test_bare_values_that_are_not_durations_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown time unit 'parsecs'"):
        LAW.validate_python("3parsecs")
    with pytest.raises(
        ValidationError, match=r"must be a duration such as '4ms' or 2\.5, got True"
    ):
        LAW.validate_python(True)
    with pytest.raises(ValidationError, match="must be >= 0, got -1"):
        LAW.validate_python(-1)


PROCESS_FAULTS: list[tuple[dict[str, Any], str]] = [
    ({"process": "poisson", "rate": 0}, "must be > 0, got 0"),
    ({"process": "poisson", "rate": "8 per second"}, "must be a rate such as '800/s'"),
    (
        {"process": "mmpp", "rates": [0, 0], "mean_durations": ["1s", "1s"]},
        "rates: at least one of the two rates must be > 0",
    ),
    (
        {"process": "mmpp", "rates": [1, 2, 3], "mean_durations": [1, 1]},
        "at most 2 items",
    ),
    (
        {"process": "profile", "rates": [0, 0], "interval": "1h"},
        "rates: at least one rate must be > 0",
    ),
    ({"process": "profile", "rates": [], "interval": "1h"}, "at least 1 item"),
    ({"process": "onoff", "rate": "1k/s", "on": "1s"}, "off\n  Field required"),
    (
        {"process": "renewal", "interarrival": 0},
        r"interarrival: must have a mean > 0, got deterministic\(0s\)",
    ),
    (
        {"process": "trace", "file": "t.csv", "column": "t", "speed": 0},
        "greater than 0",
    ),
    (
        {"process": "burst", "rate": 1},
        "'process' set to one of: poisson, deterministic, renewal",
    ),
]


@pytest.mark.parametrize(("spec", "message"), PROCESS_FAULTS)
def test_bad_processes_are_refused(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PROCESS.validate_python(spec)


def test_onoff_keys_read_by_yaml_as_booleans() -> None:
    # YAML 1.1 reads the unquoted keys on and off as true and false
    data = yaml.safe_load("{process: onoff, rate: 100/s, on: 2s, off: 8s}")
    assert True in data and False in data
    process = PROCESS.validate_python(data)
    assert process == OnOffArrivals(rate=100, on=2, off=8)
    assert process.rate == pytest.approx(20.0)


@pytest.mark.parametrize("cv", [1e3, 1e9, 1e15])
def test_a_lognormal_law_up_to_the_cv_bound_draws_positive_finite_times(
    cv: float,
) -> None:
    law = LAW.validate_python({"law": "lognormal", "mean": "10ms", "cv": cv})
    mu, sigma = law.log_parameters
    assert math.isfinite(mu) and math.isfinite(sigma) and sigma > 0
    draws = law.sample(np.random.default_rng(1), 10_000)
    assert np.isfinite(draws).all() and (draws > 0).all()
    median = float(np.median(draws))
    assert median == pytest.approx(0.01 / math.sqrt(1 + cv * cv), rel=0.1)


def test_weibull_shape_too_small_to_simulate() -> None:
    adapter = TypeAdapter(LawField)
    with pytest.raises(ValidationError, match="too small to simulate: the median is"):
        adapter.validate_python({"law": "weibull", "shape": 0.01, "mean": "10ms"})
    assert (
        adapter.validate_python({"law": "weibull", "shape": 0.2, "mean": "10ms"}).mean
        == 0.01
    )
