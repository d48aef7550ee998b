"""plan_day: the MOL plan against the naive one, the day simulation, the offered load."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

from pushsim import load_scenario
from pushsim.engines.des import DesEngine
from pushsim.errors import PushsimError
from pushsim.plan import plan_day
from pushsim.plan._dayrun import run_day
from pushsim.plan._offered import RateProfile, offered
from pushsim.theory import mmc_abandonment
from tests.conftest import CHECK_LEVEL, SCENARIOS, station

STAFFING = SCENARIOS / "staffing.yaml"


def _peak(day: Any) -> int:
    return int(np.argmax(day.schedule.arrival_rate.to_numpy()))


def test_mol_staffs_more_just_after_a_sharp_peak_and_less_in_the_rise() -> None:
    # Theory (Jennings et al. 1996): the offered load m(t) lags the rate by
    # about a service time, so right after the peak it is still near the
    # peak's load while the rate has fallen, and during a steep rise it is
    # below the interval's own load.
    day = plan_day(STAFFING, check=False)
    frame = day.schedule
    peak = _peak(day)
    after, rise = frame.iloc[peak + 1], frame.iloc[peak]
    assert after.mol_load > after.offered_load
    assert after.mol > after.naive
    assert rise.mol_load < rise.offered_load
    assert rise.mol <= rise.naive
    assert day.consumer_hours("mol") > day.consumer_hours("naive")


def test_the_simulated_day_finds_the_naive_plan_short_just_after_the_peak() -> None:
    day = plan_day(STAFFING, replications=10, confidence=CHECK_LEVEL)
    assert day.check is not None
    after = _peak(day) + 1
    rows = day.check[(day.check.interval == after) & (day.check.slo != "")]
    naive = rows[rows.schedule == "naive"].iloc[0]
    mol = rows[rows.schedule == "mol"].iloc[0]
    # Two independent sets of days: the difference of the means over its
    # standard error, against the Student t quantile at CHECK_LEVEL.
    se = [
        (r.ci_high - r.ci_low) / (2 * stats.t.ppf(0.5 + CHECK_LEVEL / 2, 9))
        for r in (naive, mol)
    ]
    z = (naive["mean"] - mol["mean"]) / math.hypot(*se)
    assert z > stats.t.ppf(0.5 + CHECK_LEVEL / 2, 9), (naive, mol)
    assert naive.verdict != "pass" and mol.verdict != "fail"
    facts = dict(day.answer())
    assert "check of the mol plan" in facts and "check of the naive plan" in facts


def _one_day(**queue: Any) -> Any:
    data = station(900.0, 0.01, 10, replications=2, **queue)
    data["experiment"] = {"duration": "60s", "warmup": 0, "replications": 2}
    return load_scenario(data)


def test_a_constant_schedule_reproduces_the_engine() -> None:
    scenario = _one_day()
    for replication in (0, 1):
        columns = DesEngine().run(scenario, replication).columns
        day = run_day(scenario, "q", np.array([10]), 60.0, 60.0, replication)
        assert np.array_equal(columns["enqueued_at"], day.arrived_at)
        # The engine stops at the horizon; the day run drains what is left.
        started = ~np.isnan(columns["started_at"])
        assert started.mean() > 0.99
        assert np.array_equal(columns["started_at"][started], day.started_at[started])


def test_with_patience_the_day_run_matches_erlang_a() -> None:
    # 9 erlangs on 9 consumers with patience of mean 20 ms: abandonment
    # against Erlang A, tolerance from the standard error over replications.
    data = station(900.0, 0.01, 9, ttl={"law": "exponential", "mean": 0.02})
    scenario = load_scenario(data)
    expired = []
    for replication in range(8):
        run = run_day(scenario, "q", np.array([9]), 60.0, 60.0, replication)
        measured = run.arrived_at >= 5.0  # after a warm-up of 5 s
        expired.append(float(run.expired[measured].mean()))
    exact = mmc_abandonment(
        arrival_rate=900.0, service_rate=100.0, servers=9, patience_mean=0.02
    ).abandonment_probability
    se = np.std(expired, ddof=1) / math.sqrt(len(expired))
    allowed = stats.t.ppf(0.5 + CHECK_LEVEL / 2, len(expired) - 1) * se
    assert abs(np.mean(expired) - exact) <= allowed, (np.mean(expired), exact, se)


def _deterministic(counts: list[int]) -> Any:
    scenario = load_scenario(
        {
            "producers": {
                "src": {"arrivals": {"process": "deterministic", "rate": 1}, "to": "q"}
            },
            "queues": {"q": {"consumers": {"count": counts[0], "service": "5s"}}},
            "experiment": {"duration": "20s", "warmup": 0},
        }
    )
    return run_day(scenario, "q", np.array(counts), 10.0, 20.0, 0)


def test_consumers_added_at_a_boundary_start_at_once() -> None:
    # Arrivals at 1, 2, 3, ... s; 5 s each; one consumer, three from 10 s.
    # The messages of 3 s and 4 s wait for the boundary, the one of 5 s for the
    # first consumer to finish (at 11 s), and so on.
    run = _deterministic([1, 3])
    assert run.started_at[:9].tolist() == [1, 6, 10, 10, 11, 15, 15, 16, 20]


def test_consumers_removed_at_a_boundary_finish_their_message_first() -> None:
    # Three consumers, one from 10 s: the two that finish first after 10 s (at
    # 11 s and 12 s) leave, so the message of 7 s waits for the one free at 13 s.
    run = _deterministic([3, 1])
    assert run.started_at[:9].tolist() == [1, 2, 3, 6, 7, 8, 13, 18, 23]


def test_the_offered_load_of_a_steady_rate_is_rate_times_the_mean() -> None:
    profile = RateProfile(np.full(6, 2.0), 10.0, True)
    times = np.linspace(0, 60, 13)
    assert np.allclose(offered(profile, 3.0, times), 6.0)
    draws = np.random.default_rng(1).exponential(3.0, 20_000)
    assert np.allclose(offered(profile, 3.0, times, sample=draws), 2.0 * draws.mean())


def test_the_exact_and_the_sampled_offered_load_agree() -> None:
    # The sampled m(t) is the mean of Lambda(t) - Lambda(t - S) over the
    # sample; its standard error comes from the same terms.
    profile = RateProfile(np.array([1.0, 1.0, 9.0, 2.0, 1.0, 1.0]), 10.0, True)
    draws = np.random.default_rng(2).exponential(6.0, 20_000)
    times = np.array([5.0, 20.0, 29.0, 31.0, 40.0, 59.0])
    exact = offered(profile, 6.0, times)
    sampled = offered(profile, 6.0, times, sample=draws)
    for t, a, b in zip(times, exact, sampled, strict=True):
        terms = profile.cumulative(np.array([t]))[0] - profile.cumulative(t - draws)
        se = terms.std(ddof=1) / math.sqrt(draws.size)
        assert abs(a - b) <= stats.norm.ppf(0.5 + CHECK_LEVEL / 2) * se, (t, a, b, se)


def _profiled(**queue: Any) -> dict[str, Any]:
    return {
        "producers": {
            "src": {
                "arrivals": {
                    "process": "profile",
                    "interval": "1h",
                    "rates": ["10/h", "60/h"],
                },
                "to": "q",
            }
        },
        "queues": {
            "q": {
                **queue,
                "consumers": {
                    "count": 2,
                    "service": {"law": "exponential", "mean": "5min"},
                },
            }
        },
        "experiment": {"duration": "2h", "warmup": 0, "slo": ["wait_mean <= 1min"]},
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"queues": {"q": {"discipline": "lifo"}}},
            "queues.q.discipline: must be fifo, got lifo",
        ),
        ({"queues": {"q": {"capacity": 5}}}, "queues.q.capacity: must be unset"),
        (
            {"producers": {"src": {"arrivals": {"process": "poisson", "rate": 1}}}},
            "rate follows a profile",
        ),
    ],
)
def test_what_the_day_plan_does_not_cover_is_refused(
    change: dict[str, Any], message: str
) -> None:
    data = _profiled()
    for section, nodes in change.items():
        for name, fields in nodes.items():
            data[section][name].update(fields)
    with pytest.raises(PushsimError, match=message):
        plan_day(data, check=False)


def test_bad_day_requests_are_refused() -> None:
    data = _profiled()
    with pytest.raises(PushsimError, match="the day check measures"):
        plan_day(data, slo="q.queue_length <= 3", check=False)
    with pytest.raises(PushsimError, match="replications must be a whole number >= 2"):
        plan_day(data, replications=1)
    with pytest.raises(PushsimError, match="no queue called 'nowhere'"):
        plan_day(data, slo="nowhere.p99 <= 1s", check=False)
