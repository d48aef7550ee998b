"""Scenarios derived from a scenario: fields set to other values, rates scaled.

A sweep, a plan and a check ask the same question of a scenario with one
thing changed. :func:`with_values` puts values at dotted paths (the paths a
sweep's ``vary`` takes: ``queues.push.consumers.count``,
``balancers.lb.policy``) and validates the result as a whole, as if the user
had written it that way, so a value that does not fit is refused with the
faults a file would get. :func:`scaled` multiplies every producer's rate by
one factor. The derived scenario keeps the file it came from (for reports)
and drops the sweep section: one point of a sweep is not a sweep.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pushsim.errors import Fault, PushsimError, ScenarioError
from pushsim.scenario.load import _validate
from pushsim.scenario.schema import Scenario
from pushsim.scenario.sweep import LOAD, _show, _substituted, _walk

__all__ = ["rate_factor", "scaled", "with_values"]


def rate_factor(scenario: Scenario) -> float:
    """How much :func:`scaled` has multiplied the scenario's rates (1.0 if not)."""
    return float(scenario._rate_factor)


def with_values(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """The scenario with each ``path: value`` of ``values`` put in, validated.

    Raises :class:`ScenarioError` naming the path and the value when a path
    is not a field of the scenario or a value does not fit there.
    """
    if not values:
        return scenario
    data = scenario._source_data
    if data is None:
        raise PushsimError(
            "this scenario was not made by pushsim.load_scenario, so its fields "
            "cannot be changed by path; load it from a file or a mapping"
        )
    full = scenario.model_dump(by_alias=True)
    for path, value in values.items():
        if path == LOAD:
            raise PushsimError(
                "'load' is not a field; scale the rates with pushsim.scenario.scaled"
            )
        parts = str(path).split(".")
        fault = _walk(scenario, parts, at=str(path))
        if fault is not None:
            raise ScenarioError([fault], source=scenario.source_path)
        data = _substituted(data, full, parts, value)
    try:
        derived = _validate(data, scenario._base_dir, scenario.source_path)
    except ScenarioError as error:
        shown = ", ".join(f"{p} = {_show(v)}" for p, v in values.items())
        faults = [Fault(f.path, f"with {shown}: {f.message}") for f in error.faults]
        raise ScenarioError(faults, source=scenario.source_path) from None
    derived._source_path = scenario._source_path
    derived._source_text = scenario._source_text
    derived = _overridden(derived, scenario._overrides, values)
    factor = rate_factor(scenario)
    return derived if factor == 1.0 else scaled(derived, factor)


def _overridden(
    derived: Scenario, overrides: Mapping[str, int], values: Mapping[str, Any]
) -> Scenario:
    """``derived`` with the seed and replications set over the file's, unless set here."""
    kept = {k: v for k, v in overrides.items() if k != "seed" or "seed" not in values}
    if "experiment.replications" in values:
        kept.pop("replications", None)
    update: dict[str, Any] = {}
    if "seed" in kept:
        update["seed"] = kept["seed"]
    if "replications" in kept:
        update["experiment"] = derived.experiment.model_copy(
            update={"replications": kept["replications"]}
        )
    if not update:
        return derived
    result = derived.model_copy(update=update)
    result._overrides = dict(kept)
    return result


def scaled(scenario: Scenario, factor: float) -> Scenario:
    """The scenario with every producer's rate multiplied by ``factor`` (> 0)."""
    if isinstance(factor, bool) or not isinstance(factor, int | float):
        raise PushsimError(f"a rate factor must be a number, got {factor!r}")
    if not (math.isfinite(factor) and factor > 0):
        raise PushsimError(f"a rate factor must be a finite number > 0, got {factor!r}")
    if factor == 1.0:
        return scenario
    producers = {
        name: producer.model_copy(update={"arrivals": producer.arrivals.scaled(factor)})
        for name, producer in scenario.producers.items()
    }
    derived = scenario.model_copy(update={"producers": producers})
    _keep_origin(derived, scenario)
    derived._rate_factor = rate_factor(scenario) * float(factor)
    return derived


def _keep_origin(derived: Scenario, origin: Scenario) -> None:
    derived._source_path = origin._source_path
    derived._source_text = origin._source_text
    derived._source_data = origin._source_data
    derived._base_dir = origin._base_dir
