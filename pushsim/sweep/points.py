"""The points of a sweep: what varies, over which values, as scenarios.

``vary`` names what changes: ``load`` (the offered load as a fraction of
capacity: every producer's rate scaled together so that the busiest consumer
group, see :func:`pushsim.theory.offered_load`, is that busy), or the dotted
path of a field (``queues.push.consumers.count``, ``balancers.lb.policy``).
Several names make a grid, every combination of their values, the first name
varying slowest. Paths are applied first and the load last, so ``load`` is a
fraction of the capacity of that point (with its own consumer count).

Every point keeps the scenario's seed: the points share their random streams
(common random numbers), so the differences between neighbouring points are
the effect of the change and not of fresh noise.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pushsim.errors import PushsimError
from pushsim.scenario import Scenario, scaled, with_values
from pushsim.theory import offered_load

__all__ = ["DEFAULT_LOADS", "LOAD", "Point", "expand", "resolve"]

LOAD = "load"

#: The loads swept when neither the call nor the scenario says which.
DEFAULT_LOADS = (0.2, 0.4, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)


@dataclass(frozen=True)
class Point:
    """One point of a sweep: its values by name and the scenario it runs."""

    index: int
    values: dict[str, Any]
    scenario: Scenario
    offered_load: float
    bottleneck: str

    @property
    def saturated(self) -> bool:
        """Whether the bottleneck is offered as much work as it can do, or more."""
        return self.offered_load >= 1.0

    @property
    def label(self) -> str:
        """``load=0.9, queues.push.consumers.count=8``."""
        return ", ".join(f"{name}={value}" for name, value in self.values.items())


def resolve(
    scenario: Scenario, vary: Any = None, values: Any = None
) -> dict[str, list[Any]]:
    """What varies over which values, from the call or the scenario's sweep."""
    own = scenario.experiment.sweep
    if vary is None and values is None:
        if own is not None:
            return {own.vary: list(own.values)}
        return {LOAD: list(DEFAULT_LOADS)}
    if isinstance(vary, Mapping):
        if values is not None:
            raise PushsimError(
                "vary: give either a mapping of names to values, or vary and values"
            )
        grid = {str(name): _listed(name, v) for name, v in vary.items()}
    elif vary is None or isinstance(vary, str):
        name = vary or LOAD
        if values is None:
            if own is not None and own.vary == name:
                values = list(own.values)
            elif name == LOAD:
                values = list(DEFAULT_LOADS)
            else:
                raise PushsimError(
                    f"vary {name!r}: give the values to sweep it over (values=[...])"
                )
        grid = {name: _listed(name, values)}
    elif isinstance(vary, Sequence):
        names = [str(v) for v in vary]
        if not isinstance(values, Sequence) or len(values) != len(names):
            raise PushsimError(
                f"vary names {len(names)} fields, so values must be a list of "
                f"{len(names)} lists, got {values!r}"
            )
        grid = {name: _listed(name, v) for name, v in zip(names, values, strict=True)}
    else:
        raise PushsimError(
            f"vary must be 'load', a field path, a list of them or a mapping, got {vary!r}"
        )
    if not grid:
        raise PushsimError("vary names nothing to sweep")
    if LOAD in grid:
        for value in grid[LOAD]:
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if not (number and math.isfinite(value) and value > 0):
                raise PushsimError(
                    f"values of load: a load is a fraction of capacity, a number > 0, "
                    f"got {value!r}"
                )
    return grid


def _listed(name: Any, values: Any) -> list[Any]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise PushsimError(f"values of {name}: must be a list, got {values!r}")
    if len(values) == 0:
        raise PushsimError(f"values of {name}: the list is empty")
    return list(values)


def expand(scenario: Scenario, grid: Mapping[str, list[Any]]) -> list[Point]:
    """Every point of the grid as a validated scenario, in grid order."""
    names = list(grid)
    points = []
    for index, combo in enumerate(itertools.product(*(grid[n] for n in names))):
        values = dict(zip(names, combo, strict=True))
        fields = {n: v for n, v in values.items() if n != LOAD}
        model = with_values(scenario, fields)
        flows = offered_load(model)
        if LOAD in values:
            model = scaled(model, float(values[LOAD]) / flows.peak)
            flows = offered_load(model)
        points.append(Point(index, values, model, flows.peak, flows.bottleneck))
    return points
