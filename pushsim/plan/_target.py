"""What a plan varies and the scenario of each point it tries.

A plan varies either ``load`` (a factor on every producer's rate, found as
the highest the fleet sustains) or the dotted path of a whole-number field of
the scenario (``queues.push.consumers.count``, ``queues.push.capacity``),
found as the smallest value that meets the SLOs. A point's scenario is the
scenario with that value put at the path (validated as a whole, as if the
user had written it), its rates multiplied by the plan's rate factor, and
the plan's replications and seed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pushsim.errors import PushsimError, ScenarioError
from pushsim.scenario import SYSTEM, Scenario, parse_slo, scaled, with_values
from pushsim.scenario.slo import SLO
from pushsim.scenario.sweep import _walk
from pushsim.simulate import with_overrides

__all__ = [
    "LOAD",
    "Target",
    "check_cost",
    "check_factor",
    "default_vary",
    "parse_slos",
    "target",
]

LOAD = "load"

#: Replications a plan uses at the least: an interval needs two.
MIN_REPLICATIONS = 2


def parse_slos(scenario: Scenario, slo: str | Sequence[str] | None) -> tuple[SLO, ...]:
    """The SLOs to plan against: those given, else the scenario's own."""
    if slo is None:
        found = tuple(scenario.experiment.slo)
        if not found:
            raise PushsimError(
                "no SLO to plan against: give one (such as slo='p99 <= 200ms') or "
                "write experiment.slo in the scenario"
            )
        return found
    texts = [slo] if isinstance(slo, str) else list(slo)
    if not texts:
        raise PushsimError("slo: give at least one objective, such as 'p99 <= 200ms'")
    parsed = []
    for text in texts:
        try:
            objective = parse_slo(text)
        except ValueError as error:
            raise PushsimError(f"slo {text!r}: {error}") from None
        if objective.node != SYSTEM and objective.node not in scenario.queues:
            nodes = ", ".join([SYSTEM, *scenario.queues])
            raise PushsimError(
                f"slo {text!r}: no queue called {objective.node!r}; the nodes are "
                f"{nodes}"
            )
        parsed.append(objective)
    return tuple(parsed)


def default_vary(scenario: Scenario) -> str:
    """The consumer count of the only queue; with several, the user must choose."""
    names = list(scenario.queues)
    if len(names) == 1:
        return f"queues.{names[0]}.consumers.count"
    paths = ", ".join(f"queues.{n}.consumers.count" for n in names)
    raise PushsimError(
        f"this scenario has {len(names)} queues, so say what to vary: one of {paths}, "
        "another whole-number field, or 'load'"
    )


def check_factor(name: str, value: object) -> float:
    """A rate factor: a finite number > 0."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not (number and math.isfinite(value) and value > 0):  # type: ignore[operator, arg-type]
        raise PushsimError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)  # type: ignore[arg-type]


def check_cost(cost: object) -> float:
    """A cost per consumer-hour: a finite number >= 0."""
    number = isinstance(cost, int | float) and not isinstance(cost, bool)
    if not (number and math.isfinite(cost) and cost >= 0):  # type: ignore[arg-type, operator]
        raise PushsimError(
            f"cost must be a number >= 0 (per consumer-hour), got {cost!r}"
        )
    return float(cost)  # type: ignore[arg-type]


def _value_at(scenario: Scenario, path: str) -> Any:
    """The value of the field at ``path`` (after checking that the path exists)."""
    fault = _walk(scenario, path.split("."), at="vary")
    if fault is not None:
        raise ScenarioError([fault], source=scenario.source_path)
    node: Any = scenario.model_dump(by_alias=True)
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list | tuple) else node[part]
    return node


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_integer_field(scenario: Scenario, path: str) -> int | None:
    """The field's current whole-number value (None if unset); refuse other fields."""
    value = _value_at(scenario, path)
    if value is None:
        probe = _value_at(_at_path(scenario, path, 1), path)
        if _whole(probe):
            return None
    elif _whole(value):
        return int(value)
    if isinstance(value, dict) and "profile" in value:
        raise PushsimError(
            f"vary {path!r}: the count is a schedule by interval, not a whole number; "
            f"plan one interval's count by its path ({path}.profile.0 for the "
            "first), or every interval with the day plan"
        )
    shown = "unset" if value is None else f"{value!r} ({type(value).__name__})"
    raise PushsimError(
        f"vary {path!r}: the field is {shown}, not a whole number; a plan varies "
        "a whole-number field (a consumer count, a capacity) or 'load'"
    )


def _at_path(scenario: Scenario, path: str, value: int) -> Scenario:
    return with_values(scenario, {path: value})


def _lowest(scenario: Scenario, path: str) -> int:
    """The smallest whole number the field accepts: 0 or 1."""
    try:
        _at_path(scenario, path, 0)
    except ScenarioError:
        return 1
    return 0


@dataclass(frozen=True)
class Target:
    """The scenario, what varies in it, and how each point is run."""

    scenario: Scenario
    slos: tuple[SLO, ...]
    path: str | None
    load: float
    replications: int
    seed: int | None
    current: float
    low: float
    high: float

    @property
    def varies_load(self) -> bool:
        """Whether the plan looks for the highest rate factor."""
        return self.path is None

    @property
    def name(self) -> str:
        """What varies, as the user names it."""
        return self.path or LOAD

    def at(self, value: float, *, factor: float | None = None) -> Scenario:
        """The scenario of one point: ``value`` at the path, the rates scaled."""
        model = self.scenario
        if self.path is not None:
            model = _at_path(model, self.path, int(value))
            rate = self.load if factor is None else factor
        else:
            rate = float(value) if factor is None else factor
        model = scaled(model, rate)
        return with_overrides(model, replications=self.replications, seed=self.seed)


def _replications(scenario: Scenario, replications: int | None) -> int:
    if replications is None:
        return max(scenario.experiment.replications, MIN_REPLICATIONS)
    if isinstance(replications, bool) or not isinstance(replications, int):
        raise PushsimError(f"replications must be a whole number, got {replications!r}")
    if replications < MIN_REPLICATIONS:
        raise PushsimError(
            f"replications must be at least {MIN_REPLICATIONS} for a plan, whose "
            f"verdicts rest on intervals over replications; got {replications}"
        )
    return replications


def _bounds(
    bounds: Sequence[float] | None, low: float, high: float
) -> tuple[float, float]:
    if bounds is None:
        return low, high
    values = list(bounds)
    if len(values) != 2 or not all(isinstance(v, int | float) for v in values):
        raise PushsimError(f"bounds must be two numbers (low, high), got {bounds!r}")
    lo, hi = float(values[0]), float(values[1])
    if not (math.isfinite(lo) and math.isfinite(hi) and low <= lo < hi):
        raise PushsimError(
            f"bounds must satisfy {low:g} <= low < high, both finite, got {bounds!r}"
        )
    return lo, hi


def target(
    scenario: Scenario,
    *,
    slo: str | Sequence[str] | None,
    vary: str | None,
    load: float | None,
    replications: int | None,
    seed: int | None,
    bounds: Sequence[float] | None,
    highest_factor: float,
) -> Target:
    """Check what the user asked for and say how each point will be run."""
    with_overrides(scenario, seed=seed)  # refuses a bad seed before anything runs
    slos = parse_slos(scenario, slo)
    reps = _replications(scenario, replications)
    name = default_vary(scenario) if vary is None else str(vary)
    if name == LOAD:
        if load is not None:
            raise PushsimError(
                "load: give a rate factor to plan a count at, or vary 'load' to find "
                "the highest factor, not both"
            )
        low, high = _bounds(bounds, 1e-6, highest_factor)
        return Target(scenario, slos, None, 1.0, reps, seed, 1.0, low, high)
    factor = 1.0 if load is None else check_factor("load", load)
    current = _check_integer_field(scenario, name)
    lowest = _lowest(scenario, name)
    start = current if current is not None else lowest
    default_high = max(1000, 10 * start)
    low, high = _bounds(bounds, lowest, default_high)
    if low != int(low) or high != int(high):
        raise PushsimError(f"bounds of {name} must be whole numbers, got {bounds!r}")
    return Target(scenario, slos, name, factor, reps, seed, start, low, high)
