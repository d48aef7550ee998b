"""Figures of one simulated operating point: queue length over time, latency CDF.

Both read a :class:`pushsim.Result`. The queue length is rebuilt from the
visit records (``result.messages``): a visit waits from ``enqueued_at`` to
``started_at``, or to ``finished_at`` if it was dropped or expired unserved,
or to the end of the run if it was still waiting. The latency CDF pools the
messages of every replication that arrived after its warm-up, the cohort
the summary's percentiles are taken from, and sets theory's CDF beside it
where the model gives a distribution.

Limits: a run of many thousands of changes is drawn as the time average
and the maximum of each of 600 slices of the run, not every step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pushsim.engines.base import OUTCOMES, Outcome
from pushsim.errors import PushsimError
from pushsim.plots._common import (
    COLOURS,
    THEORY_COLOUR,
    FloatArray,
    Scale,
    axes_for,
    finish,
    note,
    spans_decades,
    time_scale,
)
from pushsim.result import Result
from pushsim.scenario import SYSTEM
from pushsim.theory.timelaws import Divergent, TimeDistribution

__all__ = ["latency_cdf", "queue_length"]

#: Above this many changes of the count, draw slices of the run, not every step.
MAX_STEPS = 6000
SLICES = 600
#: Points of the theory CDF and of a long empirical CDF.
CDF_POINTS = 400


def _check_result(result: Result, where: str) -> None:
    if not isinstance(result, Result):
        raise PushsimError(
            f"{where}: needs a pushsim.Result (from pushsim.simulate), got "
            f"{type(result).__name__}"
        )


def _codes(outcome: pd.Series) -> np.ndarray:
    """Outcome codes from the messages table, whether it holds names or codes."""
    if isinstance(
        outcome.dtype, pd.CategoricalDtype
    ) or not pd.api.types.is_numeric_dtype(outcome):
        index = {name: code for code, name in enumerate(OUTCOMES)}
        return outcome.astype(str).map(index).to_numpy(dtype=np.int64)
    return outcome.to_numpy(dtype=np.int64)


def _waiting(visits: pd.DataFrame, horizon: float) -> tuple[FloatArray, FloatArray]:
    """When each visit began and stopped waiting."""
    begin = visits["enqueued_at"].to_numpy(dtype=float)
    started = visits["started_at"].to_numpy(dtype=float)
    finished = visits["finished_at"].to_numpy(dtype=float)
    end = np.where(
        np.isnan(started), np.where(np.isnan(finished), horizon, finished), started
    )
    keep = ~np.isnan(begin)
    return begin[keep], end[keep]


def _steps(begin: FloatArray, end: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The instants the count changes and the count from each one on."""
    times = np.concatenate([begin, end])
    change = np.concatenate([np.ones(begin.size), -np.ones(end.size)])
    order = np.argsort(times, kind="stable")
    return times[order], np.cumsum(change[order])


def _sliced(
    times: FloatArray, counts: FloatArray, horizon: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Slice edges, the time-average count and the largest count in each slice."""
    edges = np.linspace(0.0, horizon, SLICES + 1)
    starts = np.concatenate([[0.0], times])
    levels = np.concatenate([[0.0], counts])
    spans = np.diff(np.concatenate([starts, [max(horizon, starts[-1])]]))
    area = np.concatenate([[0.0], np.cumsum(levels * spans)])
    # The step in force at each edge: the area under the count up to the edge
    # is exact, and the largest count of a slice is among the steps from the
    # one in force at its start to the one in force at its end.
    at = np.searchsorted(starts, edges, side="right") - 1
    under = area[at] + levels[at] * (edges - starts[at])
    average = np.diff(under) / np.diff(edges)
    peak = np.maximum(np.maximum.reduceat(levels, at[:-1]), levels[at[1:]])
    return edges, average, peak


def queue_length(
    result: Result, *, node: str, replication: int = 0, ax: Axes | None = None
) -> Figure:
    """The number of messages waiting at queue ``node`` over one replication.

    The warm-up, cut before measuring, is shaded; theory's mean queue length
    is a horizontal line where a model covers the queue.
    """
    _check_result(result, "plots.queue_length")
    if node not in result.scenario.queues:
        raise PushsimError(
            f"plots.queue_length: no queue {node!r}; the queues are "
            f"{list(result.scenario.queues)}"
        )
    runs = [w.replication for w in result.warmups]
    if replication not in runs:
        raise PushsimError(
            f"plots.queue_length: no replication {replication!r}; the result has {runs}"
        )
    warmup = result.warmups[runs.index(replication)]
    messages = result.messages
    visits = messages[
        (messages["replication"] == replication) & (messages["node"] == node)
    ]
    times, counts = _steps(*_waiting(visits, warmup.horizon))
    scale = time_scale([warmup.horizon])
    figure, ax = axes_for(ax)
    ax.axvspan(
        0.0,
        float(scale(warmup.instant)),
        color="grey",
        alpha=0.18,
        label=f"warm-up, not measured ({result.scenario.experiment.warmup.text})",
    )
    _draw_counts(ax, times, counts, warmup.horizon, scale)
    _theory_mean(ax, result, node)
    ax.set_xlim(0.0, float(scale(warmup.horizon)))
    ax.set_ylim(bottom=0.0)
    finish(
        ax,
        title=f"{result.scenario.name}: messages waiting at {node} "
        f"(replication {replication})",
        xlabel=f"time in the run ({scale.unit})",
        ylabel="messages waiting (not in service)",
    )
    return figure


def _draw_counts(
    ax: Axes, times: FloatArray, counts: FloatArray, horizon: float, scale: Scale
) -> None:
    if times.size <= MAX_STEPS:
        x = np.concatenate([[0.0], times, [horizon]])
        y = np.concatenate([[0.0], counts, counts[-1:] if counts.size else [0.0]])
        ax.step(
            scale(x),
            y,
            where="post",
            color=COLOURS[0],
            linewidth=1.0,
            label="waiting (simulated)",
            gid="simulated",
        )
        return
    edges, average, peak = _sliced(times, counts, horizon)
    middle = scale((edges[:-1] + edges[1:]) / 2)
    ax.plot(
        middle,
        peak,
        color=COLOURS[0],
        linewidth=0.6,
        alpha=0.4,
        label=f"largest in each 1/{SLICES} of the run",
    )
    ax.plot(
        middle,
        average,
        color=COLOURS[0],
        linewidth=1.2,
        label=f"time average over each 1/{SLICES} of the run",
        gid="simulated",
    )


def _theory_mean(ax: Axes, result: Result, node: str) -> None:
    try:
        prediction = result.prediction.node(node)
        value = prediction.value("queue_length") if prediction.covered else math.nan
    except PushsimError:
        value = math.nan
    if math.isfinite(value):
        ax.axhline(
            value,
            color=THEORY_COLOUR,
            linestyle="--",
            linewidth=1.4,
            gid="theory",
            label=f"theory: long-run mean, {prediction.model}",
        )
    else:
        note(ax, "no finite theory mean for this queue")


def _sample(
    result: Result, node: str, metric: str, replication: int | None
) -> FloatArray:
    """Times of served messages (completed deliveries for the system) after warm-up."""
    messages = result.messages
    if replication is not None:
        messages = messages[messages["replication"] == replication]
    codes = _codes(messages["outcome"])
    warm = {w.replication: w.instant for w in result.warmups}
    cut = messages["replication"].map(warm).to_numpy(dtype=float)
    enq, start, end = (
        messages[c].to_numpy(dtype=float)
        for c in ("enqueued_at", "started_at", "finished_at")
    )
    if node != SYSTEM:
        served = (codes == Outcome.COMPLETED) | (codes == Outcome.FORWARDED)
        pick = served & (messages["node"] == node).to_numpy() & (enq >= cut)
        values = (end - enq if metric == "sojourn" else start - enq)[pick]
        return np.sort(values)
    served = (codes == Outcome.COMPLETED) | (codes == Outcome.FORWARDED)
    service = (
        pd.Series(np.where(served, end - start, 0.0))
        .groupby([messages["replication"].to_numpy(), messages["message"].to_numpy()])
        .transform("sum")
        .to_numpy()
    )
    created = messages["created_at"].to_numpy(dtype=float)
    pick = (codes == Outcome.COMPLETED) & (created >= cut)
    sojourn = (end - created)[pick]
    values = sojourn if metric == "sojourn" else sojourn - service[pick]
    return np.sort(values)


def _law(result: Result, node: str, metric: str) -> tuple[TimeDistribution | None, str]:
    """Theory's distribution of the time, and its model, or None and why not."""
    try:
        if node == SYSTEM:
            part = result.prediction.system
            law = (
                part.sojourn_distribution
                if metric == "sojourn"
                else part.wait_distribution
            )
            if not part.covered:
                return None, "no theory: " + "; ".join(part.reasons)
            if law is None:
                return (
                    None,
                    f"no end-to-end {metric} distribution in theory ({part.model})",
                )
            return law, part.model
        found = result.prediction.node(node)
        if found.metrics is None:
            return None, "no theory: " + "; ".join(found.reasons)
        m = found.metrics
        law = (
            m.sojourn_distribution
            if metric == "sojourn"
            else getattr(m, "served_wait_distribution", m.wait_distribution)
        )
        return law, found.model
    except PushsimError as error:
        return None, str(error)


def latency_cdf(
    result: Result,
    *,
    node: str = "system",
    metric: str = "sojourn",
    ax: Axes | None = None,
    replication: int | None = None,
) -> Figure:
    """The empirical distribution of ``sojourn`` or ``wait`` after warm-up, with theory.

    ``node`` is ``system`` (end to end, per completed delivery) or a queue;
    ``replication`` None pools every replication. The time axis is
    logarithmic when the times span more than two decades.
    """
    _check_result(result, "plots.latency_cdf")
    if metric not in ("sojourn", "wait"):
        raise PushsimError(
            f"plots.latency_cdf: metric must be 'sojourn' or 'wait', got {metric!r}"
        )
    if node != SYSTEM and node not in result.scenario.queues:
        raise PushsimError(
            f"plots.latency_cdf: no node {node!r}; the nodes are "
            f"{[SYSTEM, *result.scenario.queues]}"
        )
    values = _sample(result, node, metric, replication)
    if values.size == 0:
        raise PushsimError(
            f"plots.latency_cdf: no served message of {node} after the warm-up; "
            "run longer or cut a shorter warm-up"
        )
    scale = time_scale(values)
    figure, ax = axes_for(ax)
    span = _span(values)
    _draw_ecdf(ax, values, scale, len(result.warmups) if replication is None else 1)
    _draw_law(ax, result, node, metric, span, scale)
    if span.log:
        ax.set_xscale("log")
    ax.set_xlim(float(scale(span.low)), float(scale(span.high)))
    ax.set_ylim(0.0, 1.02)
    where = "end to end" if node == SYSTEM else f"at queue {node}"
    finish(
        ax,
        title=f"{result.scenario.name}: distribution of the {metric} time {where}",
        xlabel=f"{metric} time t ({scale.unit})",
        ylabel=f"P({metric} ≤ t)",
    )
    return figure


@dataclass(frozen=True)
class _Span:
    """The times a CDF shows, in seconds, and whether on a log axis."""

    low: float
    high: float
    log: bool


def _span(values: FloatArray) -> _Span:
    """Log from the 0.1st percentile of the positive times when they span decades.

    The bulk (1st to 99.9th percentile) must span more than two decades; a
    few tiny times alone do not make the axis logarithmic.
    """
    high = float(values.max()) * 1.15
    positive = values[values > 0]
    if positive.size < 2 or high <= 0:
        return _Span(0.0, high if high > 0 else 1.0, False)
    if not spans_decades(np.quantile(positive, [0.01, 0.999]), decades=2.0):
        return _Span(0.0, high, False)
    return _Span(float(np.quantile(positive, 0.001)) / 1.5, high, True)


def _draw_ecdf(ax: Axes, values: FloatArray, scale: Scale, replications: int) -> None:
    n = values.size
    if n > 2 * CDF_POINTS:
        # Dense in the tail, where p99 and p99.9 are read.
        body = np.linspace(0, n - 1, CDF_POINTS)
        tail = n - np.logspace(0, math.log10(n), CDF_POINTS)
        index = np.unique(np.concatenate([body, tail]).clip(0, n - 1).astype(int))
    else:
        index = np.arange(n)
    ax.step(
        scale(values[index]),
        (index + 1) / n,
        where="post",
        color=COLOURS[0],
        linewidth=1.4,
        gid="simulated",
        label=f"simulated: {n} messages, {replications} replication(s)",
    )


def _draw_law(
    ax: Axes, result: Result, node: str, metric: str, span: _Span, scale: Scale
) -> None:
    """Theory's CDF over the times shown, or a legend note saying why there is none."""
    law, model = _law(result, node, metric)
    if law is None:
        note(ax, model)
        return
    grid = (
        np.geomspace(span.low, span.high, CDF_POINTS)
        if span.log
        else np.linspace(span.low, span.high, CDF_POINTS)
    )
    try:
        cdf = np.array([law.cdf(float(t)) for t in grid])
    except PushsimError as error:
        note(ax, f"no theory distribution: {error}")
        return
    if isinstance(law, Divergent) or not np.isfinite(cdf).all():
        note(ax, f"theory ({model}): unstable, the times grow without bound")
        return
    ax.plot(
        scale(grid),
        cdf,
        color=THEORY_COLOUR,
        linestyle="--",
        linewidth=1.6,
        gid="theory",
        label=f"theory: {model}",
    )
