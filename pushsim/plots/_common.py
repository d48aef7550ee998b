"""What every figure shares: axes, units, scales, theory labels and SLO lines.

Times are stored in seconds and rates per second; a figure shows them in the
unit that keeps its numbers readable (``µs``, ``ms``, ``s``, ``min``, ``h``;
messages or thousands of messages a second) and says the unit on the axis.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pushsim.errors import PushsimError
from pushsim.scenario.slo import SLO

__all__ = [
    "COLOURS",
    "KINDS",
    "SLO_COLOUR",
    "THEORY_COLOUR",
    "Scale",
    "axes_for",
    "finish",
    "limits",
    "note",
    "number_lines",
    "number_scale",
    "rate_scale",
    "scale_for",
    "slo_lines",
    "spans_decades",
    "theory_label",
    "time_scale",
]

FloatArray = npt.NDArray[np.float64]

#: Colours by series, colour-blind safe (Okabe and Ito, 2008).
COLOURS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
)
THEORY_COLOUR = "#555555"
SLO_COLOUR = "#B2182B"
#: Standard figure size in inches: wide enough for a legend beside the curves.
SIZE = (7.5, 4.8)

_TIME_UNITS = (("µs", 1e-6), ("ms", 1e-3), ("s", 1.0), ("min", 60.0), ("h", 3600.0))


@dataclass(frozen=True)
class Scale:
    """How a quantity is shown: its values are divided by ``size`` and shown in ``unit``."""

    unit: str
    size: float

    def __call__(self, values: Iterable[float] | float) -> FloatArray:
        """The values in this unit."""
        return np.asarray(values, dtype=float) / self.size


def _typical(values: Iterable[float]) -> float:
    """The median of the positive finite values, or NaN if there are none."""
    array = np.asarray(list(values), dtype=float)
    array = array[np.isfinite(array) & (array > 0)]
    return float(np.median(array)) if array.size else math.nan


def time_scale(seconds: Iterable[float]) -> Scale:
    """The time unit in which a typical value of ``seconds`` reads as 1 to 999."""
    typical = _typical(seconds)
    if math.isnan(typical):
        return Scale("s", 1.0)
    chosen = _TIME_UNITS[0]
    for unit in _TIME_UNITS:
        # Minutes from 2 min up, hours from 2 h up: "90 s" reads better than "1.5 min".
        if typical >= unit[1] * (2.0 if unit[1] >= 60.0 else 1.0):
            chosen = unit
    return Scale(*chosen)


def rate_scale(per_second: Iterable[float]) -> Scale:
    """Messages a second, or thousands or millions of them when the rates are large."""
    typical = _typical(per_second)
    if typical >= 1e6:
        return Scale("million messages/s", 1e6)
    if typical >= 1e4:
        return Scale("thousand messages/s", 1e3)
    return Scale("messages/s", 1.0)


def number_scale(unit: str) -> Scale:
    """The scale of a quantity that is not a time or a rate: shares as percent."""
    if unit == "ratio":
        return Scale("%", 0.01)
    return Scale(unit or "value", 1.0)


def scale_for(unit: str, values: Iterable[float]) -> Scale:
    """The scale of a metric by its summary unit (``s``, ``1/s``, ``ratio``, ...)."""
    if unit == "s":
        return time_scale(values)
    if unit == "1/s":
        return rate_scale(values)
    return number_scale(unit)


def axes_for(ax: Axes | None) -> tuple[Figure, Axes]:
    """The given axes and their figure, or a new figure with one axes.

    A new figure is made without pyplot, so it is not held open by pyplot's
    registry and needs no display; it renders with the Agg canvas.
    """
    if ax is not None:
        if not isinstance(ax, Axes):
            raise PushsimError(f"ax must be a matplotlib Axes or None, got {ax!r}")
        return ax.get_figure(root=True), ax  # type: ignore[return-value]
    figure = Figure(figsize=SIZE, layout="constrained")
    return figure, figure.add_subplot()


def spans_decades(values: Iterable[float], decades: float = 1.0) -> bool:
    """Whether the positive finite values span more than ``decades`` powers of ten."""
    array = np.asarray(list(values), dtype=float)
    array = array[np.isfinite(array) & (array > 0)]
    if array.size < 2:
        return False
    return bool(np.log10(array.max() / array.min()) > decades)


def limits(ax: Axes, values: Iterable[float], *, log: bool, axis: str = "y") -> None:
    """Fit an axis to the measured values, so a theory curve that climbs to infinity
    near saturation does not squash them; a linear axis starts at zero."""
    array = np.asarray(list(values), dtype=float)
    array = array[np.isfinite(array) & ((array > 0) if log else True)]
    if array.size == 0:
        return
    low, high = float(array.min()), float(array.max())
    if log:
        bounds = (low / 1.6, high * 1.6)
    else:
        top = high * 1.12 if high > 0 else 1.0
        bounds = (min(0.0, low * 1.12), top)
    if axis == "y":
        ax.set_ylim(*bounds)
    else:
        ax.set_xlim(*bounds)


def slo_lines(
    ax: Axes, slos: Sequence[SLO], node: str, metrics: Sequence[str], scale: Scale
) -> list[float]:
    """Draw a labelled horizontal line for each SLO on these metrics of ``node``.

    Returns the limits drawn (in seconds, rates or shares, unscaled).
    """
    drawn = []
    for objective in slos:
        if objective.node != node or objective.metric not in metrics:
            continue
        if not math.isfinite(objective.limit):
            continue
        level = float(scale(objective.limit))
        ax.axhline(
            level,
            color=SLO_COLOUR,
            linestyle=(0, (6, 3)),
            linewidth=1.2,
            label=f"SLO {objective.text}",
            gid="slo",
        )
        drawn.append(objective.limit)
    return drawn


def theory_label(models: Iterable[object], exact: Iterable[object] = ()) -> str:
    """``theory: M/M/1 (exact)`` or ``theory: Kingman (approximation)``."""
    names = sorted(
        {str(m) for m in models if m is not None and str(m) not in ("", "nan")}
    )
    flags = {bool(e) for e in exact if e is not None and e == e}
    kind = ""
    if flags == {True}:
        kind = " (exact)"
    elif flags == {False}:
        kind = " (approximation)"
    return "theory: " + (", ".join(names) if names else "model not named") + kind


#: A legend note is wrapped at this many characters and cut after so many lines,
#: so that a long reason does not squeeze the axes (the full text is in the
#: prediction and the report).
NOTE_WIDTH, NOTE_LINES = 60, 3


def note(ax: Axes, text: str) -> None:
    """A legend entry that is only words (no line): what is missing and why."""
    import textwrap

    lines = textwrap.wrap(text, NOTE_WIDTH)
    if len(lines) > NOTE_LINES:
        lines = [*lines[: NOTE_LINES - 1], lines[NOTE_LINES - 1].rstrip(" ;,.") + " …"]
    ax.add_line(Line2D([], [], linestyle="none", label="\n".join(lines)))


#: What a drawn line shows, as its ``gid`` begins: a script or a test finds the
#: theory line of a figure by ``line.get_gid().startswith("theory")``.
KINDS = ("theory", "simulated", "saturated", "slo")


def number_lines(ax: Axes) -> None:
    """Make each tagged line's gid unique in its figure: ``theory-<axes>-<n>``.

    The SVG writer turns a gid into an element id, and ids must not repeat.
    """
    figure = ax.get_figure(root=True)
    place = figure.axes.index(ax) if figure is not None else 0
    counts = dict.fromkeys(KINDS, 0)
    for line in ax.get_lines():
        kind = str(line.get_gid() or "").split("-")[0]
        if kind in counts:
            line.set_gid(f"{kind}-{place}-{counts[kind]}")
            counts[kind] += 1


def finish(ax: Axes, *, title: str, xlabel: str, ylabel: str) -> None:
    """Title, axis labels, a light grid, the legend, and the lines' gids numbered."""
    number_lines(ax)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize="small", loc="best", framealpha=0.85)
