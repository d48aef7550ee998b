"""Staffing: the fewest servers (consumers) that meet a service target.

Model: M/M/c (Erlang C), or Erlang A (M/M/c with exponential patience) when
``patience_mean`` is given. Targets, all of which must hold when several are
given:

- ``wait_within=t, probability=p``: at least a share p of messages wait no
  longer than t seconds (the call-centre service level "80 % within 20 s").
  Under Erlang A the share is of all arrivals that reach a server within t;
  those that abandon count as misses (:meth:`AbandonmentMetrics.served_within`);
- ``sojourn_within=s, probability=p`` (M/M/c only): at least p of messages
  are done within s seconds of arriving;
- ``mean_wait=w``: the mean wait (over all arrivals) is at most w seconds;
- ``abandonment=x`` (Erlang A only): at most a share x of arrivals abandon.

Method: each measure improves with every server added, so the answer is the
smallest count at which the targets hold, found by search. The search starts
at the square-root staffing rule c = R + beta sqrt(R), R the offered load in
erlangs (S. Halfin & W. Whitt, "Heavy-traffic limits for queues with many
exponential servers", Operations Research 29(3), 1981; S. Borst,
A. Mandelbaum & M. Reiman, "Dimensioning large call centers", Operations
Research 52(1), 2004), with beta the normal quantile of the target
probability; it then gallops in steps of about sqrt(R) and bisects. That
takes some 10-20 evaluations of O(c) each, so staffing for thousands of
servers takes milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from scipy import special

from pushsim.errors import PushsimError
from pushsim.theory._checks import (
    TheoryArgumentError,
    check_count,
    check_nonnegative,
    check_positive,
    check_probability,
)
from pushsim.theory.abandonment import mmc_abandonment
from pushsim.theory.markovian import mmc
from pushsim.theory.results import AbandonmentMetrics, QueueMetrics, html_table

__all__ = ["StaffingResult", "StaffingTarget", "required_servers"]


@dataclass(frozen=True)
class StaffingTarget:
    """One target: what is measured, the bound, and what the answer achieves."""

    name: str
    sense: Literal[">=", "<="]
    bound: float
    achieved: float

    @property
    def holds(self) -> bool:
        """Whether the achieved value meets the bound."""
        if self.sense == ">=":
            return self.achieved >= self.bound
        return self.achieved <= self.bound

    def __str__(self) -> str:
        return f"{self.name} {self.sense} {self.bound:g} (achieved {self.achieved:.6g})"


@dataclass(frozen=True)
class StaffingResult:
    """The fewest servers meeting every target, and the figures at that count.

    ``beta`` is the square-root safety factor of the answer,
    (servers - R) / sqrt(R), with R the offered load in erlangs.
    """

    servers: int
    model: str
    offered_load: float
    beta: float
    targets: tuple[StaffingTarget, ...]
    metrics: QueueMetrics = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The answer as plain values: count, load, and each target's figures."""
        values: dict[str, Any] = {
            "servers": self.servers,
            "model": self.model,
            "offered_load": self.offered_load,
            "beta": self.beta,
        }
        for target in self.targets:
            values[f"{target.name} {target.sense} {target.bound:g}"] = target.achieved
        return values

    def _repr_html_(self) -> str:
        return html_table(self.to_dict())


_Measure = Callable[[QueueMetrics], float]


def required_servers(
    *,
    arrival_rate: float,
    service_rate: float,
    wait_within: float | None = None,
    sojourn_within: float | None = None,
    probability: float | None = None,
    mean_wait: float | None = None,
    abandonment: float | None = None,
    patience_mean: float | None = None,
    max_servers: int = 1_000_000,
) -> StaffingResult:
    """The smallest number of servers meeting every target given.

    Example, "80 % of messages wait at most 60 s"::

        required_servers(arrival_rate=2.0, service_rate=0.01,
                         wait_within=60, probability=0.8)

    Give ``patience_mean`` (seconds) to staff an Erlang A system, where
    waiting messages leave after an exponential patience.
    """
    lam = check_positive("arrival_rate", arrival_rate, "per second")
    mu = check_positive("service_rate", service_rate, "per second")
    limit = check_count("max_servers", max_servers)
    patience = (
        None
        if patience_mean is None
        else check_positive("patience_mean", patience_mean, "seconds")
    )
    targets = _targets(
        mu, wait_within, sojourn_within, probability, mean_wait, abandonment, patience
    )
    offered = lam / mu

    def evaluate(c: int) -> QueueMetrics:
        if patience is None:
            return mmc(arrival_rate=lam, service_rate=mu, servers=c)
        return mmc_abandonment(
            arrival_rate=lam, service_rate=mu, servers=c, patience_mean=patience
        )

    cache: dict[int, QueueMetrics] = {}

    def meets(c: int) -> bool:
        if c not in cache:
            cache[c] = evaluate(c)
        return all(
            _holds(measure(cache[c]), sense, bound)
            for _, sense, bound, measure in targets
        )

    lowest = 1 if patience is not None else math.floor(offered) + 1
    if lowest > limit:
        raise PushsimError(
            f"an offered load of {offered:.6g} erlangs needs more than "
            f"max_servers={limit} servers to be stable"
        )
    beta = float(special.ndtri(probability)) if probability is not None else 1.0
    start = min(limit, max(lowest, math.ceil(offered + beta * math.sqrt(offered))))
    servers = _smallest(meets, lowest, start, limit, math.sqrt(offered))
    metrics = cache[servers]
    return StaffingResult(
        servers=servers,
        model=metrics.model,
        offered_load=offered,
        beta=(servers - offered) / math.sqrt(offered),
        targets=tuple(
            StaffingTarget(name, sense, bound, measure(metrics))
            for name, sense, bound, measure in targets
        ),
        metrics=metrics,
    )


def _smallest(
    meets: Callable[[int], bool], lowest: int, start: int, limit: int, scale: float
) -> int:
    """The smallest c in [lowest, limit] with meets(c), for a monotone meets."""
    if meets(start):
        low, high = lowest - 1, start
    else:
        step = max(1, math.ceil(scale))
        low, high = start, min(limit, start + step)
        while not meets(high):
            if high >= limit:
                raise PushsimError(
                    f"no count of servers up to max_servers={limit} meets the "
                    "targets; raise max_servers or relax a target"
                )
            step *= 2
            low, high = high, min(limit, high + step)
    while high - low > 1:
        middle = (low + high) // 2
        if meets(middle):
            high = middle
        else:
            low = middle
    return high


def _holds(value: float, sense: str, bound: float) -> bool:
    return value >= bound if sense == ">=" else value <= bound


def _targets(
    mu: float,
    wait_within: float | None,
    sojourn_within: float | None,
    probability: float | None,
    mean_wait: float | None,
    abandonment: float | None,
    patience: float | None,
) -> list[tuple[str, Literal[">=", "<="], float, _Measure]]:
    """The targets as (name, sense, bound, measure), checked for sense."""
    erlang_a = patience is not None
    targets: list[tuple[str, Literal[">=", "<="], float, _Measure]] = []
    if wait_within is not None and sojourn_within is not None:
        raise TheoryArgumentError(
            "give wait_within or sojourn_within, not both: they share "
            "probability; call required_servers once for each and take the larger"
        )
    timed = wait_within if wait_within is not None else sojourn_within
    if (timed is None) != (probability is None):
        raise TheoryArgumentError(
            "probability goes with wait_within or sojourn_within: give both or "
            f"neither, got probability={probability!r}, wait_within={wait_within!r}, "
            f"sojourn_within={sojourn_within!r}"
        )
    if wait_within is not None and probability is not None:
        t = check_nonnegative("wait_within", wait_within, "seconds")
        p = check_probability("probability", probability)
        if erlang_a:
            targets.append((f"P(served within {t:g} s)", ">=", p, _served_within(t)))
        else:
            targets.append((f"P(wait <= {t:g} s)", ">=", p, lambda m: m.wait_cdf(t)))
    if sojourn_within is not None and probability is not None:
        s = check_positive("sojourn_within", sojourn_within, "seconds")
        p = check_probability("probability", probability)
        if erlang_a:
            raise TheoryArgumentError(
                "sojourn_within needs the M/M/c model: Erlang A here has no "
                "sojourn distribution; drop patience_mean or use wait_within"
            )
        if p >= -math.expm1(-mu * s):
            raise TheoryArgumentError(
                f"sojourn_within={s:g} with probability={p:g} cannot be met by any "
                f"number of servers: the service time alone is within {s:g} s "
                f"with probability {-math.expm1(-mu * s):.6g} only"
            )
        targets.append((f"P(sojourn <= {s:g} s)", ">=", p, lambda m: m.sojourn_cdf(s)))
    if mean_wait is not None:
        w = check_positive("mean_wait", mean_wait, "seconds")
        targets.append(("mean_wait", "<=", w, lambda m: m.mean_wait))
    if abandonment is not None:
        if not erlang_a:
            raise TheoryArgumentError(
                "abandonment needs patience_mean: without patience no message abandons"
            )
        x = check_probability("abandonment", abandonment)
        targets.append(("abandonment_probability", "<=", x, _abandonment))
    if not targets:
        raise TheoryArgumentError(
            "give at least one target: wait_within with probability, "
            "sojourn_within with probability, mean_wait, or abandonment"
        )
    return targets


def _served_within(t: float) -> _Measure:
    def measure(metrics: QueueMetrics) -> float:
        assert isinstance(metrics, AbandonmentMetrics)
        return metrics.served_within(t)

    return measure


def _abandonment(metrics: QueueMetrics) -> float:
    assert isinstance(metrics, AbandonmentMetrics)
    return metrics.abandonment_probability
