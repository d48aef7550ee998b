"""Erlang A (M/M/c+M): servers, an unbounded queue, and impatient messages.

Model: Poisson arrivals at ``arrival_rate``, ``servers`` exponential servers
at ``service_rate`` each, one FIFO queue without bound, and a patience per
message, exponential with mean ``patience_mean`` seconds: a message still
waiting when its patience runs out leaves unserved (a time-to-live that
expires). The number in system is a birth-death chain with birth rate lambda
and death rate min(n, c) mu + max(n - c, 0) theta, theta = 1 / patience_mean;
it is stable at any load, since impatience bounds the queue.

Source: the birth-death solution and the relation P(abandon) = theta E[W]
as in O. Garnett, A. Mandelbaum & M. Reiman, "Designing a call center with
impatient customers", Manufacturing & Service Operations Management 4(3),
2002, and A. Mandelbaum & S. Zeltyn, "The Palm/Erlang-A queue, with
applications to call centers" (Technion note, 2005 onwards).

Derived here from the chain and PASTA: an arrival that finds q messages
waiting reaches a server after V_q = sum_{j=0..q} Exp(c mu + j theta) unless
its own patience runs out first. With x = exp(-theta t) and the regularised
incomplete beta function I, P(V_q > t) = I_x(c mu / theta, q + 1) (a sum of
exponentials with rates in arithmetic progression is -log of a Beta variable
over theta), so

- P(wait > t) = exp(-theta t) sum_q pi_{c+q} I_x(c mu / theta, q + 1),
- P(served, wait <= t) = P(N < c)
  + sum_q pi_{c+q} c mu / (c mu + (q+1) theta) (1 - I_x(c mu / theta + 1, q + 1)).

Stability of the computation: the weights pi_{c+q} / pi_c are carried in
logs; the series over q is cut where the remaining terms, bounded by a
geometric tail, fall below 1e-18 of the total. Cost: O(servers + Q), with Q
the queue length beyond which states are negligible (about
max(0, lambda - c mu) / theta plus a few standard deviations).

The wait of the served messages alone follows as P(served, wait <= t) /
P(served).

Limits: no closed-form sojourn distribution is given (its methods raise);
the waiting-time distributions and :meth:`served_within` are exact.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import special

from pushsim.errors import PushsimError
from pushsim.theory._checks import (
    check_count,
    check_nonnegative,
    check_positive,
    check_probability,
    check_time,
)
from pushsim.theory.markovian import log_inverse_erlang_b
from pushsim.theory.results import AbandonmentMetrics
from pushsim.theory.timelaws import TimeDistribution, Unavailable

__all__ = ["mmc_abandonment"]

_FloatArray = npt.NDArray[np.float64]
_MAX_STATES = 20_000_000
_CUT = 41.5  # log(1e18): terms below 1e-18 of the largest are dropped
_NO_SOJOURN = (
    "Erlang A here gives the waiting-time distribution (wait_cdf, "
    "wait_quantile) and the service level (served_within), not the sojourn "
    "distribution; simulate the scenario for sojourn percentiles"
)


def mmc_abandonment(
    *,
    arrival_rate: float,
    service_rate: float,
    servers: int,
    patience_mean: float,
) -> AbandonmentMetrics:
    """Erlang A: M/M/c with exponential patience of mean ``patience_mean`` s.

    ``mean_wait`` averages the time in queue over all arrivals (abandoning
    ones included), ``mean_wait_served`` over those served;
    ``abandonment_probability`` (also ``loss_probability``) is theta times
    ``mean_wait``. Exact; stable at any load.
    """
    lam = check_nonnegative("arrival_rate", arrival_rate, "per second")
    mu = check_positive("service_rate", service_rate, "per second")
    c = check_count("servers", servers)
    patience = check_positive("patience_mean", patience_mean, "seconds")
    theta = 1.0 / patience
    capacity = c * mu
    pi_queue, pi_below = _queue_probabilities(lam, mu, c, theta)

    waiting = np.arange(pi_queue.size, dtype=float)
    mean_queue = float(pi_queue @ waiting)
    mean_wait = mean_queue / lam if lam > 0.0 else 0.0
    abandonment = min(1.0, theta * mean_wait)
    served = 1.0 - abandonment

    # E[W; served | q waiting] = c mu / (c mu + (q+1) theta) * H_q.
    rates = capacity + theta * (waiting + 1.0)
    harmonic = np.cumsum(1.0 / rates)
    wait_served = float(pi_queue @ (capacity / rates * harmonic)) / served
    throughput = lam * served
    mean_in_system = mean_queue + throughput / mu
    level = _ErlangAServiceLevel(pi_queue, pi_below, theta, capacity)

    return AbandonmentMetrics(
        model="M/M/c+M (Erlang A)",
        exact=True,
        stable=True,
        servers=c,
        arrival_rate=lam,
        load=lam / capacity,
        utilisation=throughput / capacity,
        throughput=throughput,
        wait_probability=float(pi_queue.sum()),
        loss_probability=abandonment,
        mean_wait=mean_wait,
        mean_sojourn=mean_wait + served / mu,
        mean_queue_length=mean_queue,
        mean_in_system=mean_in_system,
        patience_mean=patience,
        abandonment_probability=abandonment,
        mean_wait_served=wait_served,
        mean_sojourn_served=wait_served + 1.0 / mu,
        wait_distribution=_ErlangAWait(pi_queue, theta, capacity),
        sojourn_distribution=Unavailable(_NO_SOJOURN),
        service_level=level,
        served_wait_distribution=_ServedWait(level, served),
    )


def _queue_probabilities(
    lam: float, mu: float, c: int, theta: float
) -> tuple[_FloatArray, float]:
    """pi_{c+q} for q = 0..Q, and P(N < c), normalised over all states."""
    if lam == 0.0:
        return np.zeros(1), 1.0
    log_below = log_inverse_erlang_b(lam / mu, c)  # sum_{n<=c} pi_n / pi_c
    log_terms = _log_queue_weights(lam, c * mu, theta)  # pi_{c+q} / pi_c
    log_total = float(np.logaddexp(log_below, special.logsumexp(log_terms[1:])))
    pi_queue = np.exp(log_terms - log_total)
    pi_below = math.exp(log_below - log_total + math.log1p(-math.exp(-log_below)))
    return pi_queue, pi_below


def _log_queue_weights(lam: float, capacity: float, theta: float) -> _FloatArray:
    """log prod_{j=1..q} lam / (capacity + j theta), q = 0..Q, cut when negligible."""
    chunks = [np.zeros(1)]
    last, best, start, size = 0.0, 0.0, 1, 1024
    while True:
        j = np.arange(start, start + size, dtype=float)
        chunk = last + np.cumsum(math.log(lam) - np.log(capacity + j * theta))
        chunks.append(chunk)
        last, best = float(chunk[-1]), max(best, float(chunk.max()))
        start += size
        ratio = lam / (capacity + start * theta)
        if ratio < 1.0 and last + math.log(ratio / (1.0 - ratio)) < best - _CUT:
            return _trim(np.concatenate(chunks), lam, capacity, theta)
        if start > _MAX_STATES:
            raise PushsimError(
                f"Erlang A needs more than {_MAX_STATES} queue states at "
                f"arrival_rate={lam!r} with a service capacity of {capacity!r} "
                f"per second and patience rate {theta!r}; the queue is far too "
                "long to compute this way; shorten the patience or add servers"
            )
        size *= 2


def _trim(
    log_terms: _FloatArray, lam: float, capacity: float, theta: float
) -> _FloatArray:
    """Keep the terms up to the first one whose geometric tail is negligible."""
    q = np.arange(log_terms.size, dtype=float)
    ratio = lam / (capacity + (q + 1.0) * theta)
    falling = ratio < 1.0
    bound = np.full_like(log_terms, math.inf)
    bound[falling] = (
        log_terms[falling] + np.log(ratio[falling]) - np.log1p(-ratio[falling])
    )
    negligible = bound < log_terms.max() - _CUT
    return log_terms[: int(np.argmax(negligible)) + 1]


class _ErlangAWait(TimeDistribution):
    """P(wait > t) = exp(-theta t) sum_q pi_{c+q} I_x(c mu / theta, q + 1)."""

    def __init__(self, pi_queue: _FloatArray, theta: float, capacity: float) -> None:
        self._pi = pi_queue
        self._theta = theta
        self._shape = capacity / theta
        self._size = np.arange(1, pi_queue.size + 1, dtype=float)
        self._scale = float(pi_queue.sum()) / (capacity + theta)

    @property
    def scale(self) -> float:
        return max(self._scale, 1e-12 / self._theta)

    def survival(self, t: float) -> float:
        x = math.exp(-self._theta * t)
        tails = special.betainc(self._shape, self._size, x)
        return x * float(self._pi @ tails)


class _ServedWait(TimeDistribution):
    """The wait of the messages that are served: P(served, W <= t) / P(served)."""

    def __init__(self, level: _ErlangAServiceLevel, served: float) -> None:
        self._level = level
        self._served = served

    @property
    def scale(self) -> float:
        return self._level.scale

    def survival(self, t: float) -> float:
        return max(0.0, 1.0 - (1.0 - self._level.survival(t)) / self._served)


class _ErlangAServiceLevel(TimeDistribution):
    """1 - P(served, wait <= t): a defective law, of total mass P(served)."""

    def __init__(
        self, pi_queue: _FloatArray, pi_below: float, theta: float, capacity: float
    ) -> None:
        queued = np.arange(1, pi_queue.size + 1, dtype=float)
        self._reach = pi_queue * capacity / (capacity + queued * theta)
        self._below = pi_below
        self._theta = theta
        self._shape = capacity / theta + 1.0
        self._size = queued
        self._scale = float(pi_queue.sum()) / (capacity + theta)

    @property
    def scale(self) -> float:
        return max(self._scale, 1e-12 / self._theta)

    def survival(self, t: float) -> float:
        x = math.exp(-self._theta * t)
        reached = 1.0 - special.betainc(self._shape, self._size, x)
        return max(0.0, 1.0 - self._below - float(self._reach @ reached))

    def cdf(self, t: float) -> float:
        t = check_time("t", t)
        return min(1.0, 1.0 - self.survival(t))

    def quantile(self, p: float) -> float:
        p = check_probability("p", p)
        if 1.0 - p < self.survival(math.inf):
            return math.inf
        return super().quantile(p)
