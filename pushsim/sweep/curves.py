"""What a load curve says: saturation throughput, the knee, the load each SLO allows.

All three are read from a sweep table (:func:`pushsim.sweep`) along its
first varied name, which must be numeric (``load`` as a rule), and come with
an interval derived from the points' 95 % intervals.

- **Saturation throughput**: at a stable point, the bottleneck's consumers
  are busy a fraction ``rho`` of the time while the system completes ``X``
  messages a second, so the system would complete ``X / rho`` when they are
  always busy. It is read at the stable point of highest offered load (the
  least extrapolation); its interval combines the relative half-widths of
  ``X`` and ``rho`` in quadrature. Where every point is past saturation, it is
  the throughput measured at the most loaded point.
- **The knee**: the load at which a message spends as long waiting as being
  served, so the mean sojourn is twice the mean service time: past it,
  latency climbs steeply (for M/M/1 at load 0.5, for M/M/c later as c
  grows). The share of the sojourn spent waiting, ``w / (w + s)``, rises
  smoothly (for M/M/1 it equals the load), so it is interpolated linearly
  between the two swept points around 1/2; the interval is where the
  interval's ends cross 1/2.
- **Highest load meeting an SLO**: the load at which the SLO's metric
  crosses its limit, interpolated between the last point that meets it and
  the next; latencies in the reciprocal (``1/t`` falls linearly to 0 at
  saturation for M/M/1 means and percentiles), shares and rates as they are.
  The interval is where the metric's interval ends cross the limit. A point
  counts as meeting the SLO only if its whole interval does.

Limits: interpolation between swept points is only as good as the sweep is
fine around the answer; an answer beyond the swept range is reported as
such, not extrapolated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pushsim.errors import PushsimError
from pushsim.scenario import SLO, SYSTEM

__all__ = ["Estimate", "knee", "saturation_throughput", "slo_limits"]


@dataclass(frozen=True)
class Estimate:
    """A figure read from a sweep, its 95 % interval, and how it was read."""

    value: float
    low: float
    high: float
    note: str = ""

    def __str__(self) -> str:
        if math.isnan(self.value):
            return self.note or "-"
        return f"{self.value:.4g} (95% CI {self.low:.4g} to {self.high:.4g})"


def _series(frame: pd.DataFrame, node: str, metric: str) -> pd.DataFrame:
    name = _axis(frame)
    rows = frame[(frame.node == node) & (frame.metric == metric)]
    return rows.sort_values(name).reset_index(drop=True)


def _axis(frame: pd.DataFrame) -> str:
    names = frame.attrs.get("vary") or ["load"]
    name = names[0]
    if name not in frame or not pd.api.types.is_numeric_dtype(frame[name]):
        raise PushsimError(
            f"curves are read along a numeric varied value; {name!r} is not one"
        )
    if len(names) > 1:
        raise PushsimError(
            "curves are read from a sweep of one varied name; select one line of the "
            f"grid first (for example frame[frame[{names[1]!r}] == value])"
        )
    return str(name)


def saturation_throughput(frame: pd.DataFrame) -> Estimate:
    """The system throughput when the bottleneck is always busy."""
    bottleneck = frame.attrs.get("bottleneck")
    throughput = _series(frame, SYSTEM, "throughput")
    busy = _series(frame, str(bottleneck), "utilisation")
    if throughput.empty or busy.empty:
        raise PushsimError(
            "the table has no system throughput or bottleneck utilisation"
        )
    stable = throughput[~throughput.saturated]
    if stable.empty:
        top = throughput.iloc[throughput.offered_load.idxmax()]
        return Estimate(
            top["mean"], top.ci_low, top.ci_high, "measured past saturation"
        )
    row = stable.iloc[stable.offered_load.to_numpy().argmax()]
    rho = busy[busy.point == row.point].iloc[0]
    value = row["mean"] / rho["mean"]
    spread = math.hypot(_relative(row), _relative(rho))
    note = f"throughput / utilisation of {bottleneck} at {_axis(frame)} {row[_axis(frame)]:g}"
    return Estimate(value, value * (1 - spread), value * (1 + spread), note)


def _relative(row: pd.Series) -> float:
    half = (row.ci_high - row.ci_low) / 2
    return float(half / row["mean"]) if row["mean"] and not math.isnan(half) else 0.0


def _crossing(x: np.ndarray, y: np.ndarray, level: float) -> float:
    """The first x where the piecewise-linear y rises through ``level``."""
    for i in range(len(x) - 1):
        if y[i] < level <= y[i + 1]:
            return float(x[i] + (level - y[i]) * (x[i + 1] - x[i]) / (y[i + 1] - y[i]))
    if len(y) and y[0] >= level:
        return -math.inf
    return math.inf


def knee(frame: pd.DataFrame, node: str = SYSTEM) -> Estimate:
    """The load where the mean wait equals the mean service time."""
    name = _axis(frame)
    wait = _series(frame, node, "wait_mean")
    service = _series(frame, node, "service_mean")
    if wait.empty or service.empty:
        raise PushsimError(f"the table has no wait and service times for {node}")
    x = wait[name].to_numpy(float)

    def share(w: pd.Series, s: pd.Series) -> np.ndarray:
        w_, s_ = np.maximum(w.to_numpy(float), 0.0), s.to_numpy(float)
        return w_ / (w_ + s_)

    # the interval's ends take the wait's and the service's ends together,
    # the widest the share can be given both intervals
    value = _crossing(x, share(wait["mean"], service["mean"]), 0.5)
    low = _crossing(x, share(wait.ci_high, service.ci_low), 0.5)
    high = _crossing(x, share(wait.ci_low, service.ci_high), 0.5)
    return _bounded(value, low, high, x, "mean wait = mean service")


def _bounded(
    value: float, low: float, high: float, x: np.ndarray, rule: str
) -> Estimate:
    lo, hi = float(x.min()), float(x.max())
    if value == -math.inf:
        return Estimate(math.nan, math.nan, math.nan, f"below the swept range ({lo:g})")
    if value == math.inf:
        return Estimate(math.nan, math.nan, math.nan, f"above the swept range ({hi:g})")
    low = lo if low == -math.inf else low
    high = hi if high == math.inf else high
    return Estimate(value, min(low, value), max(high, value), rule)


def _transform(metric: str, values: np.ndarray) -> np.ndarray:
    from pushsim.measures import unit_of

    if unit_of(metric) == "s":
        with np.errstate(divide="ignore"):
            return -1.0 / values  # rises with latency, linear-ish in load
    return values


def slo_limits(frame: pd.DataFrame) -> pd.DataFrame:
    """For each SLO of the scenario, the highest swept value that meets it."""
    slos: list[SLO] = list(frame.attrs.get("slo") or [])
    name = _axis(frame)
    rows = []
    for slo in slos:
        series = _series(frame, slo.node, slo.metric)
        row = {
            "slo": slo.text,
            "node": slo.node,
            "metric": slo.metric,
            "limit": slo.limit,
        }
        if series.empty:
            rows.append(
                {
                    **row,
                    "value": math.nan,
                    "low": math.nan,
                    "high": math.nan,
                    "note": "not measured by this sweep",
                }
            )
            continue
        x = series[name].to_numpy(float)
        sign = 1.0 if slo.op.startswith("<") else -1.0

        def rising(
            values: np.ndarray, sign: float = sign, metric: str = slo.metric
        ) -> np.ndarray:
            return sign * _transform(metric, np.asarray(values, float))

        level = float(rising(np.array([slo.limit]))[0])
        worst = series.ci_high if sign > 0 else series.ci_low
        best = series.ci_low if sign > 0 else series.ci_high
        estimate = _bounded(
            _crossing(x, rising(series["mean"]), level),
            _crossing(x, rising(worst), level),
            _crossing(x, rising(best), level),
            x,
            "interpolated where the metric crosses its limit",
        )
        met = x[rising(worst) < level]
        note = estimate.note
        if math.isnan(estimate.value) and "above" in note:
            top = float(met.max()) if met.size else math.nan
            note = (
                f"met at every swept point, up to {x.max():g}"
                if top == x.max()
                else f"the mean meets it at every swept point, up to {x.max():g}, but "
                f"the intervals confirm it only up to {top:g}"
            )
        elif math.isnan(estimate.value):
            note = f"met at no swept point, down to {x.min():g}"
        rows.append(
            {
                **row,
                "value": estimate.value,
                "low": estimate.low,
                "high": estimate.high,
                "note": note,
                "highest_point_met": float(met.max()) if met.size else math.nan,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "slo",
            "node",
            "metric",
            "limit",
            "value",
            "low",
            "high",
            "highest_point_met",
            "note",
        ],
    )
