"""Properties over random valid parameters: finite, non-negative, reproducible draws.

The parameter ranges are wide but physical: durations from 1us to 1h, cv from
0.05 to 20, Weibull shapes from 0.1 to 20, Pareto tail indices from 0.2 to 4,
rates from 0.01/s to 100k/s. A modulated source costs time in proportion to its
state changes, so its states last at least 10ms and its rates are at least
0.1/s, which keeps every example quick (at least 1e-3 arrivals per state).
"""

from __future__ import annotations

from itertools import islice
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from pushsim.distributions import ArrivalProcess, CountLaw, Law

LAW = TypeAdapter(Law)
COUNT = TypeAdapter(CountLaw)
PROCESS = TypeAdapter(ArrivalProcess)
SEEDS = st.integers(min_value=0, max_value=2**63)
EXAMPLES = settings(max_examples=60, deadline=None)

durations = st.floats(min_value=1e-6, max_value=3600.0)
cvs = st.floats(min_value=0.05, max_value=20.0)
rates = st.floats(min_value=0.01, max_value=1e5)
modulated_rates = st.floats(min_value=0.1, max_value=1e5)
sojourns = st.floats(min_value=0.01, max_value=3600.0)


@st.composite
def bounded_pareto(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(durations)
    high = low * draw(st.floats(min_value=1.001, max_value=1e6))
    return {
        "law": "bounded_pareto",
        "low": low,
        "high": high,
        "alpha": draw(st.floats(0.2, 4.0)),
    }


@st.composite
def uniform(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(st.floats(min_value=0.0, max_value=3600.0))
    return {"law": "uniform", "low": low, "high": low + draw(st.floats(0.0, 3600.0))}


laws = st.one_of(
    st.builds(lambda m: {"law": "exponential", "mean": m}, durations),
    st.builds(lambda r: {"law": "exponential", "rate": r}, rates),
    st.builds(lambda v: {"law": "deterministic", "value": v}, durations),
    uniform(),
    st.builds(
        lambda m, k: {"law": "erlang", "mean": m, "k": k}, durations, st.integers(1, 50)
    ),
    st.builds(lambda m, c: {"law": "gamma", "mean": m, "cv": c}, durations, cvs),
    st.builds(lambda m, c: {"law": "lognormal", "mean": m, "cv": c}, durations, cvs),
    st.builds(
        lambda m, c: {"law": "hyperexponential", "mean": m, "cv": c},
        durations,
        st.floats(min_value=1.0, max_value=20.0),
    ),
    st.builds(
        lambda k, m: {"law": "weibull", "shape": k, "mean": m},
        st.floats(min_value=0.1, max_value=20.0),
        durations,
    ),
    bounded_pareto(),
    st.builds(
        lambda xs: {"law": "empirical", "samples": xs},
        st.lists(st.floats(min_value=0.0, max_value=3600.0), min_size=1, max_size=50),
    ),
)

counts = st.one_of(
    st.builds(lambda n: {"law": "fixed", "value": n}, st.integers(1, 10_000)),
    st.builds(lambda m: {"law": "poisson", "mean": m}, st.floats(1e-3, 1e4)),
    st.builds(lambda m: {"law": "geometric", "mean": m}, st.floats(1.0, 1e4)),
    st.builds(
        lambda lo, width: {"law": "uniform", "low": lo, "high": lo + width},
        st.integers(0, 1000),
        st.integers(0, 1000),
    ),
    st.builds(
        lambda vs, seed: {
            "law": "empirical",
            "values": vs,
            "weights": np.random.default_rng(seed).random(len(vs)).tolist(),
        },
        st.lists(st.integers(0, 100), min_size=1, max_size=20),
        SEEDS,
    ),
)

processes = st.one_of(
    st.builds(lambda r: {"process": "poisson", "rate": r}, rates),
    st.builds(lambda r: {"process": "deterministic", "rate": r}, rates),
    st.builds(
        lambda law: {"process": "renewal", "interarrival": law},
        laws.filter(lambda spec: LAW.validate_python(spec).mean > 0),
    ),
    st.builds(
        lambda r1, r2, m1, m2: {
            "process": "mmpp",
            "rates": [r1, r2],
            "mean_durations": [m1, m2],
        },
        modulated_rates,
        st.one_of(st.just(0.0), modulated_rates),
        sojourns,
        sojourns,
    ),
    st.builds(
        lambda r, on, off: {"process": "onoff", "rate": r, "on": on, "off": off},
        modulated_rates,
        sojourns,
        sojourns,
    ),
    st.builds(
        lambda rs, interval, repeat: {
            "process": "profile",
            "rates": [*rs, 1.0],
            "interval": interval,
            "repeat": repeat,
        },
        st.lists(st.one_of(st.just(0.0), modulated_rates), min_size=0, max_size=30),
        sojourns,
        st.booleans(),
    ),
)


@EXAMPLES
@given(spec=laws, seed=SEEDS, size=st.integers(0, 2000))
def test_law_samples_are_finite_non_negative_and_reproducible(
    spec: dict[str, Any], seed: int, size: int
) -> None:
    law = LAW.validate_python(spec)
    first = law.sample(np.random.default_rng(seed), size)
    again = law.sample(np.random.default_rng(seed), size)
    assert first.dtype == np.float64 and first.shape == (size,)
    assert np.all(np.isfinite(first)) and np.all(first >= 0)
    assert np.array_equal(first, again)
    assert law.mean >= 0 and law.variance >= 0 and law.scv >= 0


@EXAMPLES
@given(spec=counts, seed=SEEDS, size=st.integers(0, 2000))
def test_count_samples_are_non_negative_whole_numbers_and_reproducible(
    spec: dict[str, Any], seed: int, size: int
) -> None:
    law = COUNT.validate_python(spec)
    first = law.sample(np.random.default_rng(seed), size)
    again = law.sample(np.random.default_rng(seed), size)
    assert first.dtype == np.int64 and first.shape == (size,)
    assert np.all(first >= 0)
    assert np.array_equal(first, again)


@EXAMPLES
@given(spec=processes, seed=SEEDS, block=st.integers(1, 600))
def test_streams_are_finite_ordered_and_reproducible(
    spec: dict[str, Any], seed: int, block: int
) -> None:
    process = PROCESS.validate_python(spec)
    first = list(islice(process.stream(np.random.default_rng(seed), block), 4))
    again = list(islice(process.stream(np.random.default_rng(seed), block), 4))
    assert len(first) == len(again) and all(
        np.array_equal(a, b) for a, b in zip(first, again, strict=True)
    )
    # a profile that does not repeat may end early, or send nothing at all
    times = np.concatenate([np.empty(0), *first])
    assert all(b.size == block for b in first[:-1])
    assert np.all(np.isfinite(times)) and np.all(times >= 0)
    assert np.all(np.diff(times) >= 0)
    assert process.rate > 0
