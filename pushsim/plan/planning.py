"""``plan``: the fewest consumers that meet the SLOs, or the most load a fleet takes.

How a count is planned (``vary`` a whole-number field, by default the
consumer count of the only queue):

1. Theory first: the smallest value whose predicted figures meet every SLO
   (:func:`pushsim.theory.predict` at each value, which is Erlang C for an
   M/M/c queue, Erlang A with an exponential time-to-live, M/M/c/K with a
   capacity, and so on), or the same on the scenario's Markov surrogate
   where no model covers it (see :mod:`._evaluate`).
2. Simulation around it: the point theory names is simulated, then the
   value below it, and so on in doubling steps until the verdict changes,
   then bisection (:mod:`._search`). Without theory the search starts at the
   scenario's own value. A value that theory calls unstable fails without
   being simulated.
3. Confirmation by intervals (:mod:`._rule`): a value counts as meeting an
   SLO only if the whole interval does; the answer is the smallest value
   confirmed to meet every SLO. A point too close to call is simulated
   again with the replications the rule names, while they are at most
   ``max_replications`` (by default four times the replications per point);
   if the value below the answer is still too close to call, the plan says
   so and names the replications that would decide it.

Then, at the planned value: the headroom (the highest rate factor at which
the SLOs still hold, by theory and, with ``headroom=True``, by a simulated
search to ``tolerance``), each queue's utilisation, and, given a cost per
consumer-hour, the cost of the plan.

How a load is planned (``vary="load"``): the highest factor on every
producer's rate that meets the SLOs, by theory and then by a simulated
search that brackets it to ``tolerance`` (relative).

Limits: the searches assume that meeting the SLOs is monotone in what
varies (true of consumer counts for latency and loss, not of a capacity
against a latency SLO); a plan varies one field, so a fleet of several
queues is planned one queue at a time.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pushsim.engines.base import Engine, Run
from pushsim.errors import PushsimError
from pushsim.measures import unit_of
from pushsim.plan._evaluate import Judged, Predicted, predicted, simulated
from pushsim.plan._record import Headroom, Plan
from pushsim.plan._rule import FAIL, INCONCLUSIVE, PASS, check_confidence
from pushsim.plan._search import NoValue, highest, smallest
from pushsim.plan._target import Target, check_cost, check_factor, target
from pushsim.quantities import format_value
from pushsim.scenario import Scenario, load_scenario
from pushsim.simulate import with_overrides
from pushsim.theory import offered_load

__all__ = ["plan"]

log = logging.getLogger("pushsim.plan")

Progress = Callable[[str], None]


class _Points:
    """Every point judged so far, by theory and by simulation.

    A point is keyed by ``(value, rate factor)``; when the load varies the
    value is the factor itself.
    """

    def __init__(
        self,
        goal: Target,
        confidence: float,
        engine: Engine | None,
        progress: Progress | None,
        most_replications: int,
    ) -> None:
        self.goal = goal
        self.most_replications = most_replications
        self.confidence = confidence
        self.engine = engine
        self.progress = progress
        self.theory: dict[tuple[float, float], Predicted] = {}
        self.simulated: dict[tuple[float, float], Judged] = {}
        self.unstable: set[tuple[float, float]] = set()

    def key(self, value: float, factor: float | None = None) -> tuple[float, float]:
        """The point of ``value`` at ``factor`` (the plan's own factor if None)."""
        if self.goal.varies_load:
            f = value if factor is None else factor
            return (f, f)
        return (value, self.goal.load if factor is None else factor)

    def predict(self, value: float, factor: float | None = None) -> Predicted:
        """Theory's figures at a point (computed once)."""
        key = self.key(value, factor)
        if key not in self.theory:
            scenario = self.goal.at(key[0], factor=key[1])
            self.theory[key] = predicted(scenario, self.goal.slos)
        return self.theory[key]

    def theory_verdict(self, value: float, factor: float | None = None) -> str:
        """``pass`` or ``fail`` by theory; raise :class:`_NoTheory` if it cannot say."""
        holds = self.predict(value, factor).holds(self.goal.slos)
        if holds is None:
            raise _NoTheory
        return PASS if holds else FAIL

    def simulate(self, value: float, factor: float | None = None) -> str:
        """The simulated verdict at a point; a point theory calls unstable fails."""
        key = self.key(value, factor)
        theory = self.predict(*key)
        if theory.stable is False and not theory.approximate:
            self.unstable.add(key)
            return FAIL
        if key not in self.simulated:
            self.simulated[key] = self._judge(key)
        return self.simulated[key].verdict

    def _judge(self, key: tuple[float, float]) -> Judged:
        """Simulate a point; while too close to call, add the replications named."""
        scenario = self.goal.at(key[0], factor=key[1])
        label = _label(self.goal, *key)
        runs: list[Run] = []
        # Each round runs more replications than the last, up to the budget,
        # so the loop ends.
        while True:
            if self.progress is not None:
                self.progress(
                    f"{label}: {scenario.experiment.replications} replications"
                )
            log.info("simulating %s", label)
            judged, runs = simulated(
                key[0],
                scenario,
                self.goal.slos,
                confidence=self.confidence,
                engine=self.engine,
                runs=runs,
            )
            wanted = judged.replications_to_decide()
            if judged.verdict != INCONCLUSIVE or wanted is None:
                break
            if wanted > self.most_replications or wanted <= judged.replications:
                break
            scenario = with_overrides(scenario, replications=wanted)
        return judged


class _NoTheory(Exception):
    """Theory gives no figure for these SLOs."""


def _label(goal: Target, value: float, factor: float) -> str:
    if goal.varies_load:
        return f"load x{factor:.4g}"
    return f"{goal.name} = {int(value)} at load x{factor:.4g}"


def _theory_count(points: _Points) -> int | None:
    goal = points.goal
    start = _erlangs_start(goal)
    try:
        return smallest(
            points.theory_verdict, start, int(goal.low), int(goal.high), most=80
        )
    except (_NoTheory, NoValue):
        return None


def _erlangs_start(goal: Target) -> int:
    """Where a count search starts: just above the offered erlangs of its queue."""
    parts = (goal.path or "").split(".")
    if len(parts) == 4 and parts[0] == "queues" and parts[2:] == ["consumers", "count"]:
        try:
            flows = offered_load(goal.at(goal.current))
        except PushsimError:
            return int(goal.current)
        erlangs = flows.load.get(parts[1], 0.0) * goal.current
        return max(int(goal.low), math.floor(erlangs) + 1)
    return int(goal.current)


def _highest_factor(scenario: Scenario) -> float:
    """The rate factor at which the first queue without capacity or TTL saturates.

    Past it that queue grows without bound. Bounded and impatient queues are
    stable at any load; with only those, a hundred times the factor at which
    the busiest of them is offered its capacity.
    """
    try:
        flows = offered_load(scenario)
    except PushsimError:
        return 1e3
    unbounded = [
        flows.load[name]
        for name, queue in scenario.queues.items()
        if queue.capacity is None and queue.ttl is None and flows.load[name] > 0
    ]
    if unbounded:
        return 1.0 / max(unbounded)
    return 100.0 * flows.saturation_factor


def _theory_factor(
    points: _Points, value: float, low: float, high: float
) -> float | None:
    def judge(factor: float) -> str:
        return points.theory_verdict(value, factor)

    try:
        best, _ = highest(judge, 1.0, low, high, tolerance=1e-4, most=200)
    except (_NoTheory, NoValue):
        return None
    return best


def _no_value(goal: Target, points: _Points, error: NoValue) -> PushsimError:
    key = points.key(error.value)
    judged = points.simulated.get(key)
    slos = "; ".join(s.text for s in goal.slos)
    where = f"{goal.name} in [{goal.low:g}, {goal.high:g}]"
    if goal.varies_load:
        where = f"load factor in [{goal.low:g}, {goal.high:g}]"
    message = f"no {where} meets {slos}"
    if judged is not None:
        figures = ", ".join(
            f"{s.metric} {format_value(e.mean, unit_of(s.metric))} ({v})"
            for s, e, v in zip(
                judged.slos, judged.estimates, judged.verdicts, strict=True
            )
        )
        message += f": at {error.value:g} the simulation gives {figures}"
    elif key in points.unstable:
        message += f": at {error.value:g} a queue is still overloaded"
    return PushsimError(message + "; relax an SLO or widen the bounds")


def _headroom(points: _Points, value: int, enabled: bool, tolerance: float) -> Headroom:
    goal = points.goal
    top = _highest_factor(goal.at(value, factor=1.0))
    theory = _theory_factor(points, value, goal.load * 1e-3, top)
    if not enabled:
        return Headroom(goal.load, theory, None, None)
    start = (
        theory * (1 - tolerance)
        if theory is not None
        else goal.load * (1 + 2 * tolerance)
    )

    def judge(factor: float) -> str:
        return points.simulate(value, factor)

    try:
        best, above = highest(
            judge, max(start, goal.load), goal.load, top, tolerance=tolerance
        )
    except NoValue:
        best, above = goal.load, None
    return Headroom(goal.load, theory, best, above)


def plan(
    scenario: Scenario | Mapping[str, Any] | str | Path,
    *,
    slo: str | Sequence[str] | None = None,
    vary: str | None = None,
    load: float | None = None,
    cost: float | None = None,
    replications: int | None = None,
    seed: int | None = None,
    bounds: Sequence[float] | None = None,
    confidence: float = 0.95,
    headroom: bool = True,
    tolerance: float = 0.02,
    max_replications: int | None = None,
    engine: Engine | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Plan capacity against SLOs: the smallest value of ``vary``, or the highest load.

    ``slo``: objectives in the SLO syntax (default: the scenario's own).
    ``vary``: the dotted path of a whole-number field (default: the consumer
    count of the only queue), or ``"load"`` for the highest rate factor.
    ``load``: the factor on the scenario's rates at which a count is planned.
    ``cost``: per consumer-hour, for the cost of the plan. ``replications``
    per point (default: the scenario's, at least 2) and ``seed`` override
    the scenario's. ``bounds``: the range searched. ``confidence``: of the
    intervals that decide each point. ``headroom``: also find by simulation
    how far the load can rise at the planned value. ``tolerance``: how
    closely (relatively) a factor is bracketed. ``max_replications``: a
    point too close to call is simulated again with the replications the
    rule names, up to this many (default: four times ``replications``;
    ``max_replications=replications`` runs every point once).
    ``engine``: the engine that runs each replication (default: the DES
    engine). ``progress``: called with a line of text before each
    simulation. See the module docstring for the method.
    """
    model = load_scenario(scenario)
    level = check_confidence(confidence)
    spread = check_factor("tolerance", tolerance)
    price = None if cost is None else check_cost(cost)
    goal = target(
        model,
        slo=slo,
        vary=vary,
        load=load,
        replications=replications,
        seed=seed,
        bounds=bounds,
        highest_factor=_highest_factor(model),
    )
    most = _most_replications(max_replications, goal.replications)
    points = _Points(goal, level, engine, progress, most)
    if goal.varies_load:
        return _plan_load(points, spread, price)
    return _plan_count(points, headroom, spread, price)


#: The default budget for a close point, as a multiple of the replications per
#: point: enough to halve an interval's half-width.
_CLOSE_BUDGET = 4


def _most_replications(most: int | None, replications: int) -> int:
    if most is None:
        return _CLOSE_BUDGET * replications
    if isinstance(most, bool) or not isinstance(most, int) or most < replications:
        raise PushsimError(
            "max_replications must be a whole number >= the replications per point "
            f"({replications}), got {most!r}"
        )
    return most


def _plan_count(
    points: _Points, headroom: bool, tolerance: float, cost: float | None
) -> Plan:
    goal = points.goal
    theory = _theory_count(points)
    start = theory if theory is not None else int(goal.current)
    try:
        value = smallest(points.simulate, start, int(goal.low), int(goal.high))
    except NoValue as error:
        raise _no_value(goal, points, error) from None
    for near in range(
        max(int(goal.low), value - 3), min(int(goal.high), value + 3) + 1
    ):
        points.predict(near)
    room = _headroom(points, value, headroom, tolerance)
    return Plan.build(goal, points, value, theory, room, cost)


def _plan_load(points: _Points, tolerance: float, cost: float | None) -> Plan:
    goal = points.goal
    theory = _theory_factor(points, 0.0, goal.low, goal.high)
    start = theory * (1 - tolerance) if theory is not None else 1.0
    try:
        best, above = highest(
            points.simulate, start, goal.low, goal.high, tolerance=tolerance
        )
    except NoValue as error:
        raise _no_value(goal, points, error) from None
    room = Headroom(1.0, theory, best, above)
    return Plan.build(goal, points, best, theory, room, cost)
