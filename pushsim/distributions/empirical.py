"""The empirical law: durations resampled from measured values.

The values come inline (``samples: [3ms, 4ms, 12ms]``) or from one column of a
CSV file (``file: latency.csv, column: service_ms, unit: ms``), read once when
the scenario is validated. A draw picks one of the values uniformly at random,
with replacement (the bootstrap), so the law's moments are those of the values
themselves: mean, population variance (divided by n, not n - 1) and their scv.
An optional ``scale`` multiplies every value, for a consumer faster or slower
than the one measured.

Limits: draws never fall between or beyond the measured values; a tail that
the sample did not see is not modelled.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import (
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pushsim.quantities import DURATION_UNITS, Duration, Model, format_duration

from ._common import FloatArray, FrozenArray, PositiveNumber, check_factor, scv
from ._files import check_unit, numbers, read_column, where

__all__ = ["EmpiricalLaw"]


class EmpiricalLaw(Model):
    """Durations drawn from ``samples``, or from ``column`` of CSV ``file`` in ``unit``."""

    law: Literal["empirical"] = "empirical"
    samples: tuple[Duration, ...] | None = Field(default=None, min_length=1)
    file: str | None = None
    column: str | None = None
    unit: str = "s"
    scale: PositiveNumber = 1.0

    _values: FrozenArray = PrivateAttr()

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        return check_unit(unit)

    @model_validator(mode="after")
    def _load(self, info: ValidationInfo) -> EmpiricalLaw:
        if (self.samples is None) == (self.file is None):
            got = "both" if self.samples is not None else "neither"
            raise ValueError(
                f"give exactly one of samples and file for an empirical law, got {got}"
            )
        raw = self._inline() if self.samples is not None else self._from_file(info)
        self._values = FrozenArray(raw * self.scale)
        return self

    def _inline(self) -> FloatArray:
        if self.column is not None:
            raise ValueError("column: applies only with file, not with samples")
        if "unit" in self.model_fields_set:
            raise ValueError(
                "unit: applies only to the numbers of a file; "
                "write samples with their unit, such as '4ms'"
            )
        assert self.samples is not None
        return np.array(self.samples, dtype=np.float64)

    def _from_file(self, info: ValidationInfo) -> FloatArray:
        assert self.file is not None
        if self.column is None:
            raise ValueError(
                f"column: give the column of {self.file!r} that holds the durations"
            )
        place = where(self.file, self.column)
        raw = numbers(read_column(self.file, self.column, info), place)
        negative = raw < 0
        if negative.any():
            index = int(np.flatnonzero(negative)[0])
            raise ValueError(
                f"column: {place}, line {index + 2}: durations must be >= 0, got {raw[index]:g}"
            )
        return raw * DURATION_UNITS[self.unit]

    @property
    def values(self) -> FloatArray:
        """The durations a draw chooses from, in seconds (read-only)."""
        return self._values.array

    @property
    def mean(self) -> float:
        """Mean of the values, in seconds."""
        return float(np.mean(self.values))

    @property
    def variance(self) -> float:
        """Population variance of the values (divided by n), in seconds squared."""
        return float(np.var(self.values))

    @property
    def scv(self) -> float:
        """Squared coefficient of variation of the values."""
        return scv(self.mean, self.variance)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` values drawn uniformly with replacement, in seconds."""
        return self.values[rng.integers(0, self.values.size, size)]

    def time_scaled(self, factor: float) -> EmpiricalLaw:
        """The same law with every value multiplied by ``factor`` (through ``scale``)."""
        factor = check_factor(factor)
        copy = self.model_copy(update={"scale": self.scale * factor})
        copy._values = FrozenArray(self.values * factor)
        return copy

    def describe(self) -> str:
        """A short readable form, such as ``empirical(250 values, mean=4ms, cv=1.2)``."""
        source = (
            f"{where(self.file, self.column)}: " if self.file and self.column else ""
        )
        scaled = f", scale={self.scale:g}" if self.scale != 1.0 else ""
        return (
            f"empirical({source}{self.values.size} values, "
            f"mean={format_duration(self.mean)}, cv={self.scv**0.5:.3g}{scaled})"
        )
