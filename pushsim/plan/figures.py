"""Figures of plans, each a matplotlib ``Figure`` made without pyplot.

- :func:`plan_curve`: an SLO's metric against what the plan varied, around
  the chosen value: each simulated point with its confidence interval
  (filled where it meets the SLO, hollow where it misses, grey where too
  close to call), theory's curve, the limit and the chosen point.
- :func:`day_staffing`: the offered load over the day (lambda E[S] and the
  MOL's m(t)) with the naive and MOL schedules (and the current one, if the
  scenario has one) as steps.
- :func:`day_check`: an SLO's metric per interval under each schedule,
  with intervals, against the limit.

Each takes ``ax=`` to draw into axes of your own and returns the figure.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from pushsim.errors import PushsimError
from pushsim.measures import unit_of
from pushsim.plan._dayrecord import DayPlan
from pushsim.plan._record import Plan
from pushsim.plots._common import (
    COLOURS,
    SLO_COLOUR,
    THEORY_COLOUR,
    axes_for,
    scale_for,
)

__all__ = ["day_check", "day_staffing", "plan_curve"]

#: Colour and sideways shift (a share of an interval) of each schedule's points.
_SCHEDULE_STYLE = {
    "naive": (COLOURS[1], -0.15),
    "mol": (COLOURS[0], 0.0),
    "current": (COLOURS[3], 0.15),
}

#: Line colour and marker fill of a simulated point, by its verdict.
_VERDICT_STYLE = {
    "pass": (COLOURS[0], COLOURS[0]),
    "fail": (COLOURS[1], "white"),
    "inconclusive": ("#888888", "#dddddd"),
}


def _slo_index(slos: Any, which: int | str) -> int:
    texts = [s.text for s in slos]
    if isinstance(which, str):
        if which not in texts:
            raise PushsimError(f"no SLO {which!r} in this plan; its SLOs are {texts}")
        return texts.index(which)
    if not 0 <= which < len(texts):
        raise PushsimError(f"slo must be an index below {len(texts)} or one of {texts}")
    return which


def plan_curve(
    plan: Plan, *, slo: int | str = 0, along: str = "value", ax: Axes | None = None
) -> Figure:
    """An SLO's metric against the varied value, with intervals.

    ``along="load"`` draws it against the rate factor at the planned value
    instead: the headroom search of a count plan.
    """
    objective = plan.slos[_slo_index(plan.slos, slo)]
    if along not in ("value", "load"):
        raise PushsimError(f"along must be 'value' or 'load', got {along!r}")
    by_load = plan.varies_load or along == "load"
    figure, axes = axes_for(ax)
    rows = plan.summary[plan.summary.slo == objective.text]
    if not plan.varies_load:
        keep = rows.value == plan.value if by_load else rows.rate_factor == plan.load
        rows = rows[keep]
    x_column = "rate_factor" if by_load else "value"
    unit = unit_of(objective.metric)
    scale = scale_for(unit, [*rows["mean"], objective.limit])
    theory = rows[rows.source == "theory"].sort_values(x_column)
    if len(theory):
        axes.plot(
            theory[x_column],
            scale(theory["mean"]),
            color=THEORY_COLOUR,
            linestyle=":",
            marker=".",
            label=f"theory: {theory.model.iloc[0]}",
        )
    simulated = rows[rows.source == "simulation"]
    for verdict, (colour, fill) in _VERDICT_STYLE.items():
        part = simulated[simulated.verdict == verdict]
        if part.empty:
            continue
        mean = scale(part["mean"])
        below = np.nan_to_num(mean - scale(part["ci_low"]))
        above = np.nan_to_num(scale(part["ci_high"]) - mean)
        axes.errorbar(
            part[x_column],
            mean,
            yerr=[below, above],
            fmt="o",
            capsize=3,
            label=f"simulated: {verdict}",
            color=colour,
            markerfacecolor=fill,
        )
    axes.axhline(
        float(scale(objective.limit)),
        color=SLO_COLOUR,
        linestyle=(0, (6, 3)),
        label=f"SLO {objective.text}",
    )
    chosen = plan.load if by_load and not plan.varies_load else plan.value
    axes.axvline(chosen, color="#999999", linewidth=0.8, label="plan")
    if by_load:
        axes.set_xlabel("load factor (on every producer's rate)")
    else:
        axes.set_xlabel(plan.vary)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(f"{objective.node} {objective.metric} ({scale.unit})")
    axes.set_title(f"{plan.scenario.name}: {objective.text}")
    axes.legend(fontsize="small")
    return figure


def _steps(
    axes: Axes, starts: np.ndarray, width: float, values: Any, **style: Any
) -> None:
    edges = np.append(starts, starts[-1] + width)
    axes.stairs(np.asarray(values, dtype=float), edges, **style)


def day_staffing(day: DayPlan, *, ax: Axes | None = None) -> Figure:
    """Offered load and the two schedules over the day (hours on the x axis)."""
    figure, axes = axes_for(ax)
    frame = day.schedule
    hours = frame.start.to_numpy() / 3600.0
    width = day.interval / 3600.0
    _steps(
        axes,
        hours,
        width,
        frame.offered_load,
        color=THEORY_COLOUR,
        linestyle=":",
        label="offered load, rate x E[S] (erlangs)",
    )
    _steps(
        axes,
        hours,
        width,
        frame.mol_load,
        color=COLOURS[2],
        linestyle="--",
        label="modified offered load, peak of m(t)",
    )
    _steps(
        axes,
        hours,
        width,
        frame.naive,
        color=COLOURS[1],
        linewidth=1.6,
        label="naive plan (consumers)",
    )
    _steps(
        axes,
        hours,
        width,
        frame.mol,
        color=COLOURS[0],
        linewidth=1.6,
        label="MOL plan (consumers)",
    )
    if "current" in day.schedules:
        _steps(
            axes,
            hours,
            width,
            frame.current,
            color=_SCHEDULE_STYLE["current"][0],
            linewidth=1.6,
            linestyle="-.",
            label="current schedule (consumers)",
        )
    axes.set_xlabel("hour of the profile")
    axes.set_ylabel("consumers, erlangs")
    axes.set_title(f"{day.scenario.name}: staffing of {day.queue}")
    axes.legend(fontsize="small")
    return figure


def day_check(day: DayPlan, *, slo: int | str = 0, ax: Axes | None = None) -> Figure:
    """An SLO's metric per interval under each schedule, from the simulated days."""
    if day.check is None:
        raise PushsimError("this day plan was made with check=False: nothing to draw")
    objective = day.slos[_slo_index(day.slos, slo)]
    figure, axes = axes_for(ax)
    rows = day.check[day.check.slo == objective.text]
    scale = scale_for(unit_of(objective.metric), [*rows["mean"], objective.limit])
    for name in day.schedules:
        colour, shift = _SCHEDULE_STYLE[name]
        part = rows[rows.schedule == name]
        hours = part.start.to_numpy() / 3600.0 + day.interval / 7200.0
        mean = scale(part["mean"])
        below = np.nan_to_num(mean - scale(part["ci_low"]))
        above = np.nan_to_num(scale(part["ci_high"]) - mean)
        axes.errorbar(
            hours + shift * day.interval / 3600.0,
            mean,
            yerr=[below, above],
            fmt="o",
            capsize=2,
            color=colour,
            label="current schedule" if name == "current" else f"{name} plan",
        )
    axes.axhline(
        float(scale(objective.limit)),
        color=SLO_COLOUR,
        linestyle=(0, (6, 3)),
        label=f"SLO {objective.text}",
    )
    axes.set_xlabel("hour of the profile")
    axes.set_ylabel(f"{objective.metric} ({scale.unit})")
    axes.set_title(f"{day.scenario.name}: {objective.text} by interval")
    axes.legend(fontsize="small")
    return figure
