"""Consumer counts that follow a staffing schedule, in both engines.

The mechanics are checked exactly: a schedule that never changes gives the
fixed count's run bit for bit; hand-worked deterministic cases; and, on
random schedules with patience, the start of every message against an
independent FIFO recursion with a time-varying number of servers (the
k-th message in arrival order starts at the later of its arrival and the
moment a consumer is free for it). The measures are checked against theory
with tolerances from the standard error over replications.
"""

from __future__ import annotations

import heapq
import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

import pushsim
from pushsim.engines.base import Outcome, Run
from pushsim.engines.des import DesEngine
from pushsim.engines.live import LiveEngine
from pushsim.measures import prepare, window_metrics
from pushsim.scenario import load_scenario, with_values
from pushsim.theory import mmc, offered_load, predict
from tests.conftest import CHECK_LEVEL, station
from tests.engine.live.builders import line


def _schedule(
    counts: list[int], interval: float, repeat: bool = True
) -> dict[str, Any]:
    return {"profile": counts, "interval": interval, "repeat": repeat}


def _with_count(data: dict[str, Any], count: Any, queue: str = "q") -> Any:
    return with_values(load_scenario(data), {f"queues.{queue}.consumers.count": count})


def _same(a: Run, b: Run) -> None:
    assert a.horizon == b.horizon
    for name in a.columns:
        assert np.array_equal(a.columns[name], b.columns[name], equal_nan=True), name


@pytest.mark.parametrize(
    "queue",
    [
        {},
        {"ttl": {"law": "exponential", "mean": 0.01}},
        {"capacity": 3, "overflow": "drop_oldest"},
        {"discipline": "lifo"},
    ],
    ids=["fifo", "ttl", "drop-oldest", "lifo"],
)
def test_a_schedule_that_never_changes_is_the_fixed_count_bit_for_bit(
    queue: dict[str, Any],
) -> None:
    data = station(850.0, 0.01, 9, messages=5_000, **queue)
    fixed = _with_count(data, 9)
    flat = _with_count(data, _schedule([9, 9, 9], 0.5))
    held = _with_count(data, _schedule([9], 0.2, repeat=False))
    for replication in (0, 1):
        run = DesEngine().run(fixed, replication)
        _same(run, DesEngine().run(flat, replication))
        _same(run, DesEngine().run(held, replication))


def _deterministic(counts: list[int]) -> np.ndarray:
    # Arrivals at 1, 2, 3, ... s, served in 5 s each, the count changing at 10 s.
    data = line(rate=1.0, service="5s", length={"duration": 40})
    scenario = _with_count(data, _schedule(counts, 10.0, repeat=False))
    run = DesEngine().run(scenario, 0)
    order = np.argsort(run.columns["message"])
    return run.columns["started_at"][order][:9]


def test_consumers_added_at_a_boundary_start_at_once() -> None:
    # One consumer, three from 10 s: the messages of 3 s and 4 s wait for the
    # boundary, the one of 5 s for the first consumer to finish (at 11 s).
    assert _deterministic([1, 3]).tolist() == [1, 6, 10, 10, 11, 15, 15, 16, 20]


def test_consumers_removed_at_a_boundary_finish_their_message_first() -> None:
    # Three consumers, one from 10 s: the two that finish first after 10 s (at
    # 11 s and 12 s) leave, so the message of 7 s waits for the one free at 13 s.
    assert _deterministic([3, 1]).tolist() == [1, 2, 3, 6, 7, 8, 13, 18, 23]


def _reference_starts(
    arrivals: np.ndarray,
    services: np.ndarray,
    deadlines: np.ndarray,
    counts: list[int],
    interval: float,
    horizon: float,
) -> np.ndarray:
    """FIFO with a time-varying number of servers, message by message.

    A heap holds the instant each consumer is next free; a change adds
    consumers free from the boundary, or removes the first ones to become
    free (idle ones at once, else the first to finish). A message still
    waiting at its deadline expires and takes no consumer.
    """
    steps = math.ceil(horizon / interval) + 1
    schedule = [counts[i % len(counts)] for i in range(steps)]
    changes = [
        (i * interval, schedule[i] - schedule[i - 1])
        for i in range(1, steps)
        if schedule[i] != schedule[i - 1]
    ]
    free = [0.0] * schedule[0]
    heapq.heapify(free)
    starts = np.full(arrivals.size, math.nan)
    j = 0
    for n, arrival in enumerate(arrivals):
        start = max(arrival, free[0]) if free else math.inf
        while j < len(changes) and changes[j][0] <= start:
            at, by = changes[j]
            j += 1
            for _ in range(max(by, 0)):
                heapq.heappush(free, at)
            for _ in range(max(-by, 0)):
                heapq.heappop(free)
            start = max(arrival, free[0]) if free else math.inf
        if start >= horizon or (start > arrival and start >= deadlines[n]):
            continue
        starts[n] = start
        heapq.heapreplace(free, start + services[n])
    return starts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_start_is_that_of_the_fifo_recursion(seed: int) -> None:
    rng = np.random.default_rng(seed)
    counts = [int(c) for c in rng.integers(0, 12, size=7)]
    counts[0] = max(counts[0], 1)
    data = station(700.0, 0.01, 1, seed=seed, ttl={"law": "exponential", "mean": 0.05})
    data["experiment"] = {"duration": 3.0, "warmup": 0, "replications": 1}
    scenario = _with_count(data, _schedule(counts, 0.2))
    run = DesEngine().run(scenario, 0)
    c = run.columns
    order = np.argsort(c["enqueued_at"], kind="stable")
    arrivals = c["enqueued_at"][order]
    started = c["started_at"][order]
    outcome = c["outcome"][order]
    # Each message's own service and patience, read back from its record.
    services = (c["finished_at"] - c["started_at"])[order]
    served = ~np.isnan(services)
    expired = outcome == Outcome.EXPIRED
    deadlines = np.where(expired, c["finished_at"][order], math.inf)
    # Messages never started drew a service the record does not show; any
    # value will do, as they take no consumer in the horizon.
    services = np.where(served, services, 1.0)
    expected = _reference_starts(arrivals, services, deadlines, counts, 0.2, 3.0)
    assert np.count_nonzero(expired) > 10 and np.count_nonzero(served) > 1000
    assert np.allclose(started, expected, rtol=0, atol=1e-9, equal_nan=True)


def test_messages_wait_while_nobody_is_on_duty(tmp_path: Any) -> None:
    trace = tmp_path / "arrivals.csv"
    trace.write_text("t\n0.1\n0.2\n0.3\n5.0\n")
    data = line(service="500ms", length={"messages": 100})
    data["producers"]["src"]["arrivals"] = {
        "process": "trace",
        "file": str(trace),
        "column": "t",
    }
    # Nobody in [0, 1), one in [1, 2), nobody in [2, 3), two in [3, 4), again.
    scenario = _with_count(data, _schedule([0, 1, 0, 2], 1.0))
    for run in (
        DesEngine().run(scenario, 0),
        LiveEngine(clock="virtual").run(scenario, 0),
    ):
        order = np.argsort(run.columns["message"])
        assert run.columns["started_at"][order].tolist() == [1.0, 1.5, 3.0, 5.0]
        assert (run.columns["outcome"] == Outcome.COMPLETED).all()


def _day() -> dict[str, Any]:
    data = station(700.0, 0.01, 1, replications=1)
    data["queues"]["q"]["ttl"] = {"law": "exponential", "mean": 0.05}
    data["queues"]["next"] = {
        "consumers": {"count": 2, "service": {"law": "exponential", "mean": 0.004}}
    }
    data["queues"]["q"]["consumers"]["then"] = {"next": 0.3, "exit": 0.7}
    data["experiment"] = {"duration": 4.0, "warmup": 0, "replications": 1}
    return data


def test_the_live_engine_follows_a_schedule_as_the_simulator_does() -> None:
    scenario = with_values(
        load_scenario(_day()),
        {
            "queues.q.consumers.count": _schedule([9, 3, 0, 12, 6], 0.3),
            "queues.next.consumers.count": _schedule([1, 3], 0.45),
        },
    )
    for replication in (0, 1):
        simulated = DesEngine().run(scenario, replication)
        live = LiveEngine(clock="virtual").run(scenario, replication)
        _same(simulated, live)


def _window_means(run: Run, scenario: Any, windows: list[tuple[float, float]]) -> float:
    prepared = prepare(run, scenario, [])
    return float(
        np.mean(
            [window_metrics(prepared, a, b)[("q", "wait_mean")] for a, b in windows]
        )
    )


def test_each_interval_waits_as_its_own_erlang_c() -> None:
    # 7 erlangs served by 8 consumers for 20 s, then by 12 for 20 s, and so on.
    # The first 3 s after each change are left out: M/M/8 at load 0.875
    # relaxes at about c mu (1 - sqrt(rho))^2 = 3.4/s, so 3 s is ten of its
    # time constants and what is left of the change is below 1e-4 of the
    # wait. The mean over replications of the windows' mean wait is compared
    # with Erlang C at the CHECK_LEVEL interval of its standard error.
    data = station(700.0, 0.01, 1, replications=6, seed=5)
    data["experiment"] = {"duration": 160.0, "warmup": 0, "replications": 6}
    scenario = _with_count(data, _schedule([8, 12], 20.0))
    result = pushsim.simulate(scenario)
    for offset, servers in ((0.0, 8), (20.0, 12)):
        windows = [
            (offset + k * 40.0 + 3.0, offset + k * 40.0 + 20.0) for k in range(4)
        ]
        means = [_window_means(run, result.scenario, windows) for run in result.runs]
        exact = mmc(arrival_rate=700.0, service_rate=100.0, servers=servers).mean_wait
        se = np.std(means, ddof=1) / math.sqrt(len(means))
        allowed = stats.t.ppf(0.5 + CHECK_LEVEL / 2, len(means) - 1) * se
        assert abs(np.mean(means) - exact) <= allowed, (
            servers,
            np.mean(means),
            exact,
            se,
        )


def test_utilisation_divides_by_the_consumer_time_on_duty() -> None:
    # Over whole periods of the schedule the expected busy time is the work
    # offered, 6 erlangs, so utilisation is 6 over the mean count on duty,
    # (8 + 12 + 7) / 3 = 9; compared at the CHECK_LEVEL interval of the
    # standard error over replications.
    data = station(600.0, 0.01, 1, seed=3)
    data["experiment"] = {"duration": 30.0, "warmup": "3s", "replications": 8}
    scenario = _with_count(data, _schedule([8, 12, 7], 1.0))
    result = pushsim.simulate(scenario)
    row = result.summary.set_index(["node", "metric"]).loc[("q", "utilisation")]
    exact = 6.0 / 9.0
    half = (row.ci_high - row.ci_low) / 2
    se = half / stats.t.ppf(0.975, 7)
    assert abs(row["mean"] - exact) <= stats.t.ppf(0.5 + CHECK_LEVEL / 2, 7) * se


def test_a_single_replication_of_a_schedule_says_what_its_intervals_lack() -> None:
    # Nobody is on duty for the first 10 s of every 20: the batches that fall
    # there have no consumer time, so utilisation gets no batch-means
    # interval, and every interval of the run mixes the two halves.
    data = station(720.0, 0.01, 1, seed=3)
    data["experiment"] = {"duration": 200.0, "warmup": 0, "replications": 1}
    scenario = _with_count(data, _schedule([0, 16], 10.0))
    with pytest.warns(pushsim.PushsimWarning) as caught:
        result = pushsim.simulate(scenario)
        row = result.summary.set_index(["node", "metric"]).loc[("q", "utilisation")]
    said = [str(w.message) for w in caught]
    assert any(
        m.startswith("the consumer count of queue q follows a schedule, but batch")
        for m in said
    ), said
    assert any(m.startswith("no interval for q.utilisation") for m in said), said
    assert math.isnan(row.ci_low) and 0.8 < row["mean"] < 1.0
    assert result.notes == said


def test_a_single_replication_of_a_schedule_that_never_changes_warns_of_nothing() -> (
    None
):
    data = station(720.0, 0.01, 10, seed=3)
    data["experiment"] = {"duration": 60.0, "warmup": 0, "replications": 1}
    result = pushsim.simulate(_with_count(data, _schedule([10, 10, 10], 10.0)))
    assert not math.isnan(result.interval("q", "utilisation").low)
    assert result.notes == []


def test_several_replications_of_a_schedule_warn_of_nothing() -> None:
    data = station(720.0, 0.01, 1, seed=3)
    data["experiment"] = {"duration": 60.0, "warmup": 0, "replications": 3}
    result = pushsim.simulate(_with_count(data, _schedule([0, 16], 10.0)))
    assert not math.isnan(result.interval("q", "utilisation").low)
    assert result.notes == []


def test_theory_leaves_a_scheduled_queue_to_simulation() -> None:
    scenario = _with_count(station(600.0, 0.01, 1), _schedule([8, 12, 7], 1.0))
    node = predict(scenario).node("q")
    assert node.metrics is None
    assert "consumers.count: a count that follows a schedule" in " ".join(node.reasons)
    assert offered_load(scenario).load["q"] == pytest.approx(6.0 / 9.0)
    assert "up to 12 consumers" in scenario.summary_line()


@pytest.mark.parametrize(
    ("count", "message"),
    [
        ({"profile": [0, 0], "interval": "1h"}, "at least one count must be >= 1"),
        ({"profile": [2, -1], "interval": "1h"}, "profile[1]: must be >= 0, got -1"),
        ({"profile": [2, 3]}, "count.interval: required, but missing"),
        ({"profile": [2, 3], "interval": "0s"}, "interval: must be > 0"),
        ({"profile": [2], "interval": "1h", "repat": True}, "did you mean 'repeat'"),
        (
            {"profile": [2, 0], "interval": "1h", "repeat": False},
            "the last count stays",
        ),
        ([2, 3], "must be a whole number, or a schedule such as"),
        ({"profile": [1, 2], "interval": "1e-9s"}, "interval: must be at least 1ms"),
        (-3, "queues.q.consumers.count: must be >= 1, got -3"),
    ],
)
def test_a_bad_schedule_is_refused_with_its_place(count: Any, message: str) -> None:
    data = station(10.0, 0.01, 1)
    data["queues"]["q"]["consumers"]["count"] = count
    with pytest.raises(pushsim.ScenarioError) as caught:
        load_scenario(data)
    text = str(caught.value)
    assert "queues.q.consumers.count" in text and message in text, text


@pytest.mark.filterwarnings("ignore::pushsim.PushsimWarning")  # overloaded, on purpose
def test_a_utilisation_above_one_after_a_decrease_keeps_its_interval() -> None:
    # Ten consumers for a second, then one; a message every 0.1 s from 0.1 s,
    # each 5 s long. The nine that start in the first second are still busy
    # at 2 s: busy time sum(2 - 0.1 k, k = 1..9) = 13.5 s over 10 + 1
    # consumer-seconds on duty, 1.227: above 1, and no interval clips it.
    data = line(rate=10.0, service="5s", length={"duration": 2.0})
    data["experiment"]["replications"] = 2
    scenario = _with_count(data, _schedule([10, 1], 1.0, repeat=False))
    row = pushsim.simulate(scenario).summary.set_index(["node", "metric"])
    utilisation = row.loc[("q", "utilisation")]
    assert utilisation["mean"] == pytest.approx(13.5 / 11.0)
    assert utilisation.ci_low <= utilisation["mean"] <= utilisation.ci_high


def test_the_offered_load_counts_the_consumers_on_duty_over_the_run() -> None:
    # [2, 0, 4] by 10 minutes, then 4 held: over a 1 h run 3 on average
    # ((2 + 0 + 4) x 10 min + 4 x 30 min, over 60 min); with no duration,
    # the long run's 4. One a second of 1 s each is 1 erlang.
    data = station(1.0, 1.0, 1)
    data["experiment"] = {"duration": "1h", "warmup": 0, "replications": 1}
    held = _schedule([2, 0, 4], 600.0, repeat=False)
    assert offered_load(_with_count(data, held)).load["q"] == pytest.approx(1 / 3)
    data["experiment"] = {"messages": 1000, "warmup": 0, "replications": 1}
    assert offered_load(_with_count(data, held)).load["q"] == pytest.approx(1 / 4)
    repeating = _schedule([2, 0, 4], 600.0)
    assert offered_load(_with_count(data, repeating)).load["q"] == pytest.approx(1 / 2)


def test_a_schedule_that_never_changes_is_covered_by_theory() -> None:
    scenario = _with_count(station(850.0, 0.01, 9), _schedule([9], 3600.0))
    node = predict(scenario).node("q")
    assert node.metrics is not None and not node.reasons
    assert node.value("utilisation") == pytest.approx(850.0 * 0.01 / 9)


@pytest.mark.filterwarnings(
    "ignore::pushsim.PushsimWarning"
)  # nothing served, on purpose
def test_a_report_without_a_served_message_is_written_and_says_why(
    tmp_path: Any,
) -> None:
    from pushsim.result_report import write_run_report

    # Nobody on duty for the whole 10 minutes of the run.
    data = station(1.0, 0.5, 1)
    data["experiment"] = {"duration": "10min", "warmup": 0, "replications": 2}
    scenario = _with_count(data, _schedule([0, 1], 3600.0))
    written = write_run_report(pushsim.simulate(scenario), tmp_path, command="")
    text = (tmp_path / "report.md").read_text()
    assert "not drawn: plots.latency_cdf: no served message" in text
    assert tmp_path / "report.html" in written


def test_a_plan_can_vary_one_interval_of_a_schedule_but_not_the_schedule() -> None:
    from pushsim.plan import plan
    from pushsim.plan._target import _check_integer_field

    scenario = _with_count(station(1.0, 0.5, 1), _schedule([2, 0, 4], 600.0))
    path = "queues.q.consumers.count"
    assert _check_integer_field(scenario, f"{path}.profile.2") == 4
    with pytest.raises(
        pushsim.PushsimError, match="the count is a schedule by interval"
    ):
        plan(scenario, vary=path, slo="p99 <= 1min")


def test_a_single_replication_names_everything_that_changes_over_time() -> None:
    data = station(720.0, 0.01, 10, seed=3)
    data["producers"]["src"]["arrivals"] = {
        "process": "profile",
        "interval": "10s",
        "rates": ["500/s", "700/s"],
    }
    data["experiment"] = {"duration": 60.0, "warmup": 0, "replications": 1}
    with pytest.warns(pushsim.PushsimWarning) as caught:
        result = pushsim.simulate(_with_count(data, _schedule([9, 12], 10.0)))
        assert len(result.summary)  # the intervals are made here
    assert any(
        str(w.message).startswith(
            "the rate of producer src follows a profile and the consumer count of "
            "queue q follows a schedule, but batch means assume a steady system"
        )
        for w in caught
    ), [str(w.message) for w in caught]
