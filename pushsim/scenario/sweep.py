"""The rules of ``experiment.sweep``: what it varies exists, and each value fits.

``vary: load`` scales the offered load, so each value is a number > 0. Any
other ``vary`` is a dotted path to a field of this scenario, walked through
the validated scenario (mappings by key, records by the key a file uses, lists
by position), so that a field left at its default (``queues.push.capacity``)
may be varied too. Each value is then checked the strongest simple way: the
scenario is validated again with that value put at the path.
"""

from __future__ import annotations

import copy
import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pushsim.errors import Fault
from pushsim.quantities import Model
from pushsim.scenario.schema import Scenario, Warmup

__all__ = ["sweep_faults"]

LOAD = "load"
_VARY = "experiment.sweep.vary"
_VALUES = "experiment.sweep.values"

#: Checks a raw scenario mapping and returns its faults.
Checker = Callable[[Mapping[str, Any]], list[Fault]]


def _show(value: Any) -> str:
    words = {True: "true", False: "false", None: "null"}
    text = words[value] if value is None or isinstance(value, bool) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _raw_sweep(data: Mapping[str, Any]) -> tuple[str, list[Any]] | None:
    """``vary`` and ``values`` as written, or None where the record check reports."""
    experiment = data.get("experiment")
    sweep = experiment.get("sweep") if isinstance(experiment, Mapping) else None
    if not isinstance(sweep, Mapping):
        return None
    vary, values = sweep.get("vary", LOAD), sweep.get("values")
    if not isinstance(vary, str) or not isinstance(values, list | tuple) or not values:
        return None
    return vary, list(values)


def _load_faults(values: Sequence[Any]) -> list[Fault]:
    faults = []
    for i, value in enumerate(values):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not (number and math.isfinite(value) and value > 0):
            faults.append(
                Fault(
                    f"{_VALUES}[{i}]",
                    f"a load factor must be a number > 0, got {_show(value)}",
                )
            )
    return faults


def _keys(node: Any) -> list[str]:
    """The keys that the next part of a path may be at ``node``."""
    if isinstance(node, Model) and not isinstance(node, Warmup):
        return [f.alias or name for name, f in type(node).model_fields.items()]
    if isinstance(node, Mapping):
        return [str(k) for k in node]
    return []


def _step(node: Any, part: str) -> tuple[bool, Any]:
    """``(True, child)`` for the field ``part`` of ``node``, else ``(False, None)``.

    A warm-up is a leaf: it is written as one value (``10%``), not as fields.
    """
    if isinstance(node, Model) and not isinstance(node, Warmup):
        for name, field in type(node).model_fields.items():
            if part == (field.alias or name):
                return True, getattr(node, name)
        return False, None
    if isinstance(node, Mapping):
        return (True, node[part]) if part in node else (False, None)
    if isinstance(node, tuple) and part.isdigit() and int(part) < len(node):
        return True, node[int(part)]
    return False, None


def _walk(scenario: Scenario, parts: list[str], at: str = _VARY) -> Fault | None:
    """None if ``parts`` leads to a field of ``scenario``, else the fault at ``at``."""
    if parts[:2] == ["experiment", "sweep"]:
        return Fault(at, "a sweep cannot vary itself; name another field or 'load'")
    node: Any = scenario
    for depth, part in enumerate(parts):
        found, child = _step(node, part)
        if not found:
            where = ".".join(parts[:depth]) or "the scenario"
            keys = _keys(node)
            if keys:
                hint = difflib.get_close_matches(part, keys, n=1)
                use = f"did you mean {hint[0]!r}?" if hint else f"use {', '.join(keys)}"
                rule = f"{where} has no {part!r}; {use}"
            elif node is None:
                rule = f"{where} is not set, so it has no {part!r}"
            else:
                rule = f"{where} is a single value, with no {part!r} in it"
            return Fault(
                at,
                f"must be 'load' or the path of a field of this scenario, got "
                f"{'.'.join(parts)!r}: {rule}",
            )
        node = child
    return None


def _plain(value: Any) -> Any:
    """A copy of raw data with plain dicts and lists, to be changed in place."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return copy.copy(value)


def _substituted(
    data: Mapping[str, Any], full: dict[str, Any], parts: list[str], value: Any
) -> dict[str, Any]:
    """The raw scenario with ``value`` at ``parts`` and no sweep.

    The data as written is kept; where the path goes through something left
    at its default or written in a short form (a bare duration for a law), that
    part is taken from the validated scenario's dump.
    """
    changed = _plain(data)
    experiment = changed.get("experiment")
    if isinstance(experiment, dict):
        experiment.pop("sweep", None)
    node: Any = changed
    model: Any = full
    for part in parts[:-1]:
        key: Any = part if isinstance(model, Mapping) else int(part)
        model = model[key]
        kind = Mapping if isinstance(model, Mapping) else list
        present = key in node if isinstance(node, dict) else key < len(node)
        if not present or not isinstance(node[key], kind):
            node[key] = _plain(model)
        node = node[key]
    last = parts[-1]
    node[int(last) if isinstance(node, list) else last] = value
    return changed


def sweep_faults(
    data: Mapping[str, Any], scenario: Scenario | None, check: Checker
) -> list[Fault]:
    """The faults of the sweep of raw ``data``, whose ``scenario`` is validated.

    Without a valid scenario only a ``load`` sweep is checked; a path can be
    checked once the rest of the scenario is right.
    """
    raw = _raw_sweep(data)
    if raw is None:
        return []
    vary, values = raw
    if vary == LOAD:
        return _load_faults(values)
    if scenario is None:
        return []
    parts = vary.split(".")
    fault = _walk(scenario, parts)
    if fault is not None:
        return [fault]
    full = scenario.model_dump(by_alias=True)
    faults = []
    for i, value in enumerate(values):
        found = check(_substituted(data, full, parts, value))
        if found:
            first = found[0]
            where = "" if first.path == vary else f"then {first.path or 'the file'}: "
            faults.append(
                Fault(
                    f"{_VALUES}[{i}]",
                    f"{_show(value)} does not fit {vary}: {where}{first.message}",
                )
            )
    return faults
