"""Arrival rates by interval, with exact Poisson confidence bands.

The arrivals of a trace are counted in intervals of a fixed length. Along the
trace's own timeline, interval i covers ``[start + i w, start + (i+1) w)``
from the interval boundary at or before the first arrival to the one at or
after the last (an arrival exactly on the last boundary counts in the
interval before it). Folded over a ``period`` (a day: ``1d``), interval i of
every period is pooled, so that a log of several days gives one daily
profile.

The trace is observed from its first arrival to its last (or over the
windows given as ``observed``, such as the days selected from a log), and an
interval's exposure is the part of it observed: all of an interval inside
that time, less of one at its edges, and, folded, the sum over the periods.
The rate of an interval is its count over its exposure, so that the
intervals the trace begins and ends in are not diluted by the time before
and after it. Its band is the exact
(Garwood) interval of a Poisson mean: for a count k at level 1 - a,
``[chi2(a/2; 2k) / 2, chi2(1 - a/2; 2k + 2) / 2]`` divided by the exposure
(F. Garwood, "Fiducial limits for the Poisson distribution", Biometrika 28,
1936). Folded, each interval also gets the index of dispersion of its counts
across the periods that observed all of it (variance over mean, about 1 when
the periods are alike and the counts Poisson); well above 1, the periods
differ by more than chance and the band, which holds only the Poisson noise,
is too narrow for a single day.

Limits: the window from the first to the last arrival is a little shorter
than the time the log really covers, and an interval observed for a short
time (the trace beginning just before its end) rests on few arrivals: its
band is wide, and its rate counts the first arrival itself. An interval
never observed (folded, a part of the period outside the observed time) has
no rate (NaN).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pushsim.errors import PushsimError

__all__ = ["RATE_COLUMNS", "arrival_rates", "garwood"]

#: The columns of the table of rates, in order.
RATE_COLUMNS = [
    "start_at",
    "end_at",
    "arrivals",
    "exposure_time",
    "rate",
    "rate_low",
    "rate_high",
    "dispersion",
]
#: Bins beyond this many are refused: an interval far too short for the trace.
MAX_INTERVALS = 100_000


def garwood(count: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """The exact two-sided interval of a Poisson mean, for each observed count."""
    from scipy import stats

    count = np.asarray(count, dtype=np.float64)
    tail = (1.0 - confidence) / 2.0
    with np.errstate(invalid="ignore"):
        low = np.where(count > 0, stats.chi2.ppf(tail, 2.0 * count) / 2.0, 0.0)
    high = stats.chi2.ppf(1.0 - tail, 2.0 * count + 2.0) / 2.0
    return low, high


def arrival_rates(
    arrival_at: np.ndarray,
    *,
    interval: float | None,
    period: float | None = None,
    confidence: float = 0.95,
    observed: Sequence[tuple[float, float]] | None = None,
    source: str = "trace",
) -> pd.DataFrame:
    """The table of rates (columns :data:`RATE_COLUMNS`; times in seconds, rates /s).

    ``interval`` None gives one row for the observed time (or, with
    ``period``, one row pooling the periods). ``observed`` lists the windows
    the trace covers, (from, to) pairs on the arrivals' clock in time order
    (the days selected from a log, say); by default the one window from its
    first arrival to its last. The table's ``attrs`` hold ``observed_from``
    and ``observed_to``, the ends of that time. ``source`` names the trace
    (its file) in messages.
    """
    times = np.sort(np.asarray(arrival_at, dtype=np.float64))
    if times.size == 0:
        raise PushsimError(f"{source}: has no arrivals to count")
    if not 0.0 < confidence < 1.0:
        raise PushsimError(f"confidence: must be between 0 and 1, got {confidence:g}")
    windows = _windows(times, observed, source)
    start, end = float(windows[0, 0]), float(windows[-1, 1])
    if period is not None:
        table = _folded(times, interval or period, period, windows, confidence)
    elif interval is None:
        exposure = np.array([float(np.sum(windows[:, 1] - windows[:, 0]))])
        table = _table(
            np.array([start]), end - start, np.array([times.size]), exposure, confidence
        )
    else:
        table = _timeline(times, interval, windows, confidence)
    table.attrs["observed_from"], table.attrs["observed_to"] = start, end
    return table


def _windows(
    times: np.ndarray, observed: Sequence[tuple[float, float]] | None, source: str
) -> np.ndarray:
    """The observed windows as an (n, 2) array, checked to hold every arrival."""
    first, last = float(times[0]), float(times[-1])
    if observed is None:
        if last <= first:
            raise PushsimError(
                f"{source}: all {times.size} arrivals are at one instant, so no "
                "rate can be measured"
            )
        return np.array([[first, last]])
    try:
        windows = np.asarray(observed, dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError):
        raise PushsimError(
            f"observed: must be (from, to) pairs of seconds, got {observed!r}"
        ) from None
    ordered = np.all(windows[1:, 0] >= windows[:-1, 1]) if len(windows) > 1 else True
    if not (
        windows.size
        and np.all(np.isfinite(windows))
        and np.all(windows[:, 0] < windows[:, 1])
        and ordered
    ):
        raise PushsimError(
            "observed: must be (from, to) pairs with from < to, in time order and "
            f"not overlapping, got {windows.tolist()}"
        )
    inside = np.searchsorted(windows[:, 0], times, side="right") - 1
    held = (inside >= 0) & (times <= windows[np.maximum(inside, 0), 1])
    if not held.all():
        outside = float(times[np.flatnonzero(~held)[0]])
        raise PushsimError(
            f"observed: the windows {windows.tolist()} must hold every arrival; "
            f"the one at {outside:g}s is outside them"
        )
    return windows


def _check_interval(interval: float, span: float) -> int:
    if not (math.isfinite(interval) and interval > 0):
        raise PushsimError(f"interval: must be a duration > 0, got {interval:g}")
    bins = math.floor(span / interval) + 1
    if bins > MAX_INTERVALS:
        raise PushsimError(
            f"interval: {interval:g}s cuts the trace's {span:g}s into {bins} intervals, "
            f"more than {MAX_INTERVALS}; choose a longer interval"
        )
    return bins


def _grid(
    times: np.ndarray, origin: float, interval: float, windows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The count and the observed seconds of each interval from ``origin`` on.

    The last interval ends at or after the last window's end; an arrival
    exactly on a boundary at the end counts in the interval before it.
    """
    bins = max(1, math.ceil((windows[-1, 1] - origin) / interval - 1e-9))
    index = np.clip(((times - origin) // interval).astype(np.int64), 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    low = origin + interval * np.arange(bins)
    exposure = np.zeros(bins)
    for start, end in windows:
        exposure += np.clip(
            np.minimum(low + interval, end) - np.maximum(low, start), 0, None
        )
    return counts, exposure


def _timeline(
    times: np.ndarray, interval: float, windows: np.ndarray, confidence: float
) -> pd.DataFrame:
    if not (math.isfinite(interval) and interval > 0):
        raise PushsimError(f"interval: must be a duration > 0, got {interval:g}")
    origin = math.floor(windows[0, 0] / interval) * interval
    _check_interval(interval, windows[-1, 1] - origin)
    counts, exposure = _grid(times, origin, interval, windows)
    starts = origin + interval * np.arange(counts.size)
    return _table(starts, interval, counts, exposure, confidence)


def _folded(
    times: np.ndarray,
    interval: float,
    period: float,
    windows: np.ndarray,
    confidence: float,
) -> pd.DataFrame:
    if not (math.isfinite(period) and period > 0):
        raise PushsimError(f"period: must be a duration > 0, got {period:g}")
    per_period = period / interval
    if abs(per_period - round(per_period)) > 1e-9 * per_period or per_period < 1:
        raise PushsimError(
            f"interval: must divide the period ({period:g}s) into whole intervals, "
            f"got {interval:g}s"
        )
    bins = round(per_period)
    _check_interval(interval, period)
    origin = math.floor(windows[0, 0] / period) * period
    counts, exposure = _grid(times, origin, interval, windows)
    periods = math.ceil(counts.size / bins)
    size = periods * bins
    grid = np.pad(counts, (0, size - counts.size)).reshape(periods, bins)
    seen = np.pad(exposure, (0, size - exposure.size)).reshape(periods, bins)
    table = _table(
        interval * np.arange(bins),
        interval,
        grid.sum(axis=0),
        seen.sum(axis=0),
        confidence,
    )
    table["dispersion"] = _dispersion(grid, seen >= interval * (1.0 - 1e-9))
    table.attrs["periods"] = periods
    return table


def _dispersion(grid: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """Variance over mean of each interval's counts in the periods that saw all of it."""
    out = np.full(grid.shape[1], np.nan)
    for k in range(grid.shape[1]):
        counts = grid[whole[:, k], k]
        if counts.size > 1 and counts.mean() > 0:
            out[k] = counts.var(ddof=1) / counts.mean()
    return out


def _table(
    starts: np.ndarray,
    width: float,
    counts: np.ndarray,
    exposure: np.ndarray,
    confidence: float,
) -> pd.DataFrame:
    low, high = garwood(counts, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        # an interval never observed has no rate, nor a band
        seen = np.where(exposure > 0, exposure, np.nan)
        table = pd.DataFrame(
            {
                "start_at": starts,
                "end_at": starts + width,
                "arrivals": counts.astype(np.int64),
                "exposure_time": exposure.astype(np.float64),
                "rate": counts / seen,
                "rate_low": low / seen,
                "rate_high": high / seen,
                "dispersion": np.full(counts.size, np.nan),
            }
        )
    table.attrs["periods"] = 1
    table.attrs["confidence"] = confidence
    return table[RATE_COLUMNS]
