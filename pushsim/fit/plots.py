"""Figures of a fit against its data: rates with their band, laws against the sample.

Each function draws on the Axes it is given, or on a new Figure, and returns
the Figure. No pyplot state is used, so they work in notebooks, scripts and
servers alike.

- :func:`plot_rates`: the rate of each interval as steps, with its exact
  Poisson band shaded;
- :func:`plot_service`: the empirical distribution function of the service
  times (or their histogram, as a density on logarithmic bins) with every
  candidate law, the chosen one drawn bold;
- :func:`plot_patience`: the Kaplan-Meier estimate of the survival of
  patience, with the survival function of each fitted law.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pushsim.errors import PushsimError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from pushsim.fit.fitting import Fit
    from pushsim.fit.laws import LawFit

__all__ = ["plot_patience", "plot_rates", "plot_service"]

_HOUR = 3600.0


def _axes(ax: Axes | None) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.get_figure(), ax  # type: ignore[return-value]
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 4.0), layout="constrained")
    return figure, figure.add_subplot()


def plot_rates(fit: Fit, ax: Axes | None = None) -> Figure:
    """The arrival rate of each interval (per hour) and its band."""
    figure, ax = _axes(ax)
    rates = fit.rates
    edges = np.append(rates["start_at"].to_numpy(), rates["end_at"].iloc[-1]) / _HOUR
    level = f"{100 * fit.confidence:g}%"
    ax.fill_between(
        edges,
        np.append(rates["rate_low"].to_numpy(), rates["rate_low"].iloc[-1]) * _HOUR,
        np.append(rates["rate_high"].to_numpy(), rates["rate_high"].iloc[-1]) * _HOUR,
        step="post",
        alpha=0.3,
        label=f"{level} exact Poisson band",
    )
    ax.step(
        edges,
        np.append(rates["rate"].to_numpy(), rates["rate"].iloc[-1]) * _HOUR,
        where="post",
        label="arrivals / exposure",
    )
    folded = fit.period is not None
    ax.set_xlabel("hour of the period" if folded else "hours from the trace's start")
    ax.set_ylabel("arrivals per hour")
    ax.set_title(f"arrival rate: {fit.trace.source}")
    ax.set_ylim(bottom=0)
    ax.legend()
    return figure


def _curves(fits: tuple[LawFit, ...], chosen: LawFit) -> list[tuple[str, Any, bool]]:
    """(label, frozen scipy law, chosen) for each fitted law, in the table's order.

    Laws not fitted are left out; a deterministic law is a discrete distribution
    (a step at its value).
    """
    return [
        (
            f.describe() + (" (chosen)" if f is chosen else ""),
            f.distribution,
            f is chosen,
        )
        for f in fits
        if f.fitted
    ]


def _span(times: np.ndarray) -> tuple[float, float]:
    """The range a figure shows: the data's, or around the one value of equal times."""
    low, high = float(times[0]), float(times[-1])
    return (low, high) if high > low else (low / 2.0, high * 2.0)


def plot_service(fit: Fit, ax: Axes | None = None, *, kind: str = "ecdf") -> Figure:
    """The service times against every candidate law: ``ecdf`` or ``histogram``."""
    if kind not in ("ecdf", "histogram"):
        raise PushsimError(f"kind: must be 'ecdf' or 'histogram', got {kind!r}")
    if fit.service is None:
        raise PushsimError(f"{fit.trace.source}: has no service times to plot")
    times = np.sort(fit.service_times)
    figure, ax = _axes(ax)
    low, high = _span(times)
    grid = np.geomspace(low, high, 400)
    if kind == "ecdf":
        ax.step(
            times,
            np.arange(1, times.size + 1) / times.size,
            where="post",
            color="black",
            label=f"data ({times.size} service times)",
        )
    else:
        bins = np.geomspace(low, high, 60).tolist()
        ax.hist(
            times, bins=bins, density=True, color="0.75", label=f"data ({times.size})"
        )
    for label, law, chosen in _curves(fit.service_fits, fit.service):
        width = 2.2 if chosen else 1.0
        if kind == "ecdf":
            ax.plot(grid, law.cdf(grid), linewidth=width, label=label)
        elif hasattr(law, "pdf"):
            ax.plot(grid, law.pdf(grid), linewidth=width, label=label)
        else:  # a deterministic law has no density: a line at its value
            ax.axvline(float(law.mean()), linewidth=width, label=label)
    ax.set_xscale("log")
    ax.set_xlabel("service time (s)")
    ax.set_ylabel("P(service <= t)" if kind == "ecdf" else "density (1/s)")
    ax.set_title("service time: data and fitted laws")
    ax.legend(fontsize="small")
    return figure


def plot_patience(fit: Fit, ax: Axes | None = None) -> Figure:
    """The Kaplan-Meier survival of patience and each fitted law's survival function."""
    if fit.patience is None:
        raise PushsimError(f"{fit.trace.source}: shows no abandonment to plot")
    patience = fit.patience
    figure, ax = _axes(ax)
    survival = patience.survival
    ax.step(
        survival["time"],
        survival["survival"],
        where="post",
        color="black",
        label=f"Kaplan-Meier ({patience.abandoned} abandoned, {patience.censored} censored)",
    )
    top = float(
        np.quantile(np.concatenate([patience.events, patience.censored_times]), 0.99)
    )
    grid = np.linspace(0.0, max(top, 1e-9), 400)
    for label, law, chosen in _curves(patience.fits, patience.law):
        ax.plot(grid, law.sf(grid), linewidth=2.2 if chosen else 1.0, label=label)
    ax.set_xlim(0.0, grid[-1])
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel("patience (s)")
    ax.set_ylabel("P(patience > t)")
    ax.set_title("patience: censored data and fitted laws")
    ax.legend(fontsize="small")
    return figure
