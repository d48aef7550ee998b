"""Judging a staffing schedule interval by interval, from simulated days.

Each replication of the day (see :mod:`._dayrun`) is measured per interval
of the schedule: the latencies and the expiry rate of the messages that
*arrived* in the interval (served messages only for times, as everywhere in
pushsim), the utilisation as the consumers' busy time in the interval over
the consumer time the schedule gives it, and the offered rate. Each
interval's metric gets its interval over replications and a verdict by the
rule of :mod:`._rule`. A day in which no message of the interval was served
gives no figure, and an interval with none in any day is judged
``no messages`` (nothing there to miss the SLO).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pushsim.errors import PushsimError
from pushsim.plan._dayrun import DayRun, run_day
from pushsim.plan._rule import Estimate, estimate, replications_needed, verdict
from pushsim.scenario import SYSTEM, Scenario
from pushsim.scenario.slo import SLO, percentile_name

__all__ = ["CHECK_COLUMNS", "NO_MESSAGES", "check_schedule", "day_metric"]

#: The verdict of an interval in which no simulated day served a message.
NO_MESSAGES = "no messages"

CHECK_COLUMNS = [
    "schedule",
    "interval",
    "start",
    "consumers",
    "slo",
    "metric",
    "mean",
    "ci_low",
    "ci_high",
    "verdict",
    "replications",
    "replications_needed",
]

#: The metrics that are shares, held to [0, 1].
_SHARES = ("utilisation", "expiry_rate", "drop_rate")
#: The metrics measured per interval, as SLOs name them.
_TIMES = ("sojourn", "wait", "service")
_MEASURED = (
    "expiry_rate",
    "drop_rate",
    "utilisation",
    "offered_rate",
    "throughput",
)


def day_metric(slo: SLO, queue: str) -> None:
    """Refuse an SLO that the day check cannot measure per interval."""
    family = slo.metric.rsplit("_", 1)[0]
    if slo.node not in (SYSTEM, queue):
        raise PushsimError(f"slo {slo.text!r}: the day plan covers queue {queue} only")
    if family in _TIMES or slo.metric in _MEASURED:
        return
    raise PushsimError(
        f"slo {slo.text!r}: the day check measures sojourn, wait and service times, "
        f"{', '.join(_MEASURED)} per interval, not {slo.metric}"
    )


def _latency(values: np.ndarray, metric: str, slo: SLO) -> float:
    if values.size == 0:
        return math.nan
    if metric.endswith("_mean"):
        return float(values.mean())
    assert slo.percentile is not None
    return float(np.percentile(values, slo.percentile))


def _busy(run: DayRun, a: float, b: float) -> float:
    served = ~run.expired
    lo = np.maximum(run.started_at[served], a)
    hi = np.minimum(run.finished_at[served], b)
    length = hi - lo
    return float(np.sum(length[length > 0]))


def _value(run: DayRun, slo: SLO, a: float, b: float, consumers: int) -> float:
    """One SLO's metric over the messages that arrived in [a, b)."""
    lo, hi = np.searchsorted(run.arrived_at, [a, b])
    if slo.metric == "utilisation":
        return _busy(run, a, b) / (consumers * (b - a))
    if slo.metric == "offered_rate":
        return float(hi - lo) / (b - a)
    if slo.metric == "throughput":
        done = run.finished_at[~run.expired]
        return float(np.count_nonzero((done >= a) & (done < b))) / (b - a)
    if slo.metric in ("drop_rate", "expiry_rate"):
        if hi == lo:
            return math.nan
        lost = run.expired[lo:hi] if slo.metric == "expiry_rate" else np.zeros(0)
        return float(np.count_nonzero(lost)) / float(hi - lo)
    served = ~run.expired[lo:hi]
    arrived = run.arrived_at[lo:hi][served]
    started = run.started_at[lo:hi][served]
    finished = run.finished_at[lo:hi][served]
    family = slo.metric.rsplit("_", 1)[0]
    times = {
        "sojourn": finished - arrived,
        "wait": started - arrived,
        "service": finished - started,
    }[family]
    return _latency(times, slo.metric, slo)


def _label(slo: SLO) -> str:
    if slo.percentile is None:
        return slo.metric
    return f"{slo.metric.rsplit('_', 1)[0]}_{percentile_name(slo.percentile)}"


def check_schedule(
    name: str,
    scenario: Scenario,
    queue: str,
    counts: np.ndarray,
    interval: float,
    offset: float,
    slos: Sequence[SLO],
    *,
    replications: int,
    confidence: float,
) -> pd.DataFrame:
    """Simulate ``replications`` days with ``counts`` and judge every interval.

    The measured day starts at ``offset`` (after a warm-up day when the
    profile repeats); one row per interval and SLO (:data:`CHECK_COLUMNS`),
    plus one ``utilisation`` row per interval.
    """
    steps = len(counts)
    horizon = offset + steps * interval
    runs = [
        run_day(scenario, queue, counts, interval, horizon, r)
        for r in range(replications)
    ]
    measured = [*slos, _utilisation_slo(queue)]
    rows: list[dict[str, Any]] = []
    for i in range(steps):
        a, b = offset + i * interval, offset + (i + 1) * interval
        for j, slo in enumerate(measured):
            values = [_value(run, slo, a, b, int(counts[i])) for run in runs]
            # A day in which no message of the interval was served has no figure.
            known = [v for v in values if not math.isnan(v)]
            top = 1.0 if slo.metric in _SHARES else math.inf
            est = estimate(known, confidence, top=top)
            judged = j < len(slos)
            rows.append(
                {
                    "schedule": name,
                    "interval": i,
                    "start": i * interval,
                    "consumers": int(counts[i]),
                    "slo": slo.text if judged else "",
                    "metric": _label(slo),
                    "mean": est.mean,
                    "ci_low": est.low,
                    "ci_high": est.high,
                    "verdict": _verdict(slo, est) if judged else "",
                    "replications": len(known),
                    "replications_needed": replications_needed(slo, est)
                    if judged
                    else None,
                }
            )
    frame = pd.DataFrame(rows, columns=CHECK_COLUMNS)
    frame["replications_needed"] = frame["replications_needed"].astype("Int64")
    return frame


def _verdict(slo: SLO, value: Estimate) -> str:
    return NO_MESSAGES if value.n == 0 else verdict(slo, value)


def _utilisation_slo(queue: str) -> SLO:
    """Utilisation is measured in every interval, whether or not an SLO bounds it."""
    return SLO(f"{queue}.utilisation <= 100%", queue, "utilisation", "<=", 1.0)
