"""Distributions of a waiting time or a sojourn time, as the formulas give them.

Each model result carries one distribution for the wait and one for the
sojourn. Where the model has a closed form, the cdf is that closed form and a
quantile is its inverse: explicit where the inverse is explicit (an atom at
zero plus an exponential), otherwise found by Brent's method on the survival
function, so that ``quantile(cdf(t))`` returns ``t`` to within rounding.

The shapes here:

- :class:`AtomExponential`: an atom at zero, then an exponential tail
  (the M/M/1 and M/M/c wait, the M/M/1 sojourn).
- :class:`WaitPlusService`: that wait plus an independent exponential
  service (the M/M/c sojourn under FIFO).
- :class:`ErlangMixture`: a finite mixture of Erlang laws of one rate, plus an
  optional independent exponential (the M/M/c/K wait and sojourn, the
  mean-field power-of-d wait and sojourn).
- :class:`Mixture`: a weighted mixture of other laws (the end-to-end time
  when each message visits one of several stations).
- :class:`Divergent`: the law of an unstable queue: every quantile is
  infinite.
- :class:`Unavailable`: the model gives no distribution; asking for one
  raises :class:`pushsim.errors.PushsimError` with the reason.

Cost: a cdf is O(1) for the first two and O(n + sqrt(rate * t)) for a mixture
of n Erlang terms; a numerical quantile takes some 40-60 cdf evaluations.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import optimize, signal, special

from pushsim.errors import PushsimError
from pushsim.theory._checks import (
    TheoryArgumentError,
    check_probability,
    check_time,
)

__all__ = [
    "AtomExponential",
    "Divergent",
    "ErlangMixture",
    "Mixture",
    "TimeDistribution",
    "Unavailable",
    "WaitPlusService",
]

_FloatArray = npt.NDArray[np.float64]


class TimeDistribution(ABC):
    """The law of a non-negative time in seconds: cdf, survival and quantile."""

    @abstractmethod
    def survival(self, t: float) -> float:
        """P(T > t) for a time ``t >= 0`` in seconds."""

    @property
    @abstractmethod
    def scale(self) -> float:
        """A typical size of the time in seconds, where a quantile search starts."""

    def cdf(self, t: float) -> float:
        """P(T <= t) for a time ``t >= 0`` in seconds."""
        t = check_time("t", t)
        if t == math.inf:
            return 1.0
        return min(1.0, max(0.0, 1.0 - self.survival(t)))

    def quantile(self, p: float) -> float:
        """The smallest time ``t`` in seconds with P(T <= t) >= ``p``."""
        p = check_probability("p", p)
        return _solve_quantile(self.survival, 1.0 - p, self.scale)


def _solve_quantile(
    survival_at: Callable[[float], float], tail: float, scale: float
) -> float:
    """Solve survival(t) = tail for t >= 0 by bracketing and Brent's method."""
    if survival_at(0.0) <= tail:
        return 0.0
    low, high = 0.0, max(scale, 1e-300)
    while survival_at(high) > tail:
        low, high = high, 2.0 * high
        if high > 1e300:
            return math.inf
    root = optimize.brentq(
        lambda t: survival_at(t) - tail,
        low,
        high,
        xtol=1e-300,
        rtol=4.0 * np.finfo(float).eps,
        maxiter=500,
    )
    return float(root)


@dataclass(frozen=True)
class Unavailable(TimeDistribution):
    """No distribution: the model gives means only. Every query raises."""

    reason: str

    def survival(self, t: float) -> float:
        raise PushsimError(self.reason)

    @property
    def scale(self) -> float:
        raise PushsimError(self.reason)

    def cdf(self, t: float) -> float:
        raise PushsimError(self.reason)

    def quantile(self, p: float) -> float:
        raise PushsimError(self.reason)


@dataclass(frozen=True)
class Divergent(TimeDistribution):
    """The time of an unstable queue: it grows without bound, so P(T <= t) = 0."""

    def survival(self, t: float) -> float:
        return 1.0

    @property
    def scale(self) -> float:
        return math.inf

    def cdf(self, t: float) -> float:
        check_time("t", t)
        return 1.0 if t == math.inf else 0.0

    def quantile(self, p: float) -> float:
        check_probability("p", p)
        return math.inf


@dataclass(frozen=True)
class AtomExponential(TimeDistribution):
    """Zero with probability ``atom``, else exponential with ``rate`` per second."""

    atom: float
    rate: float

    def survival(self, t: float) -> float:
        return (1.0 - self.atom) * math.exp(-self.rate * t)

    @property
    def scale(self) -> float:
        return 1.0 / self.rate

    def quantile(self, p: float) -> float:
        p = check_probability("p", p)
        if p <= self.atom:
            return 0.0
        return math.log((1.0 - self.atom) / (1.0 - p)) / self.rate


@dataclass(frozen=True)
class WaitPlusService(TimeDistribution):
    """An :class:`AtomExponential` wait plus an independent exponential service.

    The wait is zero with probability ``1 - wait_probability`` and otherwise
    exponential with ``wait_rate``; the service is exponential with
    ``service_rate``. The survival function is written so that it stays
    accurate when the two rates are equal or close (no 0/0 difference).
    """

    wait_probability: float
    wait_rate: float
    service_rate: float

    def survival(self, t: float) -> float:
        mu, r = self.service_rate, self.wait_rate
        gap = abs(r - mu)
        # (exp(-mu t) - exp(-r t)) / (r - mu), written without cancellation.
        spread = t if gap * t < 1e-300 else -math.expm1(-gap * t) / gap
        slower = min(r, mu)
        return (
            math.exp(-mu * t)
            + self.wait_probability * mu * math.exp(-slower * t) * spread
        )

    @property
    def scale(self) -> float:
        return self.wait_probability / self.wait_rate + 1.0 / self.service_rate


@dataclass(frozen=True, eq=False)
class ErlangMixture(TimeDistribution):
    """A mixture of Erlang(k, ``rate``) laws, k = 0, 1, ..., plus an exponential.

    ``weights[k]`` is the probability of k exponential phases of ``rate``
    (k = 0 is an atom at zero). With ``extra_rate`` set, an independent
    exponential of that rate is added to the time (a service after the wait);
    it must not exceed ``rate``. The survival function is a Poisson sum with
    positive terms only, so it stays accurate for thousands of phases:
    P(Erlang(k, a) + Exp(b) > t) = P(N <= k - 1) + sum_{j>=0} P(N = k + j) q^j
    with N ~ Poisson(a t) and q = 1 - b / a.
    """

    weights: _FloatArray
    rate: float
    extra_rate: float | None = None
    _phases: _FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        weights = np.array(self.weights, dtype=float)
        weights.setflags(write=False)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "_phases", np.arange(weights.size, dtype=float))
        if self.extra_rate is not None and not 0.0 < self.extra_rate <= self.rate:
            raise TheoryArgumentError(
                f"extra_rate must be in (0, rate={self.rate!r}], got {self.extra_rate!r}"
            )

    @property
    def scale(self) -> float:
        mean = float(self.weights @ self._phases) / self.rate
        if self.extra_rate is not None:
            mean += 1.0 / self.extra_rate
        return mean

    def survival(self, t: float) -> float:
        x = self.rate * t
        phases, weights = self._phases[1:], self.weights[1:]
        waiting = (
            float(weights @ special.pdtr(phases - 1.0, x)) if weights.size else 0.0
        )
        if self.extra_rate is None:
            return waiting
        return waiting + self._extra_tail(x)

    def _extra_tail(self, x: float) -> float:
        """sum_k w_k sum_{j>=0} P(N = k + j) q^j, via h_n = q h_{n-1} + w_n."""
        assert self.extra_rate is not None
        q = 1.0 - self.extra_rate / self.rate
        h = signal.lfilter([1.0], [1.0, -q], self.weights)
        spread = 10.0 * math.sqrt(x) + 40.0
        first = max(0, math.floor(x - spread))
        last = max(self.weights.size - 1, math.ceil(x + spread))
        n = np.arange(first, last + 1, dtype=float)
        pmf = np.exp(special.xlogy(n, x) - x - special.gammaln(n + 1.0))
        inside = n < self.weights.size
        tail = np.zeros_like(n)
        tail[inside] = h[n[inside].astype(int)]
        beyond = n[~inside] - (self.weights.size - 1)
        tail[~inside] = h[-1] * q**beyond
        return float(pmf @ tail)


@dataclass(frozen=True, eq=False)
class Mixture(TimeDistribution):
    """With probability ``weights[i]`` the time follows ``parts[i]``.

    The weights are normalised to sum to 1. If any part with a positive
    weight gives no distribution or diverges, so does the mixture.
    """

    parts: tuple[TimeDistribution, ...]
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        total = math.fsum(self.weights)
        if len(self.parts) != len(self.weights) or not total > 0.0:
            raise TheoryArgumentError(
                "a mixture needs one weight > 0 a part, summing to more than 0"
            )
        object.__setattr__(self, "weights", tuple(w / total for w in self.weights))

    @property
    def scale(self) -> float:
        return math.fsum(w * part.scale for part, w in self._used())

    def survival(self, t: float) -> float:
        return math.fsum(w * part.survival(t) for part, w in self._used())

    def cdf(self, t: float) -> float:
        return min(1.0, math.fsum(w * part.cdf(t) for part, w in self._used()))

    def quantile(self, p: float) -> float:
        p = check_probability("p", p)
        used = self._used()
        if any(isinstance(part, Divergent) for part, _ in used):
            return math.inf
        return _solve_quantile(self.survival, 1.0 - p, self.scale)

    def _used(self) -> list[tuple[TimeDistribution, float]]:
        used = [(part, w) for part, w in zip(self.parts, self.weights, strict=True)]
        used = [(part, w) for part, w in used if w > 0.0]
        for part, _ in used:
            if isinstance(part, Unavailable):
                raise PushsimError(part.reason)
        return used
