"""The measures on hand-made records, through a fake engine."""

from __future__ import annotations

import math

import numpy as np
import pytest

import pushsim
from pushsim.engines.base import COLUMNS, Outcome, Run
from pushsim.result import SUMMARY_COLUMNS
from pushsim.scenario import Scenario

NAN = math.nan


class FakeEngine:
    """An engine that returns the records it was given, whatever the scenario."""

    name = "fake"

    def __init__(self, rows: list[tuple[float, ...]], horizon: float) -> None:
        self.rows, self.horizon = rows, horizon

    def run(self, scenario: Scenario, replication: int) -> Run:
        table = np.asarray(self.rows, dtype=float).reshape(-1, len(COLUMNS))
        columns = {name: table[:, i] for i, name in enumerate(COLUMNS)}
        for name in ("message", "published"):
            columns[name] = columns[name].astype(np.int64)
        for name in ("class_id", "node_id"):
            columns[name] = columns[name].astype(np.int16)
        columns["outcome"] = columns["outcome"].astype(np.int8)
        return Run(
            engine=self.name,
            replication=replication,
            columns=columns,
            horizon=self.horizon,
            published=len({r[1] for r in self.rows}),
            deliveries=len({r[0] for r in self.rows}),
            nodes=("q",),
            classes=(("src", "default"),),
        )


SCENARIO = {
    "producers": {"src": {"arrivals": {"process": "poisson", "rate": 1}, "to": "q"}},
    "queues": {"q": {"capacity": 1, "consumers": {"count": 1, "service": "1s"}}},
    "experiment": {"duration": 10, "warmup": 0, "replications": 1},
}

# message, published, class, node, created, enqueued, started, finished, outcome
ROWS = [
    (0, 0, 0, 0, 0.0, 0.0, 0.0, 2.0, Outcome.COMPLETED),  # no wait, 2 s service
    (1, 1, 0, 0, 1.0, 1.0, 2.0, 3.0, Outcome.COMPLETED),  # waits 1 s
    (2, 2, 0, 0, 1.5, 1.5, NAN, 1.5, Outcome.DROPPED),  # finds the queue full
    (3, 3, 0, 0, 4.0, 4.0, NAN, 6.0, Outcome.EXPIRED),  # waits 2 s and expires
    (4, 4, 0, 0, 8.0, 8.0, 8.0, NAN, Outcome.IN_SYSTEM),  # in service at the end
]


# One of the five hand-made deliveries is still in the system at the end.
pytestmark = pytest.mark.filterwarnings("ignore:20.0% of the deliveries")


@pytest.mark.filterwarnings(
    "ignore:no interval for"
)  # ten seconds of hand-made records
def test_measures_of_hand_made_records() -> None:
    result = pushsim.simulate(SCENARIO, engine=FakeEngine(ROWS, horizon=10.0))
    value = {(r.node, r.metric): r.mean for r in result.summary.itertuples()}
    assert value[("q", "offered_rate")] == pytest.approx(5 / 10)
    assert value[("q", "throughput")] == pytest.approx(2 / 10)
    assert value[("q", "drop_rate")] == pytest.approx(1 / 5)
    assert value[("q", "expiry_rate")] == pytest.approx(1 / 5)
    # busy: [0, 3) and [8, 10) of 10 s
    assert value[("q", "utilisation")] == pytest.approx(5 / 10)
    # waiting: message 1 for 1 s, message 3 for 2 s
    assert value[("q", "queue_length")] == pytest.approx(3 / 10)
    # at the node: 2 + 2 + 0 + 2 + 2 seconds
    assert value[("q", "in_system")] == pytest.approx(8 / 10)
    assert value[("q", "sojourn_mean")] == pytest.approx((2 + 2) / 2)
    assert value[("q", "wait_mean")] == pytest.approx(0.5)
    assert value[("system", "sojourn_mean")] == pytest.approx(2.0)
    assert value[("system", "drop_rate")] == pytest.approx(1 / 5)
    assert result.conservation[0]["accounted"] == 5


@pytest.mark.filterwarnings("ignore:only .* completed")
@pytest.mark.filterwarnings("ignore:no interval for")
def test_warmup_duration_cuts_the_window() -> None:
    scenario = {**SCENARIO, "experiment": {**SCENARIO["experiment"], "warmup": "3.5s"}}
    result = pushsim.simulate(scenario, engine=FakeEngine(ROWS, horizon=10.0))
    assert result.warmups[0].instant == 3.5
    # only messages 3 and 4 were created after 3.5 s
    assert result.interval("q", "offered_rate").mean == pytest.approx(2 / 6.5)
    assert result.interval("q", "utilisation").mean == pytest.approx(2 / 6.5)


def test_conservation_failure_warns() -> None:
    rows = ROWS[:-1]
    engine = FakeEngine(rows, horizon=10.0)
    original = engine.run

    def lossy(scenario: Scenario, replication: int) -> Run:
        run = original(scenario, replication)
        return Run(**{**run.__dict__, "deliveries": run.deliveries + 1})

    engine.run = lossy  # type: ignore[method-assign]
    with pytest.warns(pushsim.PushsimWarning, match="conservation fails"):
        pushsim.simulate(SCENARIO, engine=engine)


@pytest.mark.filterwarnings(
    "ignore:no interval for"
)  # ten seconds of hand-made records
def test_json_document_has_the_summary() -> None:
    import json

    result = pushsim.simulate(SCENARIO, engine=FakeEngine(ROWS, horizon=10.0))
    document = json.loads(result.to_json())
    assert {"scenario", "seed", "replications", "version", "rows"} <= set(document)
    row = document["rows"][0]
    assert set(row) == {*SUMMARY_COLUMNS, "theory", "theory_model", "theory_exact"}
    assert len(document["rows"]) == len(result.summary)


def test_runs_that_measure_nothing_say_so() -> None:
    scenario = {**SCENARIO, "experiment": {**SCENARIO["experiment"], "warmup": "9s"}}
    with pytest.warns(
        pushsim.PushsimWarning, match="no message arrived in the measuring"
    ):
        pushsim.simulate(scenario, engine=FakeEngine(ROWS[:2], horizon=10.0))


@pytest.mark.filterwarnings("ignore:100.0% of the deliveries")
def test_a_stalled_system_is_flagged() -> None:
    stalled = [(0, 0, 0, 0, 1.0, NAN, NAN, NAN, Outcome.IN_SYSTEM)]
    with pytest.warns(pushsim.PushsimWarning, match="the system is stalled"):
        pushsim.simulate(SCENARIO, engine=FakeEngine(stalled, horizon=10.0))


def test_intervals_stay_in_the_metric_range() -> None:
    # Of the 32 batches of these ten seconds, most see no message at all: the
    # metrics they leave without a figure get no interval, and are named.
    with pytest.warns(pushsim.PushsimWarning, match="no interval for q.drop_rate"):
        result = pushsim.simulate(SCENARIO, engine=FakeEngine(ROWS, horizon=10.0))
        assert result.summary.ci_low.isna().any()
    summary = result.summary.dropna(subset=["ci_low"])
    assert (summary.ci_low >= 0).all()
    assert (summary[summary.unit == "ratio"].ci_high <= 1).all()
