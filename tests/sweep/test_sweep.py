"""Sweeps: the table's shape, theory at every stable point, executors, stops."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from scipy import stats

from pushsim import PushsimError, PushsimWarning, ScenarioError, load_scenario
from pushsim.sweep import LOAD, run_sweep, sweep
from tests.conftest import CHECK_LEVEL, station

METRICS = ("throughput", "utilisation", "wait_mean", "sojourn_mean")


def _near(row: Any, replications: int) -> None:
    """The mean within the CHECK_LEVEL band of its standard error (see conftest)."""
    dof = replications - 1
    se = (row.ci_high - row.ci_low) / (2 * stats.t.ppf(0.975, dof))
    allowed = stats.t.ppf(0.5 + CHECK_LEVEL / 2, dof) * se
    assert abs(row["mean"] - row.theory) <= allowed, (
        f"{row.node}.{row.metric} at load {row.load}: {row['mean']:.6g} vs theory "
        f"{row.theory:.6g} ({row.theory_model}), allowed {allowed:.3g}"
    )


@pytest.mark.parametrize("servers", [1, 4])
def test_theory_covers_every_stable_point(servers: int) -> None:
    scenario = station(10.0, 0.05 * servers, servers, messages=20_000, replications=6)
    frame = sweep(scenario, values=[0.3, 0.6, 0.8, 0.9], executor="serial")
    rows = frame[frame.metric.isin(METRICS) & ~frame.saturated]
    assert len(rows) == 4 * (4 + 3)  # utilisation is per queue only
    assert rows.theory.notna().all()
    assert set(rows.theory_model) == {"M/M/1" if servers == 1 else "M/M/c (Erlang C)"}
    for _, row in rows.iterrows():
        _near(row, 6)


def test_the_table_is_tidy_and_says_what_made_it() -> None:
    frame = sweep(
        station(10.0, 0.05), values=[0.5, 0.7], replications=2, executor="serial"
    )
    assert list(frame.columns[:4]) == [LOAD, "point", "node", "metric"]
    assert {
        "mean",
        "ci_low",
        "ci_high",
        "theory",
        "theory_model",
        "offered_load",
        "saturated",
        "replications",
    } <= set(frame.columns)
    assert frame.groupby(["point", "node", "metric"]).size().max() == 1
    assert sorted(frame.offered_load.unique()) == pytest.approx([0.5, 0.7])
    assert frame.attrs["vary"] == [LOAD] and frame.attrs["partial"] is False
    assert frame.attrs["replications"] == 2 and frame.attrs["bottleneck"] == "q"


def test_points_past_saturation_are_run_and_marked() -> None:
    with pytest.warns(PushsimWarning) as caught:
        frame = sweep(
            station(10.0, 0.05, messages=5_000),
            values=[0.5, 1.2],
            replications=2,
            executor="serial",
        )
    said = [str(w.message) for w in caught]
    assert any("1 point(s) past saturation (load=1.2): q is offered" in m for m in said)
    marked = frame.groupby(LOAD).saturated.first()
    assert marked.to_dict() == {0.5: False, 1.2: True}
    busy = frame[(frame.metric == "utilisation") & frame.saturated]["mean"].iloc[0]
    assert busy > 0.97


def test_a_field_path_and_a_grid() -> None:
    scenario = station(30.0, 0.1, 4, messages=4_000, replications=2)
    frame = sweep(
        scenario, vary="queues.q.consumers.count", values=[4, 5], executor="serial"
    )
    assert list(pd.unique(frame["queues.q.consumers.count"])) == [4, 5]
    busy = frame[(frame.node == "q") & (frame.metric == "utilisation")]
    assert busy.theory.tolist() == pytest.approx([0.75, 0.6])

    grid = sweep(
        scenario,
        vary={LOAD: [0.5, 0.8], "queues.q.consumers.count": [2, 4]},
        executor="serial",
    )
    points = grid.groupby("point")[[LOAD, "queues.q.consumers.count"]].first()
    assert points.values.tolist() == [[0.5, 2], [0.5, 4], [0.8, 2], [0.8, 4]]
    # the load is a fraction of each point's own capacity
    offered = grid[(grid.node == "q") & (grid.metric == "offered_rate")]
    assert offered.theory.tolist() == pytest.approx([10.0, 20.0, 16.0, 32.0])


def test_the_scenarios_own_sweep_is_the_default() -> None:
    data = station(10.0, 0.05, messages=2_000, replications=2)
    data["experiment"]["sweep"] = {"vary": "load", "values": [0.25, 0.5]}
    frame = sweep(data, executor="serial")
    assert sorted(frame[LOAD].unique()) == [0.25, 0.5]


@pytest.mark.parametrize(
    ("vary", "values", "message"),
    [
        ("load", [0.5, -1], "a load is a fraction of capacity, a number > 0, got -1"),
        ("load", [], "values of load: the list is empty"),
        ("queues.q.consumers.cuont", [1], "did you mean 'count'"),
        ("queues.q.consumers.count", None, "give the values to sweep it over"),
        (["load", "queues.q.consumers.count"], [[0.5]], "must be a list of 2 lists"),
        ("queues.q.consumers.count", [0], "must be >= 1, got 0"),
    ],
)
def test_bad_sweeps_are_refused_with_the_rule(
    vary: Any, values: Any, message: str
) -> None:
    with pytest.raises(
        (PushsimError, ScenarioError), match=message.replace("(", r"\(")
    ):
        sweep(station(10.0, 0.05), vary=vary, values=values, executor="serial")


def test_an_unknown_executor_is_refused() -> None:
    with pytest.raises(PushsimError, match="executor must be one of serial, processes"):
        sweep(station(10.0, 0.05), values=[0.5], executor="threads")


def _small() -> Any:
    return load_scenario(station(10.0, 0.05, 2, messages=3_000, replications=3))


def test_results_are_identical_on_every_executor() -> None:
    serial = sweep(_small(), values=[0.4, 0.8], executor="serial")
    one = sweep(_small(), values=[0.4, 0.8], executor="processes", workers=1)
    two = sweep(_small(), values=[0.4, 0.8], executor="processes", workers=2)
    pd.testing.assert_frame_equal(serial, one, check_exact=True)
    pd.testing.assert_frame_equal(serial, two, check_exact=True)


def test_a_local_dask_cluster_gives_the_same_results() -> None:
    pytest.importorskip("dask.distributed")
    serial = sweep(_small(), values=[0.4, 0.8], executor="serial")
    dask = sweep(_small(), values=[0.4, 0.8], executor="dask", workers=2)
    pd.testing.assert_frame_equal(serial, dask, check_exact=True)


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_a_stop_keeps_what_is_done_and_says_so(executor: str) -> None:
    def stop_after_three(done: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.warns(PushsimWarning):
        result = run_sweep(
            _small(),
            values=[0.4, 0.8],
            executor=executor,
            workers=2,
            progress=stop_after_three,
        )
    assert result.partial and result.frame.attrs["partial"]
    ran = result.frame.groupby("point").replications.first()
    assert ran.sum() == 3
    assert len(result.points) == 2
    assert math.isfinite(result.frame["mean"].iloc[0])


def test_a_consumer_count_too_large_to_simulate_is_refused() -> None:
    data = station(10.0, 0.05)
    data["queues"]["q"]["consumers"]["count"] = 10**20
    with pytest.raises(ScenarioError, match=r"count: must be <= 100000, got 10+$"):
        load_scenario(data)
