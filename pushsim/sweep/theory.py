"""Theory along a sweep: the formulas' figures on a fine grid of the varied value.

The simulated points of a sweep are few; the theory is cheap, so it is drawn
as a continuous line. For ``load`` and numeric fields the grid runs evenly
from the smallest to the largest swept value (whole numbers only, for a
whole-number field); a field of words (a balancer's policy) has no line
between its values, only its points. With a grid of several varied names,
the line is drawn for each combination of the other names' swept values.
Loads at or past 1 get no figure: the theory reports an unstable queue, not
a number.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import numpy as np
import pandas as pd

from pushsim.errors import PushsimError
from pushsim.scenario import SYSTEM, Scenario, scaled, with_values
from pushsim.sweep.points import LOAD, expand
from pushsim.theory import offered_load

__all__ = ["theory_curve"]


def _grid(values: list[Any], points: int) -> list[Any]:
    numbers = [
        v for v in values if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    if len(numbers) != len(values):
        return list(values)
    low, high = min(numbers), max(numbers)
    if all(isinstance(v, int) for v in numbers):
        step = max(1, math.ceil((high - low + 1) / points))
        return list(range(int(low), int(high) + 1, step))
    return [float(x) for x in np.linspace(low, high, points)]


def _scenarios(
    base: Scenario, first: str, grid: list[Any], fixed: dict[str, Any]
) -> Iterator[tuple[dict[str, Any], Scenario]]:
    """Each grid value's scenario; along the load, one validation and a rescale."""
    if first != LOAD:
        for value in grid:
            point = expand(base, {first: [value], **{n: [v] for n, v in fixed.items()}})
            yield point[0].values, point[0].scenario
        return
    fields = {n: v for n, v in fixed.items() if n != LOAD}
    model = with_values(base, fields)
    peak = offered_load(model).peak
    for value in grid:
        yield {first: value, **fixed}, scaled(model, float(value) / peak)


def theory_curve(frame: pd.DataFrame, points: int = 100) -> pd.DataFrame:
    """The theory's figures over a fine grid of the first varied name.

    Columns: one per varied name, then ``node, metric, theory,
    theory_model``; NaN where no model applies or the point is unstable.
    """
    from pushsim.theory import predict

    base = frame.attrs.get("scenario")
    names = frame.attrs.get("vary")
    if base is None or not names:
        raise PushsimError("theory_curve needs a table made by pushsim.sweep")
    first, others = names[0], names[1:]
    swept = {name: list(pd.unique(frame[name])) for name in names}
    if first == LOAD:
        swept[first] = [v for v in _grid(swept[first], points) if v < 1.0]
    else:
        swept[first] = _grid(swept[first], points)
    keep = list(dict.fromkeys(zip(frame["node"], frame["metric"], strict=True)))
    rows = []
    for combo in itertools.product(*(swept[n] for n in others)):
        fixed = dict(zip(others, combo, strict=True))
        for values, scenario in _scenarios(base, first, swept[first], fixed):
            prediction = predict(scenario)
            for node, metric in keep:
                part = prediction.system if node == SYSTEM else prediction.node(node)
                value = math.nan
                if part.covered and part.stable is not False:
                    with suppress(PushsimError):  # a figure this model lacks
                        value = prediction.value(node, metric)
                rows.append(
                    {
                        **values,
                        "node": node,
                        "metric": metric,
                        "theory": value,
                        "theory_model": part.model or None,
                    }
                )
    return pd.DataFrame(
        rows, columns=[*names, "node", "metric", "theory", "theory_model"]
    )
