"""The curves of a sweep: throughput, latency, and latency against throughput.

Each function takes the frame that :func:`pushsim.sweep` returns and draws
one node's curves against the first varied value: every simulated point
with its 95 % confidence interval, the theory as a continuous line over a
fine grid (from :func:`pushsim.plots._frame.theory_curve`, or one passed as
``theory=``) labelled with its model, the SLO limits as horizontal lines,
and points past saturation hollow. A sweep over two names (a grid) gets one
series per value of the second. Each returns the ``Figure``; pass ``ax=`` to
draw into axes of your own.

Limits: the fine-grid theory needs a numeric first varied value; for a
policy or other named values the theory is drawn at the simulated points.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pushsim.plots import _draw
from pushsim.plots._common import (
    COLOURS,
    THEORY_COLOUR,
    FloatArray,
    Scale,
    axes_for,
    finish,
    limits,
    note,
    rate_scale,
    scale_for,
    slo_lines,
    spans_decades,
    time_scale,
)
from pushsim.plots._frame import Series, SweepFrame, theory_curve, vary_label

__all__ = ["latency", "throughput", "throughput_latency"]

_MARKERS = ("o", "s", "^", "D", "v", "P")


def _where(node: str) -> str:
    return "system, end to end" if node == "system" else f"queue {node}"


def _metric_label(metric: str) -> str:
    """``sojourn_p99`` -> ``sojourn p99``, ``wait_p999`` -> ``wait p99.9``."""
    family, _, stat = metric.partition("_")
    if stat.startswith("p") and stat[1:].isdigit() and len(stat) > 3:
        stat = f"p{stat[1:3]}.{stat[3:]}"
    return f"{family} {stat}".strip()


def _curve(frame: pd.DataFrame, theory: pd.DataFrame | None) -> pd.DataFrame | None:
    return theory if theory is not None else theory_curve(frame)


def _theory(
    ax: Axes,
    sweep: SweepFrame,
    curve: pd.DataFrame | None,
    node: str,
    metric: str,
    series: Series,
    scale: Scale,
    *,
    colour: str,
    label: bool = False,
) -> tuple[bool, bool, tuple[str, ...]]:
    """Draw one series' theory; return (drawn, on a fine grid, model names)."""
    fine = sweep.curve(curve, node, metric, series.key)
    if fine is not None:
        x, values, models = fine
        text = _draw.theory_text(models, series.exact, fine=True) if label else None
        _draw.theory_line(ax, x, scale(values), colour=colour, label=text, fine=True)
        return True, True, models
    if not np.isfinite(series.theory).any():
        return False, False, ()
    text = _draw.theory_text(series.models, series.exact, fine=False) if label else None
    _draw.theory_line(
        ax, series.x, scale(series.theory), colour=colour, label=text, fine=False
    )
    return True, False, series.models


def _load_line(sweep: SweepFrame) -> float | None:
    return 1.0 if sweep.x_name == "load" else None


def throughput(
    frame: pd.DataFrame,
    *,
    node: str = "system",
    ax: Axes | None = None,
    theory: pd.DataFrame | None = None,
) -> Figure:
    """Throughput (completed messages a second) against the varied value.

    ``theory`` is a fine-grid theory frame (columns of
    :func:`pushsim.plots._frame.theory_curve`); without it the sweep's own is
    asked for.
    """
    sweep = SweepFrame(frame, "plots.throughput")
    curve = _curve(frame, theory)
    series = sweep.series(node, "throughput")
    scale = rate_scale(np.concatenate([s.mean for s in series]))
    figure, ax = axes_for(ax)
    grid = len(series) > 1
    drawn = []
    for index, one in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        label = f"{one.label + ': ' if grid else ''}simulated mean, 95% CI"
        _draw.points(
            ax,
            one.x,
            (scale(one.mean), scale(one.low), scale(one.high)),
            one.saturated,
            colour=colour,
            label=label,
        )
        drawn.append(
            _theory(
                ax,
                sweep,
                curve,
                node,
                "throughput",
                one,
                scale,
                colour=colour if grid else THEORY_COLOUR,
                label=not grid,
            )
        )
    _theory_notes(ax, drawn, series, grid)
    _draw.mark_saturated(
        ax, any(s.saturated.any() for s in series), vertical_at=_load_line(sweep)
    )
    slo_lines(ax, sweep.slos, node, ["throughput"], scale)
    ax.set_ylim(bottom=0.0)
    finish(
        ax,
        title=f"{sweep.scenario_name}: throughput ({_where(node)})",
        xlabel=vary_label(sweep.x_name),
        ylabel=f"throughput ({scale.unit})",
    )
    return figure


def _theory_notes(
    ax: Axes,
    drawn: Sequence[tuple[bool, bool, tuple[str, ...]]],
    series: Sequence[Series],
    grouped: bool,
) -> None:
    """The legend entry of several theory lines, or a note that there is none."""
    if not any(d[0] for d in drawn):
        note(ax, "no theory model covers this")
        return
    if grouped:
        models = [m for d in drawn for m in d[2]]
        exact = [e for s in series for e in s.exact]
        _draw.theory_legend(ax, models, exact, fine=all(d[1] for d in drawn if d[0]))


def latency(
    frame: pd.DataFrame,
    *,
    node: str = "system",
    metrics: Sequence[str] = ("sojourn_mean", "sojourn_p50", "sojourn_p99"),
    ax: Axes | None = None,
    theory: pd.DataFrame | None = None,
) -> Figure:
    """Latency means and percentiles against the varied value, with the SLO limits.

    The y axis is logarithmic when the simulated values span more than a
    decade; it is fitted to the simulated points and the SLO limits, so a
    theory curve that climbs to infinity near saturation leaves the frame.
    """
    sweep = SweepFrame(frame, "plots.latency")
    curve = _curve(frame, theory)
    per_metric = {metric: sweep.series(node, metric) for metric in metrics}
    every = [s for group in per_metric.values() for s in group]
    scale = time_scale(np.concatenate([s.mean for s in every]))
    log = spans_decades(np.concatenate([s.mean for s in every]))
    figure, ax = axes_for(ax)
    grid = len(every) > len(metrics)
    drawn = []
    for m_index, (metric, group) in enumerate(per_metric.items()):
        for g_index, one in enumerate(group):
            colour = COLOURS[(g_index if grid else m_index) % len(COLOURS)]
            name = _metric_label(metric) + (f", {one.label}" if grid else "")
            _draw.points(
                ax,
                one.x,
                (scale(one.mean), scale(one.low), scale(one.high)),
                one.saturated,
                colour=colour,
                label=f"{name} (simulated, 95% CI)",
                marker=_MARKERS[m_index % len(_MARKERS)] if grid else "o",
                log=log,
            )
            drawn.append(
                _theory(ax, sweep, curve, node, metric, one, scale, colour=colour)
            )
    _theory_notes(ax, drawn, every, grouped=True)
    _draw.mark_saturated(
        ax, any(s.saturated.any() for s in every), vertical_at=_load_line(sweep)
    )
    slos = slo_lines(ax, sweep.slos, node, list(metrics), scale)
    _fit_y(ax, every, slos, scale, log=log)
    finish(
        ax,
        title=f"{sweep.scenario_name}: latency ({_where(node)})",
        xlabel=vary_label(sweep.x_name),
        ylabel=f"latency ({scale.unit})",
    )
    return figure


def _fit_y(
    ax: Axes, every: Sequence[Series], slos: Sequence[float], scale: Scale, *, log: bool
) -> None:
    """The y scale and limits from the points and the SLOs; say what log leaves out."""
    if log:
        ax.set_yscale("log")
        zeros = sum(int(np.count_nonzero(s.mean <= 0)) for s in every)
        if zeros:
            note(ax, f"{zeros} point(s) at 0 not shown (log scale)")
    shown = [scale(np.concatenate([s.mean, s.low, s.high])) for s in every]
    limits(ax, np.concatenate([*shown, scale(np.asarray(slos, dtype=float))]), log=log)


def throughput_latency(
    frame: pd.DataFrame,
    *,
    node: str = "system",
    metric: str = "sojourn_p99",
    ax: Axes | None = None,
    theory: pd.DataFrame | None = None,
) -> Figure:
    """Latency against achieved throughput: the curve that bends at the knee.

    Each simulated point has its interval in both directions and is labelled
    with its varied value; the theory is the parametric curve (throughput,
    latency) over the fine grid.
    """
    sweep = SweepFrame(frame, "plots.throughput_latency")
    curve = _curve(frame, theory)
    rates = sweep.series(node, "throughput")
    times = sweep.series(node, metric)
    unit = sweep.unit(node, metric)
    x_scale = rate_scale(np.concatenate([s.mean for s in rates]))
    y_scale = scale_for(unit, np.concatenate([s.mean for s in times]))
    log = unit == "s" and spans_decades(np.concatenate([s.mean for s in times]))
    figure, ax = axes_for(ax)
    grid = len(times) > 1
    drawn = []
    for index, (rate, time) in enumerate(zip(rates, times, strict=True)):
        colour = COLOURS[index % len(COLOURS)]
        _draw.points(
            ax,
            x_scale(rate.mean),
            (y_scale(time.mean), y_scale(time.low), y_scale(time.high)),
            time.saturated | rate.saturated,
            colour=colour,
            label=f"{time.label + ': ' if grid else ''}simulated, 95% CI",
            xerr=(x_scale(rate.low), x_scale(rate.high)),
            log=log,
        )
        if not grid:
            _draw.annotate(ax, x_scale(rate.mean), y_scale(time.mean), list(time.x))
        drawn.append(
            _parametric(
                ax,
                (sweep, curve, node, metric),
                (rate, time),
                (x_scale, y_scale),
                colour=colour if grid else THEORY_COLOUR,
                label=not grid,
            )
        )
    _theory_notes(ax, drawn, times, grouped=grid)
    _draw.mark_saturated(ax, any(s.saturated.any() for s in times), vertical_at=None)
    slos = slo_lines(ax, sweep.slos, node, [metric], y_scale)
    _fit_y(ax, times, slos, y_scale, log=log)
    x_shown = [x_scale(np.concatenate([r.mean, r.high])) for r in rates]
    limits(ax, np.concatenate(x_shown), log=False, axis="x")
    finish(
        ax,
        title=f"{sweep.scenario_name}: {_metric_label(metric)} against throughput "
        f"({_where(node)})",
        xlabel=f"achieved throughput ({x_scale.unit})",
        ylabel=f"{_metric_label(metric)} ({y_scale.unit})",
    )
    return figure


def _parametric(
    ax: Axes,
    where: tuple[SweepFrame, pd.DataFrame | None, str, str],
    pair: tuple[Series, Series],
    scales: tuple[Scale, Scale],
    *,
    colour: str,
    label: bool,
) -> tuple[bool, bool, tuple[str, ...]]:
    """The theory's (throughput, latency) curve, on the fine grid if there is one.

    Returns (drawn, on a fine grid, model names), as :func:`_theory` does.
    """
    sweep, curve, node, metric = where
    rate, time = pair
    x_fine = sweep.curve(curve, node, "throughput", rate.key)
    y_fine = sweep.curve(curve, node, metric, time.key)
    if x_fine is not None and y_fine is not None:
        rates: FloatArray = np.interp(y_fine[0], x_fine[0], x_fine[1])
        x, y, models, fine = rates, y_fine[1], y_fine[2], True
    elif np.isfinite(time.theory).any() and np.isfinite(rate.theory).any():
        x, y, models, fine = rate.theory, time.theory, time.models, False
    else:
        return False, False, ()
    text = _draw.theory_text(models, time.exact, fine=fine) if label else None
    _draw.theory_line(
        ax, scales[0](x), scales[1](y), colour=colour, label=text, fine=fine
    )
    return True, fine, models
