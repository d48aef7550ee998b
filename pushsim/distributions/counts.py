"""Fan-out: how many deliveries one published message becomes.

A notification sent to a user goes to each of the user's devices; a count law
gives that number per message. ``CountLaw`` is chosen by the ``law`` key:

- ``fixed``: always ``value`` (>= 1); a bare whole number in a ``FanoutField``
  means this law, since a fixed fan-out of 0 would deliver nothing at all;
- ``poisson``: Poisson with ``mean`` (support 0, 1, 2, ...: a message may
  reach nobody);
- ``geometric``: on 1, 2, 3, ... with ``mean >= 1`` (success probability
  ``1 / mean``);
- ``uniform``: every whole number from ``low`` to ``high``, both included;
- ``empirical``: one of ``values`` (whole numbers >= 0), chosen uniformly or
  by ``weights``: non-negative relative weights, one per value, divided by
  their sum (so they need not sum to 1).

Every law has ``mean``, ``variance``, ``scv`` (exact), ``sample(rng, size)``
(an int64 array) and ``describe()``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from pushsim.quantities import Count, Model, parse_count, tagged_union

from ._common import IntArray, PositiveNumber, scv

__all__ = [
    "COUNT_LAWS",
    "CountLaw",
    "EmpiricalCount",
    "FanoutField",
    "FixedCount",
    "GeometricCount",
    "PoissonCount",
    "UniformCount",
]


def _at_least_one(value: object) -> int:
    """A whole number >= 1, written as a count (``3``, ``'2k'``)."""
    try:
        count = parse_count(value)
    except TypeError as error:
        raise ValueError(str(error)) from None
    if count < 1:
        raise ValueError(
            f"must be >= 1 (a fixed fan-out delivers every message), got {count}"
        )
    return count


class FixedCount(Model):
    """Every message becomes exactly ``value`` deliveries."""

    law: Literal["fixed"] = "fixed"
    value: Annotated[int, BeforeValidator(_at_least_one)]

    @property
    def mean(self) -> float:
        """The count."""
        return float(self.value)

    @property
    def variance(self) -> float:
        """Variance: 0."""
        return 0.0

    @property
    def scv(self) -> float:
        """Squared coefficient of variation: 0."""
        return 0.0

    def sample(self, rng: np.random.Generator, size: int) -> IntArray:
        """``size`` copies of the count (``rng`` is not used)."""
        return np.full(size, self.value, dtype=np.int64)

    def describe(self) -> str:
        """A short readable form: ``fixed(3)``."""
        return f"fixed({self.value})"


class PoissonCount(Model):
    """Poisson counts with ``mean`` (0 included)."""

    law: Literal["poisson"] = "poisson"
    mean: PositiveNumber

    @property
    def variance(self) -> float:
        """Variance: the mean."""
        return self.mean

    @property
    def scv(self) -> float:
        """Squared coefficient of variation: 1 / mean."""
        return 1.0 / self.mean

    def sample(self, rng: np.random.Generator, size: int) -> IntArray:
        """``size`` independent counts."""
        return rng.poisson(self.mean, size).astype(np.int64, copy=False)

    def describe(self) -> str:
        """A short readable form, such as ``poisson(mean=3)``."""
        return f"poisson(mean={self.mean:g})"


class GeometricCount(Model):
    """Geometric counts on 1, 2, 3, ... with ``mean >= 1``."""

    law: Literal["geometric"] = "geometric"
    mean: float = Field(ge=1, allow_inf_nan=False)

    @property
    def variance(self) -> float:
        """Variance: mean (mean - 1)."""
        return self.mean * (self.mean - 1.0)

    @property
    def scv(self) -> float:
        """Squared coefficient of variation: 1 - 1 / mean."""
        return 1.0 - 1.0 / self.mean

    def sample(self, rng: np.random.Generator, size: int) -> IntArray:
        """``size`` independent counts: trials up to the first success."""
        return rng.geometric(1.0 / self.mean, size).astype(np.int64, copy=False)

    def describe(self) -> str:
        """A short readable form, such as ``geometric(mean=2.5)``."""
        return f"geometric(mean={self.mean:g})"


class UniformCount(Model):
    """Every whole number from ``low`` to ``high`` (both included), equally likely."""

    law: Literal["uniform"] = "uniform"
    low: Count
    high: Count

    @model_validator(mode="after")
    def _ordered(self) -> UniformCount:
        if self.high < self.low:
            raise ValueError(f"high: must be >= low ({self.low}), got {self.high}")
        return self

    @property
    def mean(self) -> float:
        """Mean: (low + high) / 2."""
        return 0.5 * (self.low + self.high)

    @property
    def variance(self) -> float:
        """Variance: ((high - low + 1)^2 - 1) / 12."""
        width = self.high - self.low + 1
        return (width * width - 1) / 12.0

    @property
    def scv(self) -> float:
        """Squared coefficient of variation."""
        return scv(self.mean, self.variance)

    def sample(self, rng: np.random.Generator, size: int) -> IntArray:
        """``size`` independent counts."""
        return rng.integers(self.low, self.high, size, dtype=np.int64, endpoint=True)

    def describe(self) -> str:
        """A short readable form, such as ``uniform(low=1, high=4)``."""
        return f"uniform(low={self.low}, high={self.high})"


class EmpiricalCount(Model):
    """One of ``values``, uniformly or in proportion to ``weights``."""

    law: Literal["empirical"] = "empirical"
    values: tuple[Count, ...] = Field(min_length=1)
    weights: tuple[float, ...] | None = None

    @model_validator(mode="after")
    def _weights_fit(self) -> EmpiricalCount:
        if self.weights is None:
            return self
        if len(self.weights) != len(self.values):
            raise ValueError(
                f"weights: must have one weight per value ({len(self.values)}), "
                f"got {len(self.weights)}"
            )
        bad = [w for w in self.weights if not (math.isfinite(w) and w >= 0)]
        if bad:
            raise ValueError(f"weights: must be finite and >= 0, got {bad[0]:g}")
        if sum(self.weights) <= 0:
            raise ValueError("weights: must not all be 0")
        return self

    @property
    def probabilities(self) -> np.ndarray:
        """The probability of each value: the weights divided by their sum."""
        if self.weights is None:
            return np.full(len(self.values), 1.0 / len(self.values))
        weights = np.array(self.weights, dtype=np.float64)
        return weights / weights.sum()

    @property
    def mean(self) -> float:
        """Mean count."""
        return float(self.probabilities @ np.array(self.values, dtype=np.float64))

    @property
    def variance(self) -> float:
        """Variance of the count."""
        values = np.array(self.values, dtype=np.float64)
        return float(self.probabilities @ (values - self.mean) ** 2)

    @property
    def scv(self) -> float:
        """Squared coefficient of variation."""
        return scv(self.mean, self.variance)

    def sample(self, rng: np.random.Generator, size: int) -> IntArray:
        """``size`` independent counts."""
        values = np.array(self.values, dtype=np.int64)
        return rng.choice(values, size, p=self.probabilities)

    def describe(self) -> str:
        """A short readable form, such as ``empirical(values=[1, 2, 5])``."""
        if len(self.values) > 6:
            return f"empirical({len(self.values)} values, mean={self.mean:.4g})"
        weights = f", weights={list(self.weights)}" if self.weights is not None else ""
        return f"empirical(values={list(self.values)}{weights})"


#: Every count law, in the order their names are listed in faults.
COUNT_LAWS = (FixedCount, PoissonCount, GeometricCount, UniformCount, EmpiricalCount)

if TYPE_CHECKING:
    CountLaw: TypeAlias = (
        FixedCount | PoissonCount | GeometricCount | UniformCount | EmpiricalCount
    )
else:
    CountLaw = tagged_union(COUNT_LAWS, "law")


def _bare_count_is_fixed(value: Any) -> Any:
    """A bare whole number (or a string such as ``'3'``) stands for a fixed count.

    It is checked here, so that a fault is reported at the field itself.
    """
    if isinstance(value, str | int | float):
        return {"law": "fixed", "value": _at_least_one(value)}
    return value


#: A fan-out in a scenario field: a bare whole number >= 1, or a count-law mapping.
FanoutField = Annotated[CountLaw, BeforeValidator(_bare_count_is_fixed)]
