"""The live engine on a virtual clock: exact counts and times, and the simulator's runs.

Every case here is deterministic (evenly spaced arrivals, fixed service
times, fixed patience) and avoids two events on one instant, so the times
are worked out by hand in each test; and every run must be the simulator's
run, visit for visit.
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import pushsim
from pushsim.engines.base import Outcome, Run
from pushsim.engines.des import DesEngine
from pushsim.engines.live import LiveEngine
from pushsim.live import run_live, with_duration
from pushsim.measures import conservation
from pushsim.scenario import Warmup
from pushsim.simulate import with_overrides
from tests.conftest import SCENARIOS
from tests.engine.live.builders import line

ROOT = Path(__file__).resolve().parents[3]


def live_run(scenario: Any, **options: Any) -> Run:
    return LiveEngine(clock="virtual", **options).run(
        pushsim.load_scenario(scenario), 0
    )


def assert_same_runs(a: Run, b: Run) -> None:
    assert a.horizon == b.horizon
    assert (a.published, a.deliveries) == (b.published, b.deliveries)
    for name in b.columns:
        assert np.array_equal(a.columns[name], b.columns[name], equal_nan=True), name


def by_message(run: Run) -> dict[int, dict[str, float]]:
    c = run.columns
    return {
        int(m): {k: float(c[k][i]) for k in c if k != "message"}
        for i, m in enumerate(c["message"])
    }


def test_dd1_counts_and_times_are_exact() -> None:
    # Arrivals at 1, 2, ..., 10 s, each served in 0.5 s; at 10.25 s nine are
    # done and the tenth is in service since 10 s.
    scenario = line()
    run = live_run(scenario)
    counts = conservation(run)
    assert (counts["arrived"], counts["completed"], counts["in_system"]) == (10, 9, 1)
    c = run.columns
    done = c["outcome"] == Outcome.COMPLETED
    assert np.array_equal(c["created_at"][done], np.arange(1.0, 10.0))
    assert np.all(c["finished_at"][done] - c["started_at"][done] == 0.5)
    assert np.all(c["started_at"][done] == c["created_at"][done])
    last = by_message(run)[9]
    assert (last["started_at"], last["outcome"]) == (10.0, Outcome.IN_SYSTEM)
    assert run.horizon == 10.25
    assert run.diagnostics["timer_lateness_max"] == 0.0
    assert_same_runs(run, DesEngine().run(pushsim.load_scenario(scenario), 0))


def test_a_bounded_queue_drops_the_newest() -> None:
    # Arrival k at k + 1 s, service 2.4 s, one place to wait. Served 0, 1, 3
    # (done 3.4, 5.8, 8.2); 5 is in service and 8 waits at 10.25 s; the rest
    # found the one place taken.
    scenario = line(service="2.4s", capacity=1)
    run = live_run(scenario)
    visits = by_message(run)
    dropped = [m for m, v in visits.items() if v["outcome"] == Outcome.DROPPED]
    assert dropped == [2, 4, 6, 7, 9]
    assert all(visits[m]["finished_at"] == visits[m]["created_at"] for m in dropped)
    done = {m: v["finished_at"] for m, v in visits.items() if v["outcome"] == 0}
    assert done == pytest.approx({0: 3.4, 1: 5.8, 3: 8.2}, abs=1e-12)
    assert visits[5]["started_at"] == pytest.approx(8.2, abs=1e-12)
    assert math.isnan(visits[8]["started_at"])
    assert conservation(run)["in_system"] == 2
    assert_same_runs(run, DesEngine().run(pushsim.load_scenario(scenario), 0))


def test_a_bounded_queue_drops_the_oldest() -> None:
    # As above, but a newcomer pushes out the one waiting: 1, 3, 5, 6, 8 go.
    scenario = line(service="2.4s", capacity=1, overflow="drop_oldest")
    run = live_run(scenario)
    visits = by_message(run)
    dropped = {m: v["finished_at"] for m, v in visits.items() if v["outcome"] == 2}
    assert dropped == {1: 3.0, 3: 5.0, 5: 7.0, 6: 8.0, 8: 10.0}
    done = sorted(m for m, v in visits.items() if v["outcome"] == Outcome.COMPLETED)
    assert done == [0, 2, 4]
    assert_same_runs(run, DesEngine().run(pushsim.load_scenario(scenario), 0))


def test_waiting_messages_expire_at_their_deadline() -> None:
    # Service 2.4 s, patience 1.5 s once waiting. Messages 2, 3, 5 and 7 give
    # up at 4.5, 5.5, 7.5 and 9.5 s; 1, 4 and 6 start after waiting 1.4, 0.8
    # and 1.2 s.
    scenario = line(service="2.4s", ttl="1.5s")
    run = live_run(scenario)
    visits = by_message(run)
    expired = {m: v["finished_at"] for m, v in visits.items() if v["outcome"] == 3}
    assert expired == {2: 4.5, 3: 5.5, 5: 7.5, 7: 9.5}
    waited = {m: visits[m]["started_at"] - visits[m]["created_at"] for m in (1, 4, 6)}
    assert waited == pytest.approx({1: 1.4, 4: 0.8, 6: 1.2}, abs=1e-12)
    assert conservation(run)["in_system"] == 3  # 6 in service, 8 and 9 waiting
    assert_same_runs(run, DesEngine().run(pushsim.load_scenario(scenario), 0))


def test_a_full_blocking_queue_makes_the_producer_wait() -> None:
    # One place to wait, overflow block: message 2 (due at 3 s) waits until
    # 3.4 s, so the producer's later arrivals move back by 0.4 s, then by 1.4 s
    # more each time: 4.4, 6.8, 9.2 s.
    scenario = line(service="2.4s", capacity=1, overflow="block")
    run = live_run(scenario)
    c = run.columns
    created = dict(zip(c["message"].tolist(), c["created_at"].tolist(), strict=True))
    assert created == pytest.approx(
        {0: 1.0, 1: 2.0, 2: 3.0, 3: 4.4, 4: 6.8, 5: 9.2}, abs=1e-12
    )
    enqueued = {m: v["enqueued_at"] for m, v in by_message(run).items()}
    assert enqueued[2] == pytest.approx(3.4, abs=1e-12)
    assert math.isnan(enqueued[5])  # still blocked on the way in at the end
    counts = conservation(run)
    assert (counts["arrived"], counts["completed"], counts["in_system"]) == (6, 3, 3)
    assert_same_runs(run, DesEngine().run(pushsim.load_scenario(scenario), 0))


def test_a_count_of_messages_stops_at_the_last_arrival() -> None:
    run = live_run(line(length={"messages": 10}))
    assert run.horizon == 10.0
    assert conservation(run)["completed"] == 9


def test_speed_does_not_change_scenario_times() -> None:
    slow = live_run(line(service="2.4s", ttl="1.5s"))
    fast = live_run(line(service="2.4s", ttl="1.5s"), speed=60.0)
    for name in ("created_at", "started_at", "finished_at"):
        assert np.allclose(
            fast.columns[name], slow.columns[name], rtol=1e-12, equal_nan=True
        )
    assert np.array_equal(fast.columns["outcome"], slow.columns["outcome"])


def short(path: Path, deliveries: int = 1500) -> pushsim.Scenario:
    """A shipped scenario cut to about ``deliveries`` arrivals, one replication."""
    model = with_overrides(pushsim.load_scenario(path), replications=1)
    no_warmup = model.experiment.model_copy(update={"warmup": Warmup.model_validate(0)})
    model = model.model_copy(update={"experiment": no_warmup})
    rate = sum(p.arrivals.rate for p in model.producers.values())
    return with_duration(model, deliveries / rate)


@pytest.mark.parametrize(
    "path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: Path(p).stem
)
def test_every_example_runs_as_the_simulator_does(path: Path) -> None:
    model = short(path)
    live = LiveEngine(clock="virtual").run(model, 0)
    assert_same_runs(live, DesEngine().run(model, 0))
    counts = conservation(live)
    assert counts["accounted"] == counts["arrived"] and counts["duplicates"] == 0


def test_a_finite_trace_ends_when_the_system_drains() -> None:
    scenario = {
        "producers": {
            "replay": {
                "arrivals": {
                    "process": "trace",
                    "file": str(ROOT / "tests/data/good/arrivals.csv"),
                    "column": "t",
                },
                "to": "q",
            }
        },
        "queues": {"q": {"consumers": {"count": 1, "service": "300ms"}}},
        "experiment": {"messages": 100, "warmup": 0, "replications": 1},
    }
    engine = LiveEngine(clock="virtual")
    model = pushsim.load_scenario(scenario)
    run = engine.run(model, 0)
    assert conservation(run)["completed"] == run.deliveries == 5
    assert run.horizon == float(np.nanmax(run.columns["finished_at"]))
    assert not run.partial and engine.notes == []
    assert_same_runs(run, DesEngine().run(model, 0))


def test_blocking_queues_that_wait_on_each_other_end_as_stalled() -> None:
    # Each consumer holds a finished message for the other's full queue.
    both = {"capacity": 1, "overflow": "block"}
    scenario = {
        "seed": 3,
        "producers": {
            "src": {"arrivals": {"process": "poisson", "rate": 50}, "to": "a"}
        },
        "queues": {
            "a": {**both, "consumers": {"count": 1, "service": "1s", "then": "b"}},
            "b": {
                **both,
                "consumers": {
                    "count": 1,
                    "service": "1s",
                    "then": {"a": 0.95, "exit": 0.05},
                },
            },
        },
        "experiment": {"messages": 1000, "warmup": 0, "replications": 1},
    }
    engine = LiveEngine(clock="virtual")
    model = pushsim.load_scenario(scenario)
    run = engine.run(model, 0)
    assert any("stalled" in note for note in engine.notes)
    counts = conservation(run)
    assert counts["accounted"] == counts["arrived"] and counts["in_system"] > 0
    assert_same_runs(run, DesEngine().run(model, 0))


@pytest.mark.filterwarnings("ignore:10.0% of the deliveries")
@pytest.mark.filterwarnings("ignore:no interval for")  # a few messages, one run
def test_run_live_gives_a_result_with_the_engine_rows() -> None:
    result = run_live(line(), clock="virtual")
    assert result.engine == "live" and not result.partial
    engine = result.summary[result.summary.node == "engine"]
    assert set(engine.metric) >= {"timer_lateness_p99", "loop_lag_p99", "speed"}
    assert result.interval("engine", "timer_lateness_max").mean == 0.0
    assert result.interval("q", "sojourn_mean").mean == 0.5
    assert list(result.overhead.replication) == [0]
    assert result.to_dict()["overhead"][0]["speed"] == 1.0
    with pytest.raises(KeyError, match="no metric 'nonsense' for node 'engine'"):
        result.interval("engine", "nonsense")


def test_run_works_where_an_event_loop_already_runs() -> None:
    # As in a notebook: the engine runs its own loop in a thread beside it.
    model = pushsim.load_scenario(line())

    async def inside() -> Run:
        return LiveEngine(clock="virtual").run(model, 0)

    assert_same_runs(asyncio.run(inside()), live_run(line()))
