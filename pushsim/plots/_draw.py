"""Drawing the parts of a sweep figure: simulated points, theory lines, legend notes.

Simulated points carry their 95 % confidence interval as error bars; points
past saturation (offered load >= 1) are drawn hollow, with one legend entry
that says so. The theory is a continuous line over a fine grid when the
sweep gives one, else a dashed line through its values at the simulated
points, said in the legend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from pushsim.plots._common import THEORY_COLOUR, FloatArray, theory_label

__all__ = [
    "annotate",
    "errors",
    "mark_saturated",
    "points",
    "theory_legend",
    "theory_line",
    "theory_text",
]


def errors(mean: FloatArray, low: FloatArray, high: FloatArray) -> FloatArray | None:
    """Error bar lengths below and above each mean; None when no interval is known."""
    if not (np.isfinite(low).any() or np.isfinite(high).any()):
        return None
    below = np.where(np.isfinite(low), mean - low, 0.0).clip(min=0.0)
    above = np.where(np.isfinite(high), high - mean, 0.0).clip(min=0.0)
    return np.vstack([below, above])


def points(
    ax: Axes,
    x: np.ndarray,
    y: tuple[FloatArray, FloatArray, FloatArray],
    saturated: np.ndarray,
    *,
    colour: str,
    label: str,
    marker: str = "o",
    xerr: tuple[FloatArray, FloatArray] | None = None,
    log: bool = False,
) -> None:
    """Simulated means with their intervals: filled when stable, hollow when saturated.

    ``y`` is (mean, low, high), already scaled; ``xerr`` (low, high) of the
    x values, for the throughput-latency curve. On a log axis (``log``) a
    mean of zero cannot be drawn and is left out.
    """
    mean, low, high = y
    keep = np.isfinite(mean) & ((mean > 0) if log else True)
    if xerr is not None:
        keep &= np.isfinite(x.astype(float))
    if not keep.any():
        return
    ax.plot(x[keep], mean[keep], color=colour, linewidth=0.8, alpha=0.45)
    for mask, hollow in ((keep & ~saturated, False), (keep & saturated, True)):
        if not mask.any():
            continue
        xe = None
        if xerr is not None:
            xe = errors(x[mask].astype(float), xerr[0][mask], xerr[1][mask])
        container = ax.errorbar(
            x[mask],
            mean[mask],
            yerr=errors(mean[mask], low[mask], high[mask]),
            xerr=xe,
            fmt=marker,
            color=colour,
            markerfacecolor="none" if hollow else colour,
            markeredgecolor=colour,
            markersize=6,
            capsize=3,
            elinewidth=1.0,
            label="_nolegend_" if hollow else label,
        )
        container.lines[0].set_gid("saturated" if hollow else "simulated")


def mark_saturated(ax: Axes, any_saturated: bool, *, vertical_at: float | None) -> None:
    """One legend entry for hollow markers and, on a load axis, the line at load 1."""
    if not any_saturated:
        return
    ax.add_line(
        Line2D(
            [],
            [],
            marker="o",
            markerfacecolor="none",
            markeredgecolor="black",
            linestyle="none",
            label="hollow: saturated (offered load ≥ 1)",
        )
    )
    if vertical_at is not None:
        ax.axvline(vertical_at, color="grey", linestyle=":", linewidth=1.0)


def theory_line(
    ax: Axes,
    x: np.ndarray,
    values: FloatArray,
    *,
    colour: str,
    label: str | None,
    fine: bool,
) -> None:
    """The theory as a line; infinite or missing values break it (unstable points)."""
    shown = np.where(np.isfinite(values), values, np.nan)
    ax.plot(
        x,
        shown,
        color=colour,
        linestyle="-" if fine else "--",
        linewidth=1.6,
        alpha=0.85,
        label=label if label is not None else "_nolegend_",
        gid="theory",
        zorder=1.5,
    )


def theory_legend(
    ax: Axes, models: Sequence[str], exact: Sequence[bool], *, fine: bool
) -> None:
    """A single legend entry that names the theory model, for several coloured lines."""
    where = "" if fine else ", at the simulated points"
    ax.add_line(
        Line2D(
            [],
            [],
            color=THEORY_COLOUR,
            linestyle="-" if fine else "--",
            label=f"lines: {theory_label(models, exact)}{where}",
        )
    )


def theory_text(models: Sequence[str], exact: Sequence[bool], *, fine: bool) -> str:
    """The legend label of one theory line."""
    where = "" if fine else " (at the simulated points)"
    return theory_label(models, exact) + where


def annotate(ax: Axes, x: FloatArray, y: FloatArray, texts: Sequence[Any]) -> None:
    """Write each point's varied value beside it (the throughput-latency curve)."""
    for tx, ty, text in zip(x, y, texts, strict=True):
        if np.isfinite(tx) and np.isfinite(ty):
            ax.annotate(
                _text(text),
                (tx, ty),
                textcoords="offset points",
                xytext=(5, 4),
                fontsize=7,
                color="#333333",
            )


def _text(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):.3g}"
    return str(value)
