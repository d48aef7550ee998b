"""Impossible arguments are refused with the argument, the value and the rule."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from pushsim.errors import PushsimError
from pushsim.theory import (
    TheoryArgumentError,
    erlang_b,
    erlang_c,
    gg1,
    ggc,
    mg1,
    mm1,
    mmc,
    mmc_abandonment,
    mmck,
    power_of_d,
)

REFUSED: list[tuple[Callable[..., Any], dict[str, Any], str]] = [
    (
        mm1,
        {"arrival_rate": -1.0, "service_rate": 1.0},
        r"arrival_rate must be >= 0 per second, got -1.0",
    ),
    (
        mm1,
        {"arrival_rate": 1.0, "service_rate": 0.0},
        r"service_rate must be finite and > 0 per second, got 0.0",
    ),
    (
        mm1,
        {"arrival_rate": math.nan, "service_rate": 1.0},
        r"arrival_rate must be a number, got nan",
    ),
    (
        mm1,
        {"arrival_rate": math.inf, "service_rate": 1.0},
        r"arrival_rate must be finite, got inf",
    ),
    (
        mmc,
        {"arrival_rate": 1.0, "service_rate": 1.0, "servers": 0},
        r"servers must be >= 1, got 0",
    ),
    (
        mmc,
        {"arrival_rate": 1.0, "service_rate": math.nan, "servers": 2},
        r"service_rate must be a number, got nan",
    ),
    (
        mmck,
        {"arrival_rate": 1.0, "service_rate": 1.0, "servers": 3, "capacity": 2},
        r"capacity must be >= servers \(3\), got 2",
    ),
    (
        mg1,
        {"arrival_rate": 1.0, "service_mean": 1.0, "service_scv": -0.5},
        r"service_scv must be >= 0, got -0.5",
    ),
    (
        mg1,
        {"arrival_rate": 1.0, "service_mean": -2.0, "service_scv": 1.0},
        r"service_mean must be finite and > 0 seconds, got -2.0",
    ),
    (
        gg1,
        {
            "arrival_rate": 1.0,
            "service_mean": 0.5,
            "arrival_scv": -1.0,
            "service_scv": 1.0,
        },
        r"arrival_scv must be >= 0, got -1.0",
    ),
    (
        ggc,
        {
            "arrival_rate": 1.0,
            "service_mean": 0.5,
            "servers": -2,
            "arrival_scv": 1.0,
            "service_scv": 1.0,
        },
        r"servers must be >= 1, got -2",
    ),
    (
        mmc_abandonment,
        {"arrival_rate": 1.0, "service_rate": 1.0, "servers": 1, "patience_mean": 0.0},
        r"patience_mean must be finite and > 0 seconds, got 0.0",
    ),
    (power_of_d, {"load": 0.5, "d": 0}, r"d must be >= 1, got 0"),
    (power_of_d, {"load": -0.1, "d": 2}, r"load must be >= 0, got -0.1"),
    (
        erlang_b,
        {"offered_load": -3.0, "servers": 2},
        r"offered_load must be >= 0 erlangs, got -3.0",
    ),
    (erlang_c, {"offered_load": 3.0, "servers": 0}, r"servers must be >= 1, got 0"),
]


@pytest.mark.parametrize(("function", "kwargs", "message"), REFUSED)
def test_impossible_arguments_are_refused_by_name(
    function: Callable[..., Any], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(TheoryArgumentError, match=message) as caught:
        function(**kwargs)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, PushsimError)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"servers": 2.5}, r"servers must be a whole number, got 2.5 of type float"),
        ({"servers": True}, r"servers must be a whole number, got True"),
        (
            {"arrival_rate": "800/s"},
            r"arrival_rate must be a real number, got '800/s' of type str",
        ),
    ],
)
def test_wrong_types_are_type_errors(kwargs: dict[str, Any], message: str) -> None:
    arguments = {"arrival_rate": 1.0, "service_rate": 1.0, "servers": 2, **kwargs}
    with pytest.raises(TypeError, match=message) as caught:
        mmc(**arguments)
    assert isinstance(caught.value, PushsimError)


def test_numpy_integers_count_as_whole_numbers() -> None:
    count: Any = np.int64(3)
    assert mmc(arrival_rate=1.0, service_rate=1.0, servers=count).servers == 3


@pytest.mark.parametrize("p", [0.0, 1.0, -0.5, 1.5, math.nan])
def test_quantiles_need_a_probability_strictly_inside_zero_one(p: float) -> None:
    metrics = mmc(arrival_rate=1.0, service_rate=1.0, servers=2)
    with pytest.raises(ValueError, match=r"^p must be"):
        metrics.wait_quantile(p)
    with pytest.raises(ValueError, match=r"^p must be"):
        metrics.sojourn_quantile(p)


def test_cdfs_refuse_negative_and_nan_times() -> None:
    metrics = mm1(arrival_rate=0.5, service_rate=1.0)
    with pytest.raises(ValueError, match=r"t must be >= 0 seconds, got -1.0"):
        metrics.wait_cdf(-1.0)
    with pytest.raises(ValueError, match=r"t must be a number, got nan"):
        metrics.sojourn_cdf(math.nan)


def test_arguments_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        mm1(0.5, 1.0)  # type: ignore[call-arg]
