"""``compare``: simulation, live engine and theory side by side."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from scipy import stats

from pushsim.compare import COLUMNS, Comparison, compare, difference
from tests.conftest import station

pytestmark = pytest.mark.filterwarnings("ignore::pushsim.errors.PushsimWarning")


def mm1(**experiment: Any) -> dict[str, Any]:
    scenario = station(70.0, 0.01, seed=3)
    scenario["experiment"] = {"duration": 60, "warmup": "10%", **experiment}
    return scenario


@pytest.fixture(scope="module")
def virtual() -> Comparison:
    """On a virtual clock the live run is the simulator's run, so they agree exactly."""
    return compare(mm1(), replications=1, clock="virtual")


def test_on_a_virtual_clock_live_and_simulated_agree_exactly(
    virtual: Comparison,
) -> None:
    table = virtual.table
    assert list(table.columns) == COLUMNS
    assert {"system", "q"} == set(table.node)
    figures = table[table.simulated.notna()]
    assert len(figures) > 40
    assert (figures.difference == 0).all()
    assert (figures.live == figures.simulated).all()
    assert figures.overlap.dropna().all()


def test_the_table_carries_theory_and_the_overhead(virtual: Comparison) -> None:
    row = virtual.table.set_index(["node", "metric"]).loc[("q", "sojourn_mean")]
    assert row.theory == pytest.approx(1 / (100 - 70))
    assert row.theory_model == "M/M/1"
    overhead = virtual.overhead
    assert set(overhead.node) == {"engine"}
    assert overhead.set_index("metric").loc["timer_lateness_max", "mean"] == 0.0


def test_the_json_document_and_the_explanations(virtual: Comparison) -> None:
    document = json.loads(virtual.to_json())
    assert document["simulated"]["replications"] == 1
    assert document["live"]["partial"] is False
    assert len(document["rows"]) == len(virtual.table)
    lines = virtual.explanations()
    assert lines[0].startswith("The live engine ran on its virtual clock")
    assert "At q a live service took" in lines[1] and "(+0.0%)" in lines[1]


def test_the_figure_has_the_three_cdfs(virtual: Comparison) -> None:
    figure = virtual.figure()
    body, tail = figure.axes
    labels = [line.get_label() for line in body.get_lines()]
    assert labels[0].startswith("simulated (") and labels[1].startswith("live (")
    assert labels[2] == "theory: M/M/1"
    assert tail.get_yscale() == "log"


def test_the_difference_interval_is_welchs() -> None:
    # Equal standard errors and degrees of freedom: the Welch-Satterthwaite
    # degrees of freedom are twice each, the standard error sqrt(2) times.
    se = 2.0 / stats.t.ppf(0.975, 4)
    diff, low, high = difference((10.0, 8.0, 12.0), 4, (13.0, 11.0, 15.0), 4)
    half = stats.t.ppf(0.975, 8) * math.sqrt(2) * se
    assert diff == 3.0
    assert (low, high) == pytest.approx((3.0 - half, 3.0 + half))


def test_a_difference_without_intervals_has_none() -> None:
    nan = math.nan
    diff, low, high = difference((10.0, nan, nan), 4, (12.0, 11.0, 13.0), 4)
    assert diff == 2.0 and math.isnan(low) and math.isnan(high)
