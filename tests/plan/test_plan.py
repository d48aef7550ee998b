"""plan(): the count Erlang C gives, confirmed by simulation; loads; too close to call."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from pushsim import load_scenario
from pushsim.plan import plan
from pushsim.scenario import parse_slo
from pushsim.theory import mmc, required_servers
from tests.conftest import CHECK_LEVEL, station

from .fakes import WaitEngine

SERVICE = 0.01  # seconds, exponential: mu = 100/s


def _small(rate: float, **options: object) -> object:
    """An M/M/c scenario short enough for a test: 20k messages, 4 replications."""
    return load_scenario(
        station(rate, SERVICE, 1, messages=20_000, replications=4, **options)
    )


def _erlang_c_count(rate: float, slo: str) -> int:
    objective = parse_slo(slo)
    if objective.metric == "wait_mean":
        found = required_servers(
            arrival_rate=rate, service_rate=1 / SERVICE, mean_wait=objective.limit
        )
    else:
        assert objective.percentile is not None
        found = required_servers(
            arrival_rate=rate,
            service_rate=1 / SERVICE,
            sojourn_within=objective.limit,
            probability=objective.percentile / 100,
        )
    return found.servers


def _exact(rate: float, servers: int, slo: str) -> float:
    if servers <= rate * SERVICE:
        return math.inf
    station_ = mmc(arrival_rate=rate, service_rate=1 / SERVICE, servers=servers)
    objective = parse_slo(slo)
    if objective.metric == "wait_mean":
        return station_.mean_wait
    assert objective.percentile is not None
    return station_.sojourn_quantile(objective.percentile / 100)


# Loads and limits where the limit is at least 1.3 times the exact figure at
# the Erlang C count c and at most 1/1.3 of it at c - 1 (checked below), so
# that the simulation's 95 % intervals, about +-15 % here, decide both.
CASES = [
    (250.0, "wait_mean <= 5ms"),
    (720.0, "wait_mean <= 5ms"),
    (150.0, "p99 <= 70ms"),
    (550.0, "p99 <= 70ms"),
]


@pytest.mark.parametrize(("rate", "slo"), CASES)
def test_the_count_is_erlang_c_s_and_the_simulation_confirms_it(
    rate: float, slo: str
) -> None:
    expected = _erlang_c_count(rate, slo)
    limit = parse_slo(slo).limit
    assert limit >= 1.3 * _exact(rate, expected, slo), "case too close for the test"
    assert _exact(rate, expected - 1, slo) >= 1.3 * limit, "case too close for the test"

    planned = plan(_small(rate), slo=slo, headroom=False)

    assert planned.value == expected
    assert planned.theory_value == expected and "Erlang C" in planned.theory_model
    assert planned.at_plan.verdict == "pass"  # the whole interval meets the limit
    assert planned.next_unstable or planned.next_point is not None
    if planned.next_point is not None:
        assert planned.next_point.verdict != "pass"


def test_the_summary_is_tidy_and_marks_the_plan() -> None:
    planned = plan(
        _small(250.0),
        slo=["wait_mean <= 5ms", "p99 <= 100ms"],
        headroom=False,
        cost=0.25,
    )
    frame = planned.summary
    assert {"value", "source", "slo", "mean", "ci_low", "ci_high", "verdict"} <= set(
        frame
    )
    chosen = frame[frame.chosen & (frame.source == "simulation")]
    assert sorted(chosen.slo) == ["p99 <= 100ms", "wait_mean <= 5ms"]
    assert set(chosen.value) == {planned.value}
    assert planned.cost_per_hour == pytest.approx(0.25 * planned.value)
    assert planned.utilisation.node.tolist() == ["q"]
    facts = dict(planned.answer())
    assert facts["consumers needed"] == str(planned.value)
    assert "per hour" in facts["cost"]
    assert "<table>" in planned._repr_html_()


def _agrees_with_theory(
    planned: object, rate: float, count: int | None, slo: str
) -> None:
    """No simulated verdict contradicts the exact one; too close to call may stand.

    At CHECK_LEVEL confidence a verdict contradicts the truth with
    probability at most 1 - CHECK_LEVEL per point.
    """
    frame = planned.summary  # type: ignore[attr-defined]
    limit = parse_slo(slo).limit
    for row in frame[frame.source == "simulation"].itertuples():
        varies_load = planned.varies_load  # type: ignore[attr-defined]
        servers = count if varies_load else int(row.value)
        exact = _exact(rate * row.rate_factor, servers, slo)
        truth = "pass" if exact <= limit else "fail"
        assert row.verdict in (truth, "inconclusive"), (row, exact)


def test_the_highest_load_agrees_with_theory_s() -> None:
    # The exact boundary (Erlang C) is at least the highest factor confirmed,
    # and past the first factor that fails.
    scenario = load_scenario(
        station(500.0, SERVICE, 7, messages=20_000, replications=4)
    )
    slo = "wait_mean <= 5ms"
    planned = plan(
        scenario, slo=slo, vary="load", confidence=CHECK_LEVEL, tolerance=0.04
    )
    boundary = _boundary(lambda f: _exact(500.0 * f, 7, slo) <= 0.005)
    assert planned.theory_value == pytest.approx(boundary, rel=1e-3)
    _agrees_with_theory(planned, 500.0, 7, slo)
    assert planned.headroom.above is not None
    assert planned.value <= boundary
    assert planned.headroom.above / planned.value - 1 <= 0.04


def _boundary(holds: object) -> float:
    low, high = 0.01, 1.99  # 7 consumers of 100/s saturate at factor 1.4
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if holds(middle) else (low, middle)  # type: ignore[operator]
    return low


def test_headroom_at_the_plan_agrees_with_theory_s() -> None:
    scenario = load_scenario(
        station(250.0, SERVICE, 1, messages=20_000, replications=4)
    )
    slo = "wait_mean <= 5ms"
    planned = plan(scenario, slo=slo, confidence=CHECK_LEVEL, tolerance=0.04)
    count = int(planned.value)
    boundary = _boundary(lambda f: _exact(250.0 * f, count, slo) <= 0.005)
    room = planned.headroom
    assert room.theory == pytest.approx(boundary, rel=1e-3)
    assert room.simulated is not None and room.above is not None
    assert room.simulated <= boundary
    _agrees_with_theory(planned, 250.0, count, slo)
    assert "headroom" in dict(planned.answer())


# -- too close to call, on a fake engine whose waits are set exactly ------------

OFFSETS = (0.5, -0.5)  # replication r waits 1.2 s + OFFSETS[r % 2] at 4 consumers


def _fake_wait(count: int, replication: int) -> float:
    if count <= 3:
        return 2.0
    if count == 4:
        return 1.2 + OFFSETS[replication % 2]
    return 0.5


def _fake_scenario() -> object:
    return load_scenario(station(1.0, 0.5, 1, messages=400, replications=4))


def _needed(values: list[float], limit: float, level: float = 0.95) -> int:
    """The rule by a scan: the fewest n with t(n-1) s / sqrt(n) below the distance."""
    mean = sum(values) / len(values)
    spread = stats.tstd(values)
    return next(
        n
        for n in range(len(values) + 1, 10**6)
        if stats.t.ppf(0.5 + level / 2, n - 1) * spread / math.sqrt(n)
        < abs(mean - limit)
    )


def test_a_borderline_count_is_too_close_to_call_with_the_replications_to_decide() -> (
    None
):
    engine = WaitEngine(_fake_wait)
    planned = plan(
        _fake_scenario(), slo="wait_mean <= 1s", engine=engine, headroom=False
    )
    assert planned.value == 5
    assert not planned.decided
    assert (
        planned.next_point is not None and planned.next_point.verdict == "inconclusive"
    )
    waits = [_fake_wait(4, r) for r in range(4)]
    needed = _needed(waits, 1.0)
    assert planned.next_point.replications_to_decide() == needed
    close = planned.too_close
    assert close.value.tolist() == [4] and close.replications_needed.tolist() == [
        needed
    ]
    assert (
        f"too close to call with 4 replications; about {needed} replications"
        in dict(planned.answer())["one fewer"]
    )


def test_a_close_point_is_run_again_with_the_replications_named() -> None:
    engine = WaitEngine(_fake_wait)
    waits = [_fake_wait(4, r) for r in range(4)]
    needed = _needed(waits, 1.0)
    planned = plan(
        _fake_scenario(),
        slo="wait_mean <= 1s",
        engine=engine,
        headroom=False,
        max_replications=2 * needed,
    )
    assert planned.value == 5 and planned.decided
    assert planned.next_point is not None and planned.next_point.verdict == "fail"
    assert planned.next_point.replications >= needed
    # The replications already made were kept: each ran once.
    runs_at_4 = [r for c, r in engine.calls if c == 4]
    assert sorted(runs_at_4) == list(range(len(runs_at_4)))


def test_by_default_a_close_point_gets_up_to_four_times_the_replications() -> None:
    # 4 replications per point allow 16: fewer than the rule names here, so
    # the point stays too close to call after its first 4 runs.
    needed = _needed([_fake_wait(4, r) for r in range(4)], 1.0)
    assert needed > 16, "case too close for the test"
    engine = WaitEngine(_fake_wait)
    planned = plan(
        _fake_scenario(), slo="wait_mean <= 1s", engine=engine, headroom=False
    )
    assert not planned.decided
    assert sorted(r for c, r in engine.calls if c == 4) == [0, 1, 2, 3]
    # 10 replications per point allow 40, enough to decide it.
    more = _needed([_fake_wait(4, r) for r in range(10)], 1.0)
    assert 10 < more <= 40, "case too close for the test"
    engine = WaitEngine(_fake_wait)
    planned = plan(
        _fake_scenario(),
        slo="wait_mean <= 1s",
        engine=engine,
        headroom=False,
        replications=10,
    )
    assert planned.value == 5 and planned.decided
    assert planned.next_point is not None and planned.next_point.verdict == "fail"
    assert len([r for c, r in engine.calls if c == 4]) >= more


def _drifting_wait(count: int, replication: int) -> float:
    # At 4 consumers the waits scatter around 1.12 s, near the 1 s limit, so
    # the replications the rule names move as more are run.
    if count != 4:
        return _fake_wait(count, replication)
    return 1.12 + float(np.random.default_rng(replication).normal(0.0, 0.35))


def test_a_close_point_is_run_again_until_decided_or_past_the_budget() -> None:
    engine = WaitEngine(_drifting_wait)
    said: list[str] = []
    planned = plan(
        _fake_scenario(),
        slo="wait_mean <= 1s",
        engine=engine,
        headroom=False,
        max_replications=200,
        progress=said.append,
    )
    runs = sorted(r for c, r in engine.calls if c == 4)
    assert runs == list(range(len(runs)))  # each replication ran once
    point = planned.next_point
    assert point is not None and point.replications == len(runs)
    if point.verdict == "inconclusive":
        needed = point.replications_to_decide()
        assert needed is None or needed > 200
    # the rounds it took at 4 consumers, each with more replications
    rounds = [int(line.split(": ")[1].split()[0]) for line in said if "= 4 " in line]
    assert rounds == sorted(set(rounds)) and rounds[-1] == point.replications
    assert len(rounds) > 3, rounds
