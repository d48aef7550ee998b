"""Arrival rates by interval, with exact Poisson confidence bands.

The arrivals of a trace are counted in intervals of a fixed length. Along the
trace's own timeline, interval i covers ``[start + i w, start + (i+1) w)``
from the interval boundary at or before the first arrival to the one after
the last. Folded over a ``period`` (a day: ``1d``), interval i of every period
is pooled, so that a log of several days gives one daily profile; its
exposure is the interval's length times the number of periods the trace
spans, from the period of the first arrival to that of the last.

The rate of an interval is its count over its exposure. Its band is the exact
(Garwood) interval of a Poisson mean: for a count k at level 1 - a,
``[chi2(a/2; 2k) / 2, chi2(1 - a/2; 2k + 2) / 2]`` divided by the exposure
(F. Garwood, "Fiducial limits for the Poisson distribution", Biometrika 28,
1936). Folded, each interval also gets the index of dispersion of its counts
across the periods (variance over mean, about 1 when the periods are alike
and the counts Poisson); well above 1, the periods differ by more than chance
and the band, which holds only the Poisson noise, is too narrow for a single
day.

Limits: the first and last intervals of the timeline count as fully
observed even when the trace begins or ends inside them.
"""

from __future__ import annotations

import math

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
) -> pd.DataFrame:
    """The table of rates (columns :data:`RATE_COLUMNS`; times in seconds, rates /s).

    ``interval`` None gives one row for the whole trace (its span, or every
    whole period with ``period``).
    """
    times = np.sort(np.asarray(arrival_at, dtype=np.float64))
    if times.size == 0:
        raise PushsimError("trace: has no arrivals to count")
    if not 0.0 < confidence < 1.0:
        raise PushsimError(f"confidence: must be between 0 and 1, got {confidence:g}")
    if period is not None:
        return _folded(times, interval or period, period, confidence)
    if interval is None:
        span = float(times[-1] - times[0])
        if span <= 0:
            raise PushsimError(
                "trace: all arrivals are at one instant, so no rate can be measured"
            )
        return _table(np.array([times[0]]), span, np.array([times.size]), 1, confidence)
    return _timeline(times, interval, confidence)


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


def _timeline(times: np.ndarray, interval: float, confidence: float) -> pd.DataFrame:
    start = math.floor(times[0] / interval) * interval
    bins = _check_interval(interval, float(times[-1] - start))
    index = np.minimum(((times - start) // interval).astype(np.int64), bins - 1)
    counts = np.bincount(index, minlength=bins)
    starts = start + interval * np.arange(bins)
    return _table(starts, interval, counts, 1, confidence)


def _folded(
    times: np.ndarray, interval: float, period: float, confidence: float
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
    first = math.floor(times[0] / period)
    which = np.floor(times / period).astype(np.int64) - first
    periods = int(which[-1]) + 1
    phase = times - (first + which) * period
    index = np.minimum((phase // interval).astype(np.int64), bins - 1)
    grid = np.zeros((periods, bins), dtype=np.int64)
    np.add.at(grid, (which, index), 1)
    table = _table(
        interval * np.arange(bins), interval, grid.sum(axis=0), periods, confidence
    )
    if periods > 1:
        mean = grid.mean(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            table["dispersion"] = np.where(
                mean > 0, grid.var(axis=0, ddof=1) / mean, np.nan
            )
    table.attrs["periods"] = periods
    return table


def _table(
    starts: np.ndarray,
    width: float,
    counts: np.ndarray,
    periods: int,
    confidence: float,
) -> pd.DataFrame:
    exposure = width * periods
    low, high = garwood(counts, confidence)
    table = pd.DataFrame(
        {
            "start_at": starts,
            "end_at": starts + width,
            "arrivals": counts.astype(np.int64),
            "exposure_time": np.full(counts.size, exposure),
            "rate": counts / exposure,
            "rate_low": low / exposure,
            "rate_high": high / exposure,
            "dispersion": np.full(counts.size, np.nan),
        }
    )
    table.attrs["periods"] = periods
    table.attrs["confidence"] = confidence
    return table[RATE_COLUMNS]
