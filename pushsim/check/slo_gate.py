"""The SLO gate: each objective's verdict, and what would decide an open one.

A verdict is ``pass`` when the whole 95 % interval meets the objective,
``fail`` when the whole interval misses it and ``inconclusive`` when it
straddles the limit (see :func:`pushsim.result.verdict`).

Replications that would decide: the half-width of a Student-t interval over
``n`` replications is ``t(0.975, n - 1) * s / sqrt(n)``, so with the mean and
the spread ``s`` as measured, ``N`` replications give a half-width of
``t(0.975, N - 1) * se * sqrt(n / N)`` where ``se`` is today's standard
error. The fewest ``N > n`` for which that is smaller than the distance from
the mean to the limit is named. With one replication (batch means) ``n`` is 1
and ``se`` comes from the batches: each further replication of the same
length is taken to be as noisy as the batch means say the first is.

Limits: the rule assumes that the mean stays where it is; a mean that sits on
the limit can be decided by no number of replications, and the message says
so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scipy import stats

from pushsim.check._format import format_interval
from pushsim.measures import unit_of
from pushsim.quantities import format_value
from pushsim.result import Result, verdict
from pushsim.scenario import SLO
from pushsim.stats import CONFIDENCE, Interval

__all__ = ["MAX_REPLICATIONS", "SloVerdict", "replications_to_decide", "slo_verdicts"]

#: The most replications a scenario may ask for (the schema's bound).
MAX_REPLICATIONS = 10_000
_Q = 0.5 + CONFIDENCE / 2


@dataclass(frozen=True)
class SloVerdict:
    """One SLO of one result: the figures, the verdict and a sentence with them."""

    slo: str
    node: str
    metric: str
    limit: float
    mean: float
    ci_low: float
    ci_high: float
    unit: str
    verdict: str
    decide: int | None
    message: str


def replications_to_decide(
    mean: float, low: float, high: float, limit: float, n: int, dof: int
) -> int | None:
    """The fewest replications whose interval would clear ``limit``, or None.

    ``n`` is the number of replications behind today's interval (1 for batch
    means) and ``dof`` its degrees of freedom. None when the mean sits on the
    limit, the interval is missing, or more than :data:`MAX_REPLICATIONS`
    would be needed.
    """
    gap = abs(mean - limit)
    half = max(high - mean, mean - low)
    if not (math.isfinite(gap) and math.isfinite(half)) or gap == 0 or half <= 0:
        return None
    if dof < 1:
        return None
    se = half / float(stats.t.ppf(_Q, dof))
    # The normal quantile is below every t quantile, so this start is never late.
    start = math.ceil(n * (float(stats.norm.ppf(_Q)) * se / gap) ** 2)
    for count in range(max(n + 1, 2, start), MAX_REPLICATIONS + 1):
        if float(stats.t.ppf(_Q, count - 1)) * se * math.sqrt(n / count) < gap:
            return count
    return None


def _measured(mean: float, low: float, high: float, unit: str) -> str:
    text = f"measured {format_value(mean, unit)}"
    interval = format_interval(low, high, unit)
    return f"{text}, 95% interval {interval}" if interval else text


def _message(row: SloVerdict, replications: int) -> str:
    unit = row.unit
    figures = _measured(row.mean, row.ci_low, row.ci_high, unit)
    limit = format_value(row.limit, unit)
    if math.isnan(row.mean):
        return f"{row.slo}: no figure for {row.node}.{row.metric} in the results"
    if row.verdict == "pass":
        return f"{row.slo}: {figures}; limit {limit}"
    if row.verdict == "fail":
        miss = format_value(abs(row.mean - row.limit), unit)
        return f"{row.slo}: {figures}; misses the limit {limit} by {miss}"
    if row.decide is None:
        return (
            f"{row.slo}: {figures}; the interval straddles the limit {limit} and, "
            "with the mean where it is, no number of replications would decide"
        )
    return (
        f"{row.slo}: {figures}; the interval straddles the limit {limit}; about "
        f"{row.decide} replications (now {replications}) would decide, if the mean "
        "and the spread stay as measured"
    )


def slo_verdicts(result: Result, slos: Sequence[SLO] | None = None) -> list[SloVerdict]:
    """The verdict of each SLO (by default the scenario's), with its figures.

    An SLO on a metric the result lacks (a percentile it did not compute) is
    inconclusive with NaN figures, and its message says there is no figure.
    """
    n = result.replications
    dof = n - 1 if n > 1 else result.batches - 1
    rows = []
    for slo in result.scenario.experiment.slo if slos is None else slos:
        try:
            mean, low, high = result.interval(slo.node, slo.metric)
        except KeyError:
            mean, low, high = math.nan, math.nan, math.nan
        outcome = verdict(slo.holds, Interval(mean, low, high))
        decide = (
            replications_to_decide(mean, low, high, slo.limit, n, dof)
            if outcome == "inconclusive"
            else None
        )
        row = SloVerdict(
            slo=slo.text,
            node=slo.node,
            metric=slo.metric,
            limit=slo.limit,
            mean=mean,
            ci_low=low,
            ci_high=high,
            unit=unit_of(slo.metric),
            verdict=outcome,
            decide=decide,
            message="",
        )
        rows.append(replace(row, message=_message(row, n)))
    return rows
