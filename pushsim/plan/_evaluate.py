"""One point of a plan, judged by theory and by simulation.

Theory: :func:`pushsim.theory.predict` on the point's scenario gives each
SLO's metric where a model covers it. Where none does, the scenario's
*Markov surrogate* is tried: every service time and time-to-live replaced by
an exponential law of the same mean and every producer by Poisson arrivals
at its long-run delivery rate (a fan-out's deliveries counted one by one;
a rate profile at its peak, which one count for the whole run must carry).
Its figures are an approximation, used only to choose where the simulation
starts, and labelled so.

Simulation: the point's replications on the engine; each SLO's metric is
measured in every replication over its measuring window (after the
scenario's warm-up) and judged by the rule of :mod:`._rule`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pushsim.distributions import FixedCount, PoissonArrivals
from pushsim.distributions.parametric import ExponentialLaw
from pushsim.engines.base import Engine, Run
from pushsim.engines.des import DesEngine
from pushsim.errors import PushsimError, PushsimWarning
from pushsim.measures import prepare, unit_of, window_metrics
from pushsim.plan._rule import (
    INCONCLUSIVE,
    Estimate,
    combined,
    estimate,
    replications_needed,
    verdict,
)
from pushsim.result import Result
from pushsim.scenario import SYSTEM, Scenario
from pushsim.scenario.slo import SLO
from pushsim.theory import predict

__all__ = ["Judged", "Predicted", "predicted", "simulated", "surrogate"]


def metric_name(slo: SLO) -> str:
    """The metric an SLO bounds, spelled so that theory reads its level exactly."""
    if slo.percentile is not None:
        family = slo.metric.split("_p")[0]
        return f"{family}_p{slo.percentile:g}"
    return slo.metric


@dataclass(frozen=True)
class Predicted:
    """What theory says of one point: each SLO's metric (NaN where it cannot say)."""

    values: tuple[float, ...]
    stable: bool | None
    model: str
    approximate: bool

    def holds(self, slos: Sequence[SLO]) -> bool | None:
        """Whether theory says every SLO it covers holds (None if it covers none)."""
        pairs = [
            (s, v) for s, v in zip(slos, self.values, strict=True) if not math.isnan(v)
        ]
        if self.stable is False:
            return False
        if not pairs:
            return None
        return all(s.holds(v) for s, v in pairs)

    @property
    def covers(self) -> int:
        """How many of the SLOs theory gives a figure for."""
        return sum(not math.isnan(v) for v in self.values)


def surrogate(scenario: Scenario) -> Scenario:
    """The scenario with exponential times and Poisson arrivals of the same means.

    A fan-out becomes Poisson deliveries at the producer's delivery rate.
    """
    queues = {}
    for name, queue in scenario.queues.items():
        service = ExponentialLaw(mean=queue.consumers.service.mean)
        update: dict[str, Any] = {
            "consumers": queue.consumers.model_copy(update={"service": service})
        }
        if queue.ttl is not None:
            update["ttl"] = ExponentialLaw(mean=queue.ttl.mean)
        queues[name] = queue.model_copy(update=update)
    producers = {
        name: p.model_copy(
            update={
                "arrivals": PoissonArrivals(
                    rate=_steady_rate(p) * float(p.fanout.mean)
                ),
                "fanout": FixedCount(value=1),
            }
        )
        for name, p in scenario.producers.items()
    }
    return scenario.model_copy(update={"queues": queues, "producers": producers})


def _steady_rate(producer: Any) -> float:
    """The rate a steady surrogate of a producer sends: a profile's peak, else its mean.

    One value for a whole run must carry a profile's busiest interval.
    """
    arrivals = producer.arrivals
    if arrivals.process == "profile":
        return float(max(arrivals.rates))
    return float(arrivals.rate)


def _theory_values(scenario: Scenario, slos: Sequence[SLO]) -> tuple[Any, list[float]]:
    prediction = predict(scenario)
    values = []
    for slo in slos:
        try:
            values.append(float(prediction.value(slo.node, metric_name(slo))))
        except PushsimError:
            values.append(math.nan)
    return prediction, values


def _model(prediction: Any, slos: Sequence[SLO]) -> str:
    nodes = {s.node for s in slos}
    models = [n.model for n in prediction.nodes if n.covered]
    if SYSTEM not in nodes:
        models = [n.model for n in prediction.nodes if n.covered and n.node in nodes]
    return ", ".join(dict.fromkeys(models)) or prediction.system.model


def predicted(scenario: Scenario, slos: Sequence[SLO]) -> Predicted:
    """Theory's figures for the SLOs at one point, or the surrogate's."""
    prediction, values = _theory_values(scenario, slos)
    if all(not math.isnan(v) for v in values):
        return Predicted(
            tuple(values), prediction.stable, _model(prediction, slos), False
        )
    try:
        approx, approx_values = _theory_values(surrogate(scenario), slos)
    except PushsimError:
        approx_values = [math.nan] * len(slos)
    if sum(not math.isnan(v) for v in approx_values) > sum(
        not math.isnan(v) for v in values
    ):
        model = _model(approx, slos)
        label = f"{model}, exponential times and Poisson arrivals (approximate)"
        return Predicted(tuple(approx_values), approx.stable, label, True)
    return Predicted(tuple(values), prediction.stable, _model(prediction, slos), False)


@dataclass(frozen=True)
class Judged:
    """One simulated point: each SLO's estimate and verdict, and the point's."""

    value: float
    slos: tuple[SLO, ...]
    estimates: tuple[Estimate, ...]
    verdicts: tuple[str, ...]
    needed: tuple[int | None, ...]
    utilisation: dict[str, Estimate]
    notes: tuple[str, ...] = field(default=())

    @property
    def verdict(self) -> str:
        """``pass`` if every SLO is met, ``fail`` if one is missed, else inconclusive."""
        return combined(self.verdicts)

    @property
    def replications(self) -> int:
        """How many replications the point ran."""
        return self.estimates[0].n if self.estimates else 0

    def replications_to_decide(self) -> int | None:
        """Replications that would decide every undecided SLO (None: no count would)."""
        wanted = [
            n
            for n, v in zip(self.needed, self.verdicts, strict=True)
            if v == INCONCLUSIVE
        ]
        if not wanted:
            return self.replications
        if any(n is None for n in wanted):
            return None
        return max(n for n in wanted if n is not None)


def _per_replication(
    scenario: Scenario, result: Any, slos: Sequence[SLO]
) -> list[dict[Any, float]]:
    levels = sorted(
        {
            *scenario.experiment.percentiles,
            *(s.percentile for s in slos if s.percentile is not None),
        }
    )
    measured = []
    for run, warm in zip(result.runs, result.warmups, strict=True):
        prepared = prepare(run, scenario, levels)
        measured.append(window_metrics(prepared, warm.instant, warm.horizon))
    return measured


def simulated(
    value: float,
    scenario: Scenario,
    slos: Sequence[SLO],
    *,
    confidence: float,
    engine: Engine | None,
    runs: Sequence[Run] = (),
) -> tuple[Judged, list[Run]]:
    """Simulate one point and judge each SLO by its interval.

    ``runs`` are replications already made of this point; only the missing
    ones, up to the scenario's count, are run. Returns the judgement and
    every run (for a caller that may ask for more replications).
    """
    runner = engine or DesEngine()
    total = scenario.experiment.replications
    with warnings.catch_warnings():
        # Points near or past saturation warn by design; the notes keep the text.
        warnings.simplefilter("ignore", PushsimWarning)
        made = list(runs[:total])
        made += [runner.run(scenario, r) for r in range(len(made), total)]
        result = Result(scenario, made)
        measured = _per_replication(scenario, result, slos)
    estimates = []
    for slo in slos:
        key = (slo.node, slo.metric)
        if key not in measured[0]:
            raise PushsimError(
                f"slo {slo.text!r}: the simulation does not measure {slo.metric} for "
                f"{slo.node}; use a metric of the results (see Result.summary)"
            )
        top = 1.0 if unit_of(slo.metric) == "ratio" else math.inf
        values = [m.get(key, math.nan) for m in measured]
        estimates.append(estimate(values, confidence, top=top))
    verdicts = tuple(verdict(s, e) for s, e in zip(slos, estimates, strict=True))
    needed = tuple(
        replications_needed(s, e) for s, e in zip(slos, estimates, strict=True)
    )
    utilisation = {
        name: estimate(
            [m.get((name, "utilisation"), math.nan) for m in measured],
            confidence,
            top=1.0,
        )
        for name in scenario.queues
    }
    judged = Judged(
        value=value,
        slos=tuple(slos),
        estimates=tuple(estimates),
        verdicts=verdicts,
        needed=needed,
        utilisation=utilisation,
        notes=tuple(result.notes),
    )
    return judged, made
