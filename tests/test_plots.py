"""The figures: labels, theory lines, saturated points, scales, and what they draw.

The sweep figures are tested on a sweep frame made here from the M/M/1 and
M/M/c formulas (simulated means set a few percent off theory, intervals of
+-4 %), so each check knows the right answer; the figures of one run are
tested on small simulations, against the run's own measures.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterator, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

import pushsim
from pushsim import plots, theory
from pushsim.errors import PushsimError
from pushsim.measures import prepare, window_metrics
from pushsim.plots import curves, runs
from pushsim.scenario import parse_slo
from tests.conftest import station

MU = 100.0  # service rate per consumer, per second
LOADS = (0.2, 0.4, 0.6, 0.7, 0.8, 0.9, 0.95, 1.1)
METRICS = {
    "throughput": ("1/s", lambda m: m.throughput),
    "sojourn_mean": ("s", lambda m: m.mean_sojourn),
    "sojourn_p50": ("s", lambda m: m.sojourn_quantile(0.5)),
    "sojourn_p99": ("s", lambda m: m.sojourn_quantile(0.99)),
    "wait_mean": ("s", lambda m: m.mean_wait),
}


def _sweep_rows(
    loads: Sequence[float], servers: Sequence[int], grid: bool
) -> Iterator[dict[str, Any]]:
    points = [(load, c) for c in servers for load in loads]
    for point, (load, c) in enumerate(points):
        model = theory.mmc(arrival_rate=load * MU * c, service_rate=MU, servers=c)
        for node in ("system", "q"):
            for metric, (unit, read) in METRICS.items():
                exact = read(model)
                if math.isfinite(exact):
                    mean = exact * (1.0 + 0.02 * math.sin(point + len(metric)))
                else:  # past saturation: a run still gives a (large) number
                    mean = MU * c if metric == "throughput" else 40.0 * load
                yield {
                    "load": load,
                    **({"c": c} if grid else {}),
                    "point": point,
                    "node": node,
                    "metric": metric,
                    "mean": mean,
                    "ci_low": mean * 0.96,
                    "ci_high": mean * 1.04,
                    "unit": unit,
                    "theory": exact if math.isfinite(exact) else math.nan,
                    "theory_model": model.model,
                    "theory_exact": True,
                    "offered_load": load,
                    "saturated": load >= 1.0,
                    "replications": 5,
                }


def sweep_frame(
    loads: Sequence[float] = LOADS, servers: Sequence[int] = (1,), *, grid: bool = False
) -> pd.DataFrame:
    """A sweep frame as pushsim.sweep returns it, from theory."""
    frame = pd.DataFrame(list(_sweep_rows(loads, servers, grid)))
    frame.attrs.update(
        vary=["load", "c"] if grid else ["load"],
        slo=[parse_slo("p99 <= 200ms")],
        scenario=None,
    )
    return frame


def theory_frame(
    loads: Sequence[float] = LOADS,
    servers: Sequence[int] = (1,),
    *,
    grid: bool = False,
    points: int = 120,
) -> pd.DataFrame:
    """The fine-grid theory frame, as pushsim.sweep.theory_curve gives it."""
    rows = []
    for c in servers:
        for load in np.linspace(min(loads), max(loads), points):
            model = theory.mmc(arrival_rate=load * MU * c, service_rate=MU, servers=c)
            for node in ("system", "q"):
                for metric, (_, read) in METRICS.items():
                    value = read(model)
                    rows.append(
                        {
                            "load": float(load),
                            **({"c": c} if grid else {}),
                            "node": node,
                            "metric": metric,
                            "theory": value if math.isfinite(value) else math.nan,
                            "theory_model": model.model,
                        }
                    )
    return pd.DataFrame(rows)


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture
def no_fine_theory(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sweep module gives no fine-grid theory: figures fall back to the points."""
    monkeypatch.setattr(curves, "theory_curve", lambda frame, points=200: None)


def _lines(ax: Axes, kind: str) -> list[Line2D]:
    """The lines of one kind (theory, simulated, saturated, slo), by their gid."""
    return [
        line for line in ax.get_lines() if str(line.get_gid()).split("-")[0] == kind
    ]


def _legend(ax: Axes) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None, "the figure has no legend"
    return [text.get_text() for text in legend.get_texts()]


def _only_axes(figure: Figure) -> Axes:
    (ax,) = figure.axes
    return ax


SWEEP_FIGURES = [plots.throughput, plots.latency, plots.throughput_latency]


@pytest.mark.parametrize("draw", SWEEP_FIGURES, ids=lambda f: f.__name__)
def test_sweep_figures_are_labelled(draw: Any) -> None:
    figure = draw(sweep_frame(), theory=theory_frame())
    assert isinstance(figure, Figure)
    ax = _only_axes(figure)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert "(" in ax.get_ylabel(), f"no unit in {ax.get_ylabel()!r}"
    legend = _legend(ax)
    assert any("95% CI" in text for text in legend), legend
    assert any("M/M/c" in text for text in legend), legend


def test_axis_units_are_readable() -> None:
    frame = sweep_frame()
    assert plots.latency(frame, theory=theory_frame()).axes[0].get_ylabel() == (
        "latency (ms)"
    )
    throughput_axes = plots.throughput(frame, theory=theory_frame()).axes[0]
    assert throughput_axes.get_ylabel() == "throughput (messages/s)"
    assert "offered load" in throughput_axes.get_xlabel()


def test_fine_theory_line_follows_the_formula() -> None:
    curve = theory_frame(points=150)
    ax = _only_axes(
        plots.latency(sweep_frame(), metrics=("sojourn_mean",), theory=curve)
    )
    (line,) = _lines(ax, "theory")
    x, y = (np.asarray(v, dtype=float) for v in line.get_data())
    assert x.size == 150
    stable = x < 1.0
    expected = [1e3 / (MU - load * MU) for load in x[stable]]  # M/M/1 mean, in ms
    np.testing.assert_allclose(y[stable], expected, rtol=1e-12)
    assert np.isnan(y[~stable]).all(), "an unstable load must break the line"


def test_theory_at_the_points_without_a_fine_grid(no_fine_theory: None) -> None:
    frame = sweep_frame()
    ax = _only_axes(plots.throughput(frame))
    (line,) = _lines(ax, "theory")
    assert line.get_linestyle() == "--"
    rows = frame[(frame.node == "system") & (frame.metric == "throughput")]
    np.testing.assert_allclose(
        np.asarray(line.get_ydata(), dtype=float), rows.theory.to_numpy(), rtol=1e-12
    )
    assert any("at the simulated points" in text for text in _legend(ax))


def test_theory_curve_is_asked_once_per_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def counted(frame: pd.DataFrame, points: int = 100) -> pd.DataFrame:
        calls.append(points)
        return theory_frame()

    monkeypatch.setattr(
        importlib.import_module("pushsim.sweep"), "theory_curve", counted
    )
    frame = sweep_frame()
    for draw in SWEEP_FIGURES:
        assert _lines(_only_axes(draw(frame)), "theory")
    assert calls == [100]
    plots.throughput(sweep_frame())  # another frame, asked again
    assert calls == [100, 100]


def test_a_frame_not_from_a_sweep_gets_theory_at_its_points() -> None:
    # No scenario in attrs: the sweep module cannot make a fine grid.
    ax = _only_axes(plots.throughput(sweep_frame()))
    (line,) = _lines(ax, "theory")
    assert line.get_linestyle() == "--"


def test_no_theory_line_when_no_model_covers(no_fine_theory: None) -> None:
    frame = sweep_frame()
    frame["theory"] = math.nan
    for draw in SWEEP_FIGURES:
        ax = _only_axes(draw(frame))
        assert not _lines(ax, "theory"), draw.__name__
        assert any("no theory" in text for text in _legend(ax)), draw.__name__


@pytest.mark.parametrize("draw", SWEEP_FIGURES, ids=lambda f: f.__name__)
def test_saturated_points_are_drawn_hollow(draw: Any) -> None:
    ax = _only_axes(draw(sweep_frame(), theory=theory_frame()))
    hollow = _lines(ax, "saturated")
    assert len(hollow) == (3 if draw is plots.latency else 1)  # a series a metric
    for line in hollow:
        assert line.get_markerfacecolor() == "none"
        assert len(line.get_xdata()) == 1  # the one point at load 1.1
    filled = _lines(ax, "simulated")
    assert filled and all(line.get_markerfacecolor() != "none" for line in filled)
    assert any("saturated" in text for text in _legend(ax))


def test_saturated_point_is_at_its_load() -> None:
    ax = _only_axes(plots.throughput(sweep_frame(), theory=theory_frame()))
    (hollow,) = _lines(ax, "saturated")
    assert list(hollow.get_xdata()) == [1.1]
    (filled,) = _lines(ax, "simulated")
    assert list(filled.get_xdata()) == list(LOADS[:-1])


def test_log_scale_when_latency_spans_decades() -> None:
    wide = plots.latency(sweep_frame(), theory=theory_frame())
    assert wide.axes[0].get_yscale() == "log"  # 10 ms at 0.2 to ~1 s at 0.95
    narrow_loads = (0.1, 0.2, 0.3)
    narrow = plots.latency(
        sweep_frame(narrow_loads),
        metrics=("sojourn_mean", "sojourn_p50"),
        theory=theory_frame(narrow_loads),
    )
    assert narrow.axes[0].get_yscale() == "linear"  # 7 ms to 14 ms
    bottom, _ = narrow.axes[0].get_ylim()
    assert bottom == 0.0


def test_slo_line_at_its_limit() -> None:
    ax = _only_axes(plots.latency(sweep_frame(), theory=theory_frame()))
    (slo,) = _lines(ax, "slo")
    assert list(slo.get_ydata()) == [200.0, 200.0]  # 200 ms, in ms
    assert "SLO p99 <= 200ms" in _legend(ax)
    # not a metric of this figure: no line
    ax = _only_axes(
        plots.latency(sweep_frame(), metrics=("sojourn_mean",), theory=theory_frame())
    )
    assert not _lines(ax, "slo")


def test_throughput_latency_is_parametric() -> None:
    curve = theory_frame(points=100)
    ax = _only_axes(plots.throughput_latency(sweep_frame(), theory=curve))
    (line,) = _lines(ax, "theory")
    x, y = (np.asarray(v, dtype=float) for v in line.get_data())
    keep = np.isfinite(y)
    # M/M/1: the p99 sojourn at throughput x is ln(100) / (mu - x), in ms.
    np.testing.assert_allclose(y[keep], 1e3 * math.log(100) / (MU - x[keep]), rtol=1e-9)
    (simulated,) = _lines(ax, "simulated")
    frame = sweep_frame()
    rows = frame[(frame.node == "system") & (frame.metric == "throughput")]
    np.testing.assert_allclose(
        np.asarray(simulated.get_xdata(), dtype=float), rows["mean"].to_numpy()[:-1]
    )


def test_grid_draws_one_series_per_value() -> None:
    frame = sweep_frame(servers=(1, 4), grid=True)
    curve = theory_frame(servers=(1, 4), grid=True)
    for draw in SWEEP_FIGURES:
        ax = _only_axes(draw(frame, theory=curve))
        assert len(_lines(ax, "theory")) == 2 * (3 if draw is plots.latency else 1)
        legend = _legend(ax)
        assert any("c = 1" in t for t in legend) and any("c = 4" in t for t in legend)


def test_words_on_the_x_axis(no_fine_theory: None) -> None:
    frame = sweep_frame((0.5, 0.7, 0.9))
    frame["load"] = frame["load"].map({0.5: "random", 0.7: "jsq", 0.9: "power_of_d"})
    frame = frame.rename(columns={"load": "balancers.lb.policy"})
    frame.attrs["vary"] = ["balancers.lb.policy"]
    ax = _only_axes(plots.latency(frame))
    assert ax.get_xlabel() == "policy of balancer lb"
    assert len(_lines(ax, "theory")) == 3  # one per metric, at the points


@pytest.mark.parametrize("draw", SWEEP_FIGURES, ids=lambda f: f.__name__)
def test_draws_into_given_axes(draw: Any) -> None:
    figure, (left, right) = plt.subplots(1, 2)
    returned = draw(sweep_frame(), ax=right, theory=theory_frame())
    assert returned is figure
    assert right.get_title() and not left.get_title()
    assert _lines(right, "theory") and not left.get_lines()
    gids = [line.get_gid() for line in right.get_lines() if line.get_gid()]
    assert len(gids) == len(set(gids)) and all(g.count("-") == 2 for g in gids)


def test_bad_sweep_input_is_refused_clearly() -> None:
    with pytest.raises(PushsimError, match=r"no node 'nope'.*\['system', 'q'\]"):
        plots.throughput(sweep_frame(), node="nope", theory=theory_frame())
    with pytest.raises(PushsimError, match="no metric 'wait_p42'"):
        plots.latency(sweep_frame(), metrics=("wait_p42",), theory=theory_frame())
    with pytest.raises(PushsimError, match="lacks the columns"):
        plots.throughput(sweep_frame().drop(columns=["ci_low"]))
    with pytest.raises(PushsimError, match="needs the DataFrame"):
        plots.latency([1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(PushsimError, match="must be a matplotlib Axes"):
        plots.throughput(sweep_frame(), ax="left", theory=theory_frame())  # type: ignore[arg-type]


# One run --------------------------------------------------------------------


@pytest.fixture(scope="module")
def mm1_result() -> pushsim.Result:
    """M/M/1 at load 0.6: 4000 messages, two replications."""
    return pushsim.simulate(station(60.0, 0.01, messages=4000, replications=2, seed=11))


def _step_average(x: np.ndarray, y: np.ndarray, a: float, b: float) -> float:
    """The time average over [a, b) of a step function drawn with where='post'."""
    edges = np.clip(np.append(x, b), a, b)
    return float(np.sum(y * np.diff(edges)) / (b - a))


def test_queue_length_matches_the_measured_time_average(
    mm1_result: pushsim.Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "MAX_STEPS", 10**6)  # every step drawn
    figure = plots.queue_length(mm1_result, node="q", replication=1)
    ax = _only_axes(figure)
    (line,) = _lines(ax, "simulated")
    warm = mm1_result.warmups[1]
    scale = 1.0 if ax.get_xlabel().endswith("(s)") else 60.0
    x = np.asarray(line.get_xdata(), dtype=float) * scale
    y = np.asarray(line.get_ydata(), dtype=float)
    measured = window_metrics(
        prepare(mm1_result.runs[1], mm1_result.scenario, []), warm.instant, warm.horizon
    )[("q", "queue_length")]
    # The same intervals integrated two ways: equal up to rounding.
    assert _step_average(x, y, warm.instant, warm.horizon) == pytest.approx(
        measured, rel=1e-9
    )
    assert (y >= 0).all()
    assert any("warm-up" in t for t in _legend(ax))
    assert _lines(ax, "theory"), "M/M/1 has a mean queue length"
    assert ax.get_title() and ax.get_ylabel() and ax.get_xlabel()


def test_long_runs_are_sliced_with_exact_averages(
    mm1_result: pushsim.Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "MAX_STEPS", 10)
    ax = _only_axes(plots.queue_length(mm1_result, node="q"))
    (average,) = _lines(ax, "simulated")
    warm = mm1_result.warmups[0]
    whole = window_metrics(
        prepare(mm1_result.runs[0], mm1_result.scenario, []), 0.0, warm.horizon
    )[("q", "queue_length")]
    # Equal slices: the mean of the slice averages is the whole run's average.
    assert float(np.mean(average.get_ydata())) == pytest.approx(whole, rel=1e-9)


def _cohort_means(
    result: pushsim.Result, replication: int
) -> dict[tuple[str, str], float]:
    warm = result.warmups[replication]
    prepared = prepare(result.runs[replication], result.scenario, [])
    return window_metrics(prepared, warm.instant, warm.horizon)


@pytest.mark.parametrize("node", ["system", "q"])
@pytest.mark.parametrize("metric", ["sojourn", "wait"])
def test_cdf_sample_is_the_measured_cohort(
    mm1_result: pushsim.Result, node: str, metric: str
) -> None:
    sample = runs._sample(mm1_result, node, metric, 0)
    expected = _cohort_means(mm1_result, 0)[(node, f"{metric}_mean")]
    assert float(np.mean(sample)) == pytest.approx(expected, rel=1e-12)
    assert (np.diff(sample) >= 0).all()


def test_cdf_against_theory(mm1_result: pushsim.Result) -> None:
    ax = _only_axes(plots.latency_cdf(mm1_result))
    (line,) = _lines(ax, "theory")
    x, y = (np.asarray(v, dtype=float) for v in line.get_data())
    scale = {"(ms)": 1e-3, "(s)": 1.0}[ax.get_xlabel().split()[-1]]
    law = mm1_result.prediction.system.sojourn_distribution
    assert law is not None
    np.testing.assert_allclose(y, [law.cdf(t * scale) for t in x], rtol=1e-12)
    assert ax.get_xscale() == "log"  # exponential sojourn: p1 to p99.9 is 2.8 decades
    (ecdf,) = _lines(ax, "simulated")
    heights = np.asarray(ecdf.get_ydata(), dtype=float)
    assert heights[-1] == 1.0 and (np.diff(heights) >= 0).all()
    assert any("M/M/1" in t for t in _legend(ax))


def test_cdf_without_a_theory_distribution() -> None:
    # M/G/1 with lognormal service: the theory gives means only.
    scenario = station(50.0, 0.01, messages=3000, replications=2, seed=5)
    scenario["queues"]["q"]["consumers"]["service"] = {
        "law": "lognormal",
        "mean": 0.01,
        "cv": 0.5,
    }
    result = pushsim.simulate(scenario)
    ax = _only_axes(plots.latency_cdf(result, node="q"))
    assert not _lines(ax, "theory")
    assert any("theory" in t for t in _legend(ax))  # says why there is none


def test_cdf_linear_when_times_are_close() -> None:
    # M/D/1 at load 0.1: most sojourns are the 10 ms service, the rest a little more.
    scenario = station(10.0, 0.01, messages=2000, replications=2, seed=5)
    scenario["queues"]["q"]["consumers"]["service"] = "10ms"
    result = pushsim.simulate(scenario)
    figure, ax = plt.subplots()
    assert plots.latency_cdf(result, ax=ax) is figure
    assert ax.get_xscale() == "linear"


def test_bad_run_input_is_refused_clearly(mm1_result: pushsim.Result) -> None:
    with pytest.raises(PushsimError, match=r"no queue 'r'; the queues are \['q'\]"):
        plots.queue_length(mm1_result, node="r")
    with pytest.raises(PushsimError, match="no replication 7"):
        plots.queue_length(mm1_result, node="q", replication=7)
    with pytest.raises(PushsimError, match="metric must be 'sojourn' or 'wait'"):
        plots.latency_cdf(mm1_result, metric="service")
    with pytest.raises(PushsimError, match=r"needs a pushsim\.Result"):
        plots.latency_cdf(sweep_frame())  # type: ignore[arg-type]
