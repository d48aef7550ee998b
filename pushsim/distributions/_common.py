"""Small helpers shared by the laws and the arrival processes.

Fault messages that concern one field start with the field's name and a colon
(``high: must be >= low (2ms), got 1ms``): the scenario loader moves that name
into the fault's path.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
from pydantic import Field

__all__ = [
    "FloatArray",
    "FrozenArray",
    "IntArray",
    "PositiveNumber",
    "check_block",
    "check_factor",
    "scv",
    "square",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: A finite dimensionless number > 0 (a cv, a shape, a tail index).
PositiveNumber = Annotated[float, Field(gt=0, allow_inf_nan=False)]


def square(x: float) -> float:
    """``x * x``: inf where that overflows (``x ** 2`` raises instead)."""
    return x * x


def scv(mean: float, variance: float) -> float:
    """The squared coefficient of variation, 0 for a point mass (even at 0)."""
    if variance == 0.0:
        return 0.0
    if mean == 0.0:
        return math.inf
    return variance / square(mean)


def check_factor(factor: object) -> float:
    """A scale factor given by a caller: a finite number > 0."""
    if isinstance(factor, bool) or not isinstance(factor, Real):
        raise TypeError(f"factor must be a number, got {factor!r}")
    value = float(factor)
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"factor must be a finite number > 0, got {factor!r}")
    return value


def check_block(block: object) -> int:
    """A block size given by a caller: a whole number >= 1."""
    if isinstance(block, bool) or not isinstance(block, int | np.integer):
        raise TypeError(f"block must be a whole number, got {block!r}")
    if block < 1:
        raise ValueError(f"block must be >= 1, got {block}")
    return int(block)


class FrozenArray:
    """A read-only float64 array kept by a model, compared by value.

    Pydantic compares and copies a model's private attributes with ``==``; a
    bare numpy array would make that comparison ambiguous.
    """

    __slots__ = ("array",)

    def __init__(self, values: npt.ArrayLike) -> None:
        array = np.array(values, dtype=np.float64)
        array.setflags(write=False)
        self.array: FloatArray = array

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, FrozenArray):
            return NotImplemented
        return bool(np.array_equal(self.array, other.array))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FrozenArray(<{self.array.size} values>)"

    def __getstate__(self) -> FloatArray:
        return self.array

    def __setstate__(self, state: FloatArray) -> None:
        array = np.array(state, dtype=np.float64)
        array.setflags(write=False)
        self.array = array
