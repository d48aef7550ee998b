"""Judging a staffing schedule interval by interval, from simulated days.

The schedule becomes the queue's consumer count (a staffing profile, see
:mod:`pushsim.scenario.staffing`) and the day is simulated by the engine,
like any scenario. A profile that repeats is simulated for a warm-up day
first, so the measured day starts with the backlog of the evening before;
the run goes on for one more period after the measured day, so that the
messages of its last intervals are served and measured rather than cut off
(a message still waiting at the end of that is left out, as in every
pushsim measure, and the check says how many there were).

Each replication is measured per interval of the schedule with the measures
of any run over a window (:func:`pushsim.measures.window_metrics`): the
latencies and the expiry rate of the messages that *arrived* in the
interval (served messages only for times), the utilisation as the busy time
in the interval over the consumer time the schedule gives it, and the rates.
Each interval's metric gets its interval over replications and a verdict by
the rule of :mod:`._rule`. A day in which no message of the interval was
served gives no figure, and an interval with none in any day is judged
``no messages`` (nothing there to miss the SLO).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pushsim.engines.base import Outcome
from pushsim.errors import PushsimError, PushsimWarning
from pushsim.measures import Prepared, prepare, unit_of, window_metrics
from pushsim.plan._rule import Estimate, estimate, replications_needed, verdict
from pushsim.scenario import SYSTEM, Scenario, with_values
from pushsim.scenario.slo import SLO, percentile_name
from pushsim.simulate import simulate, with_overrides

__all__ = [
    "CHECK_COLUMNS",
    "NO_MESSAGES",
    "check_schedule",
    "day_metric",
    "day_scenario",
    "schedule_count",
]

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
    "unit",
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


def _label(slo: SLO) -> str:
    if slo.percentile is None:
        return slo.metric
    return f"{slo.metric.rsplit('_', 1)[0]}_{percentile_name(slo.percentile)}"


def schedule_count(counts: np.ndarray, interval: float, repeat: bool) -> dict[str, Any]:
    """A consumer count that follows ``counts`` by interval, as a scenario writes it."""
    return {
        "profile": [int(c) for c in counts],
        "interval": float(interval),
        "repeat": bool(repeat),
    }


def day_scenario(
    scenario: Scenario,
    queue: str,
    counts: np.ndarray,
    interval: float,
    repeat: bool,
    horizon: float,
    replications: int,
) -> Scenario:
    """``scenario`` with ``counts`` consumers by interval, run until ``horizon``."""
    model = with_values(
        scenario,
        {
            f"queues.{queue}.consumers.count": schedule_count(counts, interval, repeat),
            "experiment.duration": float(horizon),
            "experiment.messages": None,
            "experiment.warmup": 0,
        },
    )
    return with_overrides(model, replications=replications, seed=scenario.seed)


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
    repeat: bool = True,
) -> pd.DataFrame:
    """Simulate ``replications`` days with ``counts`` and judge every interval.

    The measured day starts at ``offset`` (after a warm-up day when the
    profile repeats); one row per interval and SLO (:data:`CHECK_COLUMNS`),
    plus one ``utilisation`` row per interval. ``frame.attrs["unfinished"]``
    counts the messages of the measured day still waiting or in service when
    the run ended, over every replication.
    """
    steps = len(counts)
    day = steps * interval
    model = day_scenario(
        scenario, queue, counts, interval, repeat, offset + 2 * day, replications
    )
    measured = [*slos, _utilisation_slo(queue)]
    with warnings.catch_warnings():
        # The run's own warnings speak of the whole run; the verdicts below
        # are per interval.
        warnings.simplefilter("ignore", PushsimWarning)
        result = simulate(model)
    qs = [s.percentile for s in measured if s.percentile is not None]
    runs = [prepare(run, model, qs) for run in result.runs]
    rows: list[dict[str, Any]] = []
    for i in range(steps):
        a, b = offset + i * interval, offset + (i + 1) * interval
        windows = [window_metrics(p, a, b) for p in runs]
        for j, slo in enumerate(measured):
            key = (slo.node, _label(slo))
            values = [w.get(key, math.nan) for w in windows]
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
                    "unit": unit_of(_label(slo)),
                    "verdict": _verdict(slo, est) if judged else "",
                    "replications": len(known),
                    "replications_needed": replications_needed(slo, est)
                    if judged
                    else None,
                }
            )
    frame = pd.DataFrame(rows, columns=CHECK_COLUMNS)
    frame["replications_needed"] = frame["replications_needed"].astype("Int64")
    frame.attrs["unfinished"] = sum(_unfinished(p, offset, offset + day) for p in runs)
    return frame


def _unfinished(p: Prepared, a: float, b: float) -> int:
    """Messages that arrived in ``[a, b)`` and were still in the system at the end."""
    arrived = (p.enqueued >= a) & (p.enqueued < b)
    return int(np.count_nonzero(arrived & (p.outcome == Outcome.IN_SYSTEM)))


def _verdict(slo: SLO, value: Estimate) -> str:
    return NO_MESSAGES if value.n == 0 else verdict(slo, value)


def _utilisation_slo(queue: str) -> SLO:
    """Utilisation is measured in every interval, whether or not an SLO bounds it."""
    return SLO(f"{queue}.utilisation <= 100%", queue, "utilisation", "<=", 1.0)
