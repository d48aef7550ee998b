"""The result of a plan: the answer, the evidence, and tidy tables of both."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from pushsim.errors import PushsimError
from pushsim.plan._evaluate import Judged
from pushsim.plan._facts import answer
from pushsim.plan._rule import FAIL, INCONCLUSIVE, PASS, combined
from pushsim.scenario import Scenario
from pushsim.scenario.slo import SLO
from pushsim.simulate import with_overrides
from pushsim.theory import offered_load, predict

if TYPE_CHECKING:
    from pushsim.plan._target import Target

__all__ = ["SUMMARY_COLUMNS", "Headroom", "Plan"]

#: The columns of :attr:`Plan.summary`.
SUMMARY_COLUMNS = [
    "vary",
    "value",
    "rate_factor",
    "source",
    "slo",
    "node",
    "metric",
    "op",
    "limit",
    "mean",
    "ci_low",
    "ci_high",
    "verdict",
    "replications",
    "replications_needed",
    "model",
    "chosen",
]

UTILISATION_COLUMNS = ["node", "consumers", "mean", "ci_low", "ci_high", "theory"]


@dataclass(frozen=True)
class Headroom:
    """How far the rate factor can rise from ``load`` before an SLO breaks.

    ``theory`` is the highest factor by theory; ``simulated`` the highest
    confirmed by simulation and ``above`` the lowest found not to hold above
    it (None where not searched, or where nothing above failed).
    """

    load: float
    theory: float | None
    simulated: float | None
    above: float | None

    @property
    def ratio(self) -> float | None:
        """The confirmed rise as a share of the plan's load (0.12: 12 % more)."""
        if self.simulated is None:
            return None
        return self.simulated / self.load - 1.0

    @property
    def theory_ratio(self) -> float | None:
        """The rise theory allows, as a share of the plan's load."""
        return None if self.theory is None else self.theory / self.load - 1.0


@dataclass(frozen=True, eq=False)
class Plan:
    """A capacity plan: the chosen value, how it was found, and the evidence.

    ``value`` is the smallest value of ``vary`` confirmed to meet every SLO
    (or, when ``vary`` is ``load``, the highest confirmed rate factor) at
    rate factor ``load``; ``theory_value`` is theory's answer (None where no
    model covers the SLOs). ``summary`` has one row per point, source
    (``simulation`` or ``theory``) and SLO (:data:`SUMMARY_COLUMNS`);
    ``utilisation`` one row per queue at the plan; ``notes`` the warnings
    the simulated points gave.
    """

    scenario: Scenario = field(repr=False)
    vary: str
    value: float
    slos: tuple[SLO, ...] = field(repr=False)
    load: float
    confidence: float
    replications: int
    theory_value: float | None
    theory_model: str
    headroom: Headroom
    consumers: float
    cost_per_hour: float | None
    at_plan: Judged = field(repr=False)
    next_point: Judged | None = field(repr=False)
    next_unstable: bool = field(repr=False)
    summary: pd.DataFrame = field(repr=False)
    utilisation: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = field(repr=False, default=())

    @property
    def varies_load(self) -> bool:
        """Whether the plan found the highest load rather than a count."""
        return self.vary == "load"

    @property
    def decided(self) -> bool:
        """Whether the step past the answer was decided, not too close to call."""
        if self.next_unstable or self.next_point is None:
            return True
        return self.next_point.verdict == FAIL

    @property
    def too_close(self) -> pd.DataFrame:
        """The simulated points too close to call, with the replications to decide each."""
        frame = self.summary
        rows = frame[(frame.source == "simulation") & (frame.verdict == INCONCLUSIVE)]
        return rows.reset_index(drop=True)

    def answer(self) -> list[tuple[str, str]]:
        """The key facts, the answer first, as (what, figure) pairs."""
        return answer(self)

    def verdict_at(self, value: float, factor: float) -> str | None:
        """The simulated verdict over every SLO at a point (None if not simulated)."""
        frame = self.summary
        rows = frame[
            (frame.source == "simulation")
            & (frame.value == value)
            & (frame.rate_factor == factor)
        ]
        return combined(list(rows.verdict)) if len(rows) else None

    @classmethod
    def build(
        cls,
        goal: Target,
        points: Any,
        value: float,
        theory: float | None,
        headroom: Headroom,
        cost: float | None,
    ) -> Plan:
        """Assemble the plan from the points a search judged."""
        key = points.key(value)
        scenario = goal.at(key[0], factor=key[1])
        # On duty on average: a schedule counts by its time-average.
        horizon = scenario.experiment.duration
        consumers = math.fsum(
            q.consumers.mean_count_until(horizon) for q in scenario.queues.values()
        )
        if goal.varies_load:
            above = headroom.above
            next_key = None if above is None else points.key(above)
        else:
            next_key = points.key(value - 1) if value > goal.low else None
        notes = {
            f"{_short(goal, k)}: {note}"
            for k, judged in points.simulated.items()
            for note in judged.notes
        }
        for name, producer in goal.scenario.producers.items():
            if producer.arrivals.process == "profile":
                notes.add(
                    f"producers.{name}: its rate follows a profile, and this plan is "
                    "one value for the whole run; pushsim.plan.plan_day staffs each "
                    "interval"
                )
        return cls(
            # the scenario as planned: its own, with the seed the plan ran with
            scenario=with_overrides(goal.scenario, seed=goal.seed),
            vary=goal.name,
            value=value,
            slos=goal.slos,
            load=key[1],
            confidence=points.confidence,
            replications=goal.replications,
            theory_value=theory,
            theory_model=_theory_model(points.predict(*key), len(goal.slos), theory),
            headroom=headroom,
            consumers=consumers,
            cost_per_hour=None if cost is None else cost * consumers,
            at_plan=points.simulated[key],
            next_point=points.simulated.get(next_key),
            next_unstable=next_key in points.unstable,
            summary=_summary(goal, points, key),
            utilisation=_utilisation(scenario, points.simulated[key]),
            notes=tuple(sorted(notes)),
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in self.answer()
        )
        evidence = self.summary[self.summary.source == "simulation"]
        table = evidence.drop(columns=["vary", "chosen"]).to_html(
            index=False, float_format=lambda v: f"{v:.4g}"
        )
        head = f"<p><b>Plan for {html.escape(self.scenario.name)}</b></p>"
        return f"{head}<table>{rows}</table><p>Simulated points</p>{table}"

    def __repr__(self) -> str:
        return (
            f"<Plan {self.scenario.name!r}: {self.vary} = {self.value:g}, "
            f"decided={self.decided}>"
        )


def _theory_model(predicted: Any, count: int, theory: float | None) -> str:
    """The model theory used, and how many of the SLOs it covers if not all."""
    if theory is None:
        return ""
    if predicted.covers < count:
        return f"{predicted.model}; covers {predicted.covers} of {count} SLOs"
    return str(predicted.model)


def _short(goal: Target, key: tuple[float, float]) -> str:
    if goal.varies_load:
        return f"load x{key[1]:.4g}"
    return f"{goal.name}={int(key[0])} at load x{key[1]:.4g}"


def _row(
    goal: Target, key: tuple[float, float], source: str, slo: SLO, **values: Any
) -> dict[str, Any]:
    return {
        "vary": goal.name,
        "value": key[0],
        "rate_factor": key[1],
        "source": source,
        "slo": slo.text,
        "node": slo.node,
        "metric": slo.metric,
        "op": slo.op,
        "limit": slo.limit,
        **values,
    }


def _summary(goal: Target, points: Any, chosen: tuple[float, float]) -> pd.DataFrame:
    """Every simulated point, and theory where it was asked at the plan's load or a
    simulated point (not the many factors of theory's own headroom search)."""
    rows: list[dict[str, Any]] = []
    for key, judged in points.simulated.items():
        for i, slo in enumerate(goal.slos):
            est = judged.estimates[i]
            rows.append(
                _row(
                    goal,
                    key,
                    "simulation",
                    slo,
                    mean=est.mean,
                    ci_low=est.low,
                    ci_high=est.high,
                    verdict=judged.verdicts[i],
                    replications=judged.replications,
                    replications_needed=judged.needed[i],
                    model="",
                    chosen=key == chosen,
                )
            )
    for key, theory in points.theory.items():
        if key not in points.simulated and key[1] != chosen[1]:
            continue
        for slo, value in zip(goal.slos, theory.values, strict=True):
            if math.isnan(value):
                continue
            met = theory.stable is not False and slo.holds(value)
            rows.append(
                _row(
                    goal,
                    key,
                    "theory",
                    slo,
                    mean=value,
                    ci_low=math.nan,
                    ci_high=math.nan,
                    verdict=PASS if met else FAIL,
                    replications=0,
                    replications_needed=None,
                    model=theory.model,
                    chosen=key == chosen,
                )
            )
    frame = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    frame["replications_needed"] = frame["replications_needed"].astype("Int64")
    order = ["source", "rate_factor", "value"]
    return frame.sort_values(order, kind="stable").reset_index(drop=True)


def _theory_utilisation(scenario: Scenario, name: str) -> float:
    """Theory's utilisation of a queue, else the offered load of the traffic equations."""
    try:
        value = float(predict(scenario).value(name, "utilisation"))
    except PushsimError:
        value = math.nan
    if math.isnan(value):
        try:
            value = min(offered_load(scenario).load[name], 1.0)
        except PushsimError:
            value = math.nan
    return value


def _utilisation(scenario: Scenario, judged: Judged) -> pd.DataFrame:
    rows = [
        {
            "node": name,
            "consumers": scenario.queues[name].consumers.mean_count_until(
                scenario.experiment.duration
            ),
            "mean": est.mean,
            "ci_low": est.low,
            "ci_high": est.high,
            "theory": _theory_utilisation(scenario, name),
        }
        for name, est in judged.utilisation.items()
    ]
    return pd.DataFrame(rows, columns=UTILISATION_COLUMNS)
