"""Right-skewed service laws: lognormal, Weibull and bounded Pareto.

Measured service times of push back-ends are often skewed: most requests are
quick and a few take orders of magnitude longer. These three laws model that.
Every moment of each is finite (the bounded Pareto is bounded), so mean,
variance and scv are exact closed forms.

- lognormal by mean m and coefficient of variation c: ``log X ~ N(mu, s^2)``
  with ``s^2 = log(1 + c^2)`` and ``mu = log(m) - s^2 / 2``.
- Weibull by shape k and scale l (or mean): ``E[X^n] = l^n G(1 + n/k)``.
- bounded Pareto on [L, H] with tail index a: density proportional to
  ``x^(-a-1)``; ``E[X^n] = a L^n (e^((n-a) h) - 1) / ((n - a)(1 - e^(-a h)))``
  with ``h = log(H / L)`` (``a L^n h / (1 - e^(-a h))`` at n = a); draws by
  inversion. Source: M. Harchol-Balter, "Performance Modeling and Design of
  Computer Systems" (2013), the chapter on heavy-tailed workloads.

Limits: a Weibull shape below about 0.006 is refused, as its mean exceeds the
float range; a lognormal cv above 1e15 is refused, as its median is then below
1e-15 of its mean and float64 draws are all but 0; a moment beyond the float
range is reported as ``inf``.
"""

from __future__ import annotations

import math
import sys
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from pushsim.quantities import Model, PositiveDuration, format_duration

from ._common import FloatArray, PositiveNumber, check_factor, square

__all__ = ["BoundedParetoLaw", "LognormalLaw", "WeibullLaw"]


#: The largest cv of a lognormal law: beyond it the median is below 1e-15 of the
#: mean, under the float64 resolution of the mean, so that draws are all but 0.
MAX_LOGNORMAL_CV = 1e15
#: The smallest median / mean that a law may have for its draws to be simulated.
MEDIAN_FLOOR = 1e-15


def _exp(x: float) -> float:
    """``exp(x)``, or inf where that overflows."""
    return math.exp(x) if x < 709.0 else math.inf


class LognormalLaw(Model):
    """Lognormal durations by ``mean`` and coefficient of variation ``cv``."""

    law: Literal["lognormal"] = "lognormal"
    mean: PositiveDuration
    cv: PositiveNumber

    @model_validator(mode="after")
    def _representable(self) -> LognormalLaw:
        if self.cv > MAX_LOGNORMAL_CV:
            raise ValueError(
                f"cv: must be at most {MAX_LOGNORMAL_CV:g} for a lognormal law, got "
                f"{self.cv:g} (beyond it the median, mean / sqrt(1 + cv^2), is below "
                "1e-15 of the mean: float64 draws are all but 0 and never add up "
                "to the mean)"
            )
        mu, sigma = self.log_parameters
        if math.exp(mu) < sys.float_info.min or not math.isfinite(mu + sigma):
            raise ValueError(
                f"cv: {self.cv:g} is out of range for a lognormal law of mean "
                f"{format_duration(self.mean)} (its median, mean / sqrt(1 + cv^2), "
                "is below the smallest normal float64)"
            )
        return self

    @property
    def log_parameters(self) -> tuple[float, float]:
        """``(mu, sigma)`` of the normal law of ``log X`` (X in seconds)."""
        c = self.cv
        # log(1 + c^2), kept finite for a very large cv
        s2 = math.log1p(c * c) if c < 1e100 else 2.0 * math.log(c)
        return math.log(self.mean) - 0.5 * s2, math.sqrt(s2)

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
        mu, sigma = self.log_parameters
        return rng.lognormal(mu, sigma, size)

    def time_scaled(self, factor: float) -> LognormalLaw:
        """The same law with every duration multiplied by ``factor``."""
        return self.model_copy(update={"mean": self.mean * check_factor(factor)})

    def describe(self) -> str:
        """A short readable form, such as ``lognormal(mean=4ms, cv=1.5)``."""
        return f"lognormal(mean={format_duration(self.mean)}, cv={self.cv:g})"


class WeibullLaw(Model):
    """Weibull durations by ``shape`` and either ``scale`` or ``mean`` (one of them).

    A shape below 1 gives a heavier tail than the exponential (which is shape 1).
    """

    law: Literal["weibull"] = "weibull"
    shape: PositiveNumber
    given_scale: PositiveDuration | None = Field(default=None, alias="scale")
    given_mean: PositiveDuration | None = Field(default=None, alias="mean")

    @model_validator(mode="after")
    def _one_size(self) -> WeibullLaw:
        if (self.given_scale is None) == (self.given_mean is None):
            got = "both" if self.given_scale is not None else "neither"
            raise ValueError(
                f"give exactly one of scale and mean for a weibull law, got {got}"
            )
        if not math.isfinite(self._moment_factor(1)):
            raise ValueError(
                f"shape: must be above about 0.006 for a finite mean, got {self.shape:g}"
            )
        if not (0.0 < self.mean < math.inf and 0.0 < self.scale < math.inf):
            raise ValueError(
                f"the weibull law of shape {self.shape:g} and {self._size()} has a mean "
                "or scale beyond the float range"
            )
        # median / mean = ln(2)^(1/k) / G(1 + 1/k), in logs
        log_ratio = math.log(math.log(2.0)) / self.shape - math.lgamma(
            1.0 + 1.0 / self.shape
        )
        if log_ratio < math.log(MEDIAN_FLOOR):
            raise ValueError(
                f"shape: {self.shape:g} is too small to simulate: the median is "
                f"{math.exp(log_ratio):.3g} of the mean, below {MEDIAN_FLOOR:g}, so "
                "float64 draws are all but 0 and never add up to the mean"
            )
        return self

    def _size(self) -> str:
        if self.given_mean is not None:
            return f"mean={format_duration(self.given_mean)}"
        assert self.given_scale is not None
        return f"scale={format_duration(self.given_scale)}"

    def _moment_factor(self, n: int) -> float:
        """``G(1 + n / shape)``, inf where it overflows."""
        return _exp(math.lgamma(1.0 + n / self.shape))

    @property
    def scale(self) -> float:
        """Scale in seconds."""
        if self.given_scale is not None:
            return self.given_scale
        assert self.given_mean is not None
        return self.given_mean / self._moment_factor(1)

    @property
    def mean(self) -> float:
        """Mean duration in seconds."""
        if self.given_mean is not None:
            return self.given_mean
        return self.scale * self._moment_factor(1)

    @property
    def variance(self) -> float:
        """Variance in seconds squared: scale^2 (G(1 + 2/k) - G(1 + 1/k)^2)."""
        g1, g2 = self._moment_factor(1), self._moment_factor(2)
        if not math.isfinite(g2):
            return math.inf
        spread = g2 - g1 * g1
        return square(self.scale) * spread if spread > 0 else 0.0

    @property
    def scv(self) -> float:
        """Squared coefficient of variation: G(1 + 2/k) / G(1 + 1/k)^2 - 1."""
        g1, g2 = self._moment_factor(1), self._moment_factor(2)
        return max(g2 / (g1 * g1) - 1.0, 0.0) if math.isfinite(g2) else math.inf

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` independent durations in seconds."""
        return self.scale * rng.weibull(self.shape, size)

    def time_scaled(self, factor: float) -> WeibullLaw:
        """The same law with every duration multiplied by ``factor``."""
        factor = check_factor(factor)
        if self.given_mean is not None:
            return self.model_copy(update={"given_mean": self.given_mean * factor})
        return self.model_copy(update={"given_scale": self.scale * factor})

    def describe(self) -> str:
        """A short readable form, such as ``weibull(shape=0.7, mean=4ms)``."""
        return f"weibull(shape={self.shape:g}, {self._size()})"


class BoundedParetoLaw(Model):
    """Pareto durations with tail index ``alpha``, cut to ``low <= x <= high``."""

    law: Literal["bounded_pareto"] = "bounded_pareto"
    low: PositiveDuration
    high: PositiveDuration
    alpha: PositiveNumber

    @model_validator(mode="after")
    def _ordered(self) -> BoundedParetoLaw:
        if not self.high > self.low:
            raise ValueError(
                f"high: must be > low ({format_duration(self.low)}), "
                f"got {format_duration(self.high)}"
            )
        return self

    @property
    def _log_span(self) -> float:
        """``log(high / low)``, without overflowing the ratio."""
        return math.log(self.high) - math.log(self.low)

    def _log_moment(self, n: int) -> float:
        """``log E[X^n]``, X in seconds."""
        a, h = self.alpha, self._log_span
        t = n - a
        # log of (e^(t h) - 1) / t, which tends to log(h) as t -> 0
        if abs(t * h) < 1e-12:
            log_ratio = math.log(h)
        elif t > 0:
            log_ratio = t * h + math.log(-math.expm1(-t * h)) - math.log(t)
        else:
            log_ratio = math.log(-math.expm1(t * h)) - math.log(-t)
        log_norm = math.log(-math.expm1(-a * h))
        return math.log(a) + n * math.log(self.low) + log_ratio - log_norm

    def raw_moment(self, n: int) -> float:
        """``E[X^n]`` in seconds to the n (inf beyond the float range)."""
        return _exp(self._log_moment(n))

    @property
    def mean(self) -> float:
        """Mean duration in seconds."""
        return self.raw_moment(1)

    @property
    def variance(self) -> float:
        """Variance in seconds squared: E[X^2] - E[X]^2 (never below 0)."""
        second = self.raw_moment(2)
        return max(second - square(self.mean), 0.0) if second < math.inf else math.inf

    @property
    def scv(self) -> float:
        """Squared coefficient of variation: E[X^2] / E[X]^2 - 1, from the logs."""
        excess = self._log_moment(2) - 2.0 * self._log_moment(1)
        return max(math.expm1(excess), 0.0) if excess < 709.0 else math.inf

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` independent durations in seconds, by inverting the distribution."""
        a, h = self.alpha, self._log_span
        mass = -math.expm1(-a * h)  # 1 - (low / high)^alpha
        # the inverse in logs: log x = log low - log(1 - mass u) / alpha, <= log high
        logs = np.minimum(-np.log1p(-mass * rng.random(size)) / a, h)
        draws = np.exp(math.log(self.low) + logs)
        return np.clip(draws, self.low, self.high, out=draws)

    def time_scaled(self, factor: float) -> BoundedParetoLaw:
        """The same law with every duration multiplied by ``factor``."""
        factor = check_factor(factor)
        return self.model_copy(
            update={"low": self.low * factor, "high": self.high * factor}
        )

    def describe(self) -> str:
        """A short readable form, such as ``bounded_pareto(low=1ms, high=10s, alpha=1.2)``."""
        return (
            f"bounded_pareto(low={format_duration(self.low)}, "
            f"high={format_duration(self.high)}, alpha={self.alpha:g})"
        )
