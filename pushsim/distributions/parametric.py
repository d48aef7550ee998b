"""Service and inter-arrival laws of the exponential family and their neighbours.

Exponential, deterministic, uniform, Erlang, gamma and two-phase
hyperexponential laws of a non-negative duration in seconds. They span the
squared coefficient of variation (scv) a queueing model cares about: 0
(deterministic), 1/k (Erlang), any value (gamma), 1 (exponential) and >= 1
(hyperexponential). Each draws a block of variates with one or two numpy calls
on the Generator it is given.

The hyperexponential law has balanced means (each phase carries half of the
mean), the usual way to fit two moments with a two-phase law: W. Whitt, "On
approximations for queues, III: mixtures of exponential distributions", AT&T
Bell Labs Tech. J. 63 (1984), and H. Tijms, "A First Course in Stochastic
Models" (2003), section 2.4.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from pushsim.quantities import (
    Duration,
    Model,
    PositiveDuration,
    PositiveRate,
    format_duration,
    format_rate,
)

from ._common import FloatArray, PositiveNumber, check_factor, square

__all__ = [
    "DeterministicLaw",
    "ErlangLaw",
    "ExponentialLaw",
    "GammaLaw",
    "HyperexponentialLaw",
    "UniformLaw",
]


class ExponentialLaw(Model):
    """Exponential durations, given by their ``mean`` or by their ``rate`` (one of them)."""

    law: Literal["exponential"] = "exponential"
    given_mean: PositiveDuration | None = Field(default=None, alias="mean")
    given_rate: PositiveRate | None = Field(default=None, alias="rate")

    @model_validator(mode="after")
    def _one_parameter(self) -> ExponentialLaw:
        if self.given_mean is not None and self.given_rate is not None:
            raise ValueError(
                "give exactly one of mean and rate for an exponential law, got both "
                f"(mean={format_duration(self.given_mean)}, "
                f"rate={format_rate(self.given_rate)})"
            )
        if self.given_mean is None and self.given_rate is None:
            raise ValueError("give exactly one of mean and rate for an exponential law")
        return self

    @property
    def mean(self) -> float:
        """Mean duration in seconds."""
        if self.given_mean is not None:
            return self.given_mean
        assert self.given_rate is not None
        return 1.0 / self.given_rate

    @property
    def variance(self) -> float:
        """Variance in seconds squared."""
        return square(self.mean)

    @property
    def scv(self) -> float:
        """Squared coefficient of variation: 1."""
        return 1.0

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` independent durations in seconds."""
        return rng.exponential(self.mean, size)

    def time_scaled(self, factor: float) -> ExponentialLaw:
        """The same law with every duration multiplied by ``factor``."""
        factor = check_factor(factor)
        if self.given_mean is not None:
            return self.model_copy(update={"given_mean": self.given_mean * factor})
        assert self.given_rate is not None
        return self.model_copy(update={"given_rate": self.given_rate / factor})

    def describe(self) -> str:
        """A short readable form, such as ``exponential(mean=5ms)``."""
        if self.given_rate is not None:
            return f"exponential(rate={format_rate(self.given_rate)})"
        return f"exponential(mean={format_duration(self.mean)})"


class DeterministicLaw(Model):
    """A constant duration ``value`` (a bare duration in a scenario means this law)."""

    law: Literal["deterministic"] = "deterministic"
    value: Duration

    @property
    def mean(self) -> float:
        """The duration in seconds."""
        return self.value

    @property
    def variance(self) -> float:
        """Variance: 0."""
        return 0.0

    @property
    def scv(self) -> float:
        """Squared coefficient of variation: 0."""
        return 0.0

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` copies of the duration (``rng`` is not used)."""
        return np.full(size, self.value, dtype=np.float64)

    def time_scaled(self, factor: float) -> DeterministicLaw:
        """The same law with the duration multiplied by ``factor``."""
        return self.model_copy(update={"value": self.value * check_factor(factor)})

    def describe(self) -> str:
        """A short readable form, such as ``deterministic(4ms)``."""
        return f"deterministic({format_duration(self.value)})"


class UniformLaw(Model):
    """Durations spread evenly between ``low`` and ``high`` (``low <= high``)."""

    law: Literal["uniform"] = "uniform"
    low: Duration
    high: Duration

    @model_validator(mode="after")
    def _ordered(self) -> UniformLaw:
        if self.high < self.low:
            raise ValueError(
                f"high: must be >= low ({format_duration(self.low)}), "
                f"got {format_duration(self.high)}"
            )
        return self

    @property
    def mean(self) -> float:
        """Mean duration in seconds."""
        return 0.5 * (self.low + self.high)

    @property
    def variance(self) -> float:
        """Variance in seconds squared: (high - low)^2 / 12."""
        return square(self.high - self.low) / 12.0

    @property
    def scv(self) -> float:
        """Squared coefficient of variation: ((high - low) / (high + low))^2 / 3."""
        total = self.high + self.low
        return square((self.high - self.low) / total) / 3.0 if total > 0 else 0.0

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` independent durations in seconds."""
        return rng.uniform(self.low, self.high, size)

    def time_scaled(self, factor: float) -> UniformLaw:
        """The same law with every duration multiplied by ``factor``."""
        factor = check_factor(factor)
        return self.model_copy(
            update={"low": self.low * factor, "high": self.high * factor}
        )

    def describe(self) -> str:
        """A short readable form, such as ``uniform(low=1ms, high=3ms)``."""
        return f"uniform(low={format_duration(self.low)}, high={format_duration(self.high)})"


class ErlangLaw(Model):
    """The sum of ``k`` exponential phases with total ``mean``: scv 1/k."""

    law: Literal["erlang"] = "erlang"
    mean: PositiveDuration
    k: int = Field(ge=1)

    @property
    def variance(self) -> float:
        """Variance in seconds squared: mean^2 / k."""
        return square(self.mean) / self.k

    @property
    def scv(self) -> float:
        """Squared coefficient of variation: 1/k."""
        return 1.0 / self.k

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` independent durations in seconds."""
        return rng.gamma(self.k, self.mean / self.k, size)

    def time_scaled(self, factor: float) -> ErlangLaw:
        """The same law with every duration multiplied by ``factor``."""
        return self.model_copy(update={"mean": self.mean * check_factor(factor)})

    def describe(self) -> str:
        """A short readable form, such as ``erlang(mean=4ms, k=3)``."""
        return f"erlang(mean={format_duration(self.mean)}, k={self.k})"


class GammaLaw(Model):
    """Gamma durations by ``mean`` and coefficient of variation ``cv`` (shape 1/cv^2)."""

    law: Literal["gamma"] = "gamma"
    mean: PositiveDuration
    cv: PositiveNumber

    @model_validator(mode="after")
    def _representable(self) -> GammaLaw:
        shape, scale = self.shape_scale
        if not (0.0 < shape < math.inf and 0.0 < scale < math.inf):
            raise ValueError(
                f"cv: {self.cv:g} is out of range for a gamma law of mean "
                f"{format_duration(self.mean)} (its shape or scale is not a float > 0)"
            )
        return self

    @property
    def shape_scale(self) -> tuple[float, float]:
        """``(shape, scale)``: ``1 / cv^2`` and ``mean * cv^2`` (seconds)."""
        c2 = square(self.cv)
        return (1.0 / c2 if c2 > 0 else math.inf), self.mean * c2

    @property
    def variance(self) -> float:
        """Variance in seconds squared: (mean * cv)^2."""
        return square(self.mean * self.cv)

    @property
    def scv(self) -> float:
        """Squared coefficient of variation: cv^2."""
        return square(self.cv)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` independent durations in seconds."""
        shape, scale = self.shape_scale
        return rng.gamma(shape, scale, size)

    def time_scaled(self, factor: float) -> GammaLaw:
        """The same law with every duration multiplied by ``factor``."""
        return self.model_copy(update={"mean": self.mean * check_factor(factor)})

    def describe(self) -> str:
        """A short readable form, such as ``gamma(mean=4ms, cv=0.5)``."""
        return f"gamma(mean={format_duration(self.mean)}, cv={self.cv:g})"


class HyperexponentialLaw(Model):
    """A mixture of two exponential phases with balanced means, by ``mean`` and ``cv >= 1``.

    Phase 1 is chosen with probability ``p`` and has mean ``mean / (2 p)``,
    phase 2 with ``1 - p`` and mean ``mean / (2 (1 - p))``, where
    ``p = (1 + sqrt((cv^2 - 1) / (cv^2 + 1))) / 2``; at ``cv = 1`` it is the
    exponential law.
    """

    law: Literal["hyperexponential"] = "hyperexponential"
    mean: PositiveDuration
    cv: PositiveNumber

    @model_validator(mode="after")
    def _bursty(self) -> HyperexponentialLaw:
        if self.cv < 1.0:
            raise ValueError(
                f"cv: must be >= 1 for a hyperexponential law, got {self.cv:g} "
                "(for cv < 1 use a gamma or erlang law)"
            )
        (_, fast_mean), (p_slow, slow_mean) = self.phases
        if not (p_slow > 0.0 and fast_mean > 0.0 and slow_mean < math.inf):
            raise ValueError(
                f"cv: {self.cv:g} is out of range for a hyperexponential law of mean "
                f"{format_duration(self.mean)} (a phase mean is not a float > 0)"
            )
        return self

    @property
    def phases(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """``((p, mean), (1 - p, mean))`` of the two phases, means in seconds."""
        c2 = square(self.cv)
        root = math.sqrt(1.0 - 2.0 / (c2 + 1.0))
        # (1 - root) / 2, written without the cancellation at large cv
        p_slow = 1.0 / ((c2 + 1.0) * (1.0 + root))
        p_fast = 1.0 - p_slow
        slow_mean = self.mean / (2.0 * p_slow) if p_slow > 0 else math.inf
        return (p_fast, self.mean / (2.0 * p_fast)), (p_slow, slow_mean)

    @property
    def variance(self) -> float:
        """Variance in seconds squared: (mean * cv)^2."""
        return square(self.mean * self.cv)

    @property
    def scv(self) -> float:
        """Squared coefficient of variation: cv^2."""
        return square(self.cv)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` independent durations in seconds: a phase, then its exponential."""
        (p_fast, fast_mean), (_, slow_mean) = self.phases
        means = np.where(rng.random(size) < p_fast, fast_mean, slow_mean)
        return rng.standard_exponential(size) * means

    def time_scaled(self, factor: float) -> HyperexponentialLaw:
        """The same law with every duration multiplied by ``factor``."""
        return self.model_copy(update={"mean": self.mean * check_factor(factor)})

    def describe(self) -> str:
        """A short readable form, such as ``hyperexponential(mean=4ms, cv=2)``."""
        return f"hyperexponential(mean={format_duration(self.mean)}, cv={self.cv:g})"
