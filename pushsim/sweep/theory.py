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
from typing import Any

import numpy as np
import pandas as pd

from pushsim.errors import PushsimError
from pushsim.sweep.points import LOAD, expand

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


def theory_curve(frame: pd.DataFrame, points: int = 200) -> pd.DataFrame:
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
    keep = set(zip(frame["node"], frame["metric"], strict=True))
    rows = []
    for combo in itertools.product(*(swept[n] for n in others)):
        grid = {first: swept[first], **dict(zip(others, combo, strict=True))}
        for point in expand(
            base, {n: list(v) if isinstance(v, list) else [v] for n, v in grid.items()}
        ):
            table = predict(point.scenario).to_frame()
            table = table[
                [(n, m) in keep for n, m in zip(table.node, table.metric, strict=True)]
            ]
            unstable = table["stable"].eq(False)
            for row in table.itertuples():
                value = math.nan if unstable[row.Index] else row.value
                rows.append(
                    {
                        **point.values,
                        "node": row.node,
                        "metric": row.metric,
                        "theory": value,
                        "theory_model": row.model or None,
                    }
                )
    return pd.DataFrame(
        rows, columns=[*names, "node", "metric", "theory", "theory_model"]
    )
