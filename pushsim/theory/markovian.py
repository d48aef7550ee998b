"""Markovian stations: M/M/1, M/M/c (Erlang C), M/M/c/K and Erlang B.

Model: Poisson arrivals at ``arrival_rate``, exponential service at
``service_rate`` per server, ``servers`` identical servers, FIFO, one
unbounded queue (M/M/1, M/M/c) or room for ``capacity`` messages in all
(M/M/c/K, Kendall's K: the ones in service count). These are birth-death
chains, so every figure here is exact for those assumptions, distributions
included.

Sources: A. K. Erlang (1917) for the loss (B) and delay (C) formulas; the
textbook birth-death solution as in Gross, Shortle, Thompson & Harris,
*Fundamentals of Queueing Theory* (4th ed., 2008), sections 2.2-2.5. Erlang B
uses the recursion B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1)), which has no
factorials or powers and loses no accuracy (each step shrinks the relative
error), so it is right at 10,000 servers and more; Erlang C follows from it
as C = B / (1 - rho (1 - B)).

The M/M/c wait is zero with probability 1 - C and otherwise exponential with
rate c mu - lambda; the sojourn adds an independent exponential service. In
M/M/c/K an admitted arrival that finds n >= c messages waits for n - c + 1
service completions at rate c mu, an Erlang law, so the wait is a finite
mixture of Erlangs weighted by the state an admitted arrival sees.

Cost: O(servers) for Erlang B and C, O(capacity) for M/M/c/K.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from pushsim.theory._checks import check_count, check_nonnegative, check_positive
from pushsim.theory.results import FiniteQueueMetrics, QueueMetrics, unstable_metrics
from pushsim.theory.timelaws import AtomExponential, ErlangMixture, WaitPlusService

__all__ = ["erlang_b", "erlang_c", "mm1", "mmc", "mmck"]

_RATE = "per second"


def erlang_b(offered_load: float, servers: int) -> float:
    """Erlang B: the share of arrivals lost in M/M/c/c (no waiting room).

    ``offered_load`` is arrival rate / service rate in erlangs; ``servers``
    is the number of servers. Exact; O(servers).
    """
    load = check_nonnegative("offered_load", offered_load, "erlangs")
    count = check_count("servers", servers)
    return _erlang_b(load, count)


def erlang_c(offered_load: float, servers: int) -> float:
    """Erlang C: the probability that an arrival waits in M/M/c.

    ``offered_load`` is arrival rate / service rate in erlangs. At an
    offered load of ``servers`` or more the queue grows without bound and
    every arrival eventually waits, so the result is 1.0. Exact; O(servers).
    """
    load = check_nonnegative("offered_load", offered_load, "erlangs")
    count = check_count("servers", servers)
    return _erlang_c(load, count)


def mm1(*, arrival_rate: float, service_rate: float) -> QueueMetrics:
    """M/M/1: one exponential server, Poisson arrivals, unbounded FIFO queue.

    The wait is 0 with probability 1 - rho and otherwise exponential with
    rate mu - lambda; the sojourn is exponential with rate mu - lambda.
    """
    lam = check_nonnegative("arrival_rate", arrival_rate, _RATE)
    mu = check_positive("service_rate", service_rate, _RATE)
    rho = lam / mu
    if rho >= 1.0:
        return unstable_metrics(
            model="M/M/1",
            exact=True,
            servers=1,
            arrival_rate=lam,
            load=rho,
            service_capacity=mu,
        )
    spare = mu - lam
    return QueueMetrics(
        model="M/M/1",
        exact=True,
        stable=True,
        servers=1,
        arrival_rate=lam,
        load=rho,
        utilisation=rho,
        throughput=lam,
        wait_probability=rho,
        loss_probability=0.0,
        mean_wait=rho / spare,
        mean_sojourn=1.0 / spare,
        mean_queue_length=rho * rho / (1.0 - rho),
        mean_in_system=rho / (1.0 - rho),
        wait_distribution=AtomExponential(atom=1.0 - rho, rate=spare),
        sojourn_distribution=AtomExponential(atom=0.0, rate=spare),
    )


def mmc(*, arrival_rate: float, service_rate: float, servers: int) -> QueueMetrics:
    """M/M/c: ``servers`` exponential servers sharing one unbounded FIFO queue.

    The probability of waiting is Erlang C; the mean wait is C / (c mu -
    lambda). Wait and sojourn distributions are exact (see the module notes).
    """
    lam = check_nonnegative("arrival_rate", arrival_rate, _RATE)
    mu = check_positive("service_rate", service_rate, _RATE)
    c = check_count("servers", servers)
    model = "M/M/c (Erlang C)"
    offered = lam / mu
    rho = offered / c
    if rho >= 1.0:
        return unstable_metrics(
            model=model,
            exact=True,
            servers=c,
            arrival_rate=lam,
            load=rho,
            service_capacity=c * mu,
        )
    wait_probability = _erlang_c(offered, c)
    spare = c * mu - lam
    mean_wait = wait_probability / spare
    mean_queue = lam * mean_wait
    return QueueMetrics(
        model=model,
        exact=True,
        stable=True,
        servers=c,
        arrival_rate=lam,
        load=rho,
        utilisation=rho,
        throughput=lam,
        wait_probability=wait_probability,
        loss_probability=0.0,
        mean_wait=mean_wait,
        mean_sojourn=mean_wait + 1.0 / mu,
        mean_queue_length=mean_queue,
        mean_in_system=mean_queue + offered,
        wait_distribution=AtomExponential(atom=1.0 - wait_probability, rate=spare),
        sojourn_distribution=WaitPlusService(
            wait_probability=wait_probability, wait_rate=spare, service_rate=mu
        ),
    )


def mmck(
    *, arrival_rate: float, service_rate: float, servers: int, capacity: int
) -> FiniteQueueMetrics:
    """M/M/c/K: ``servers`` servers and room for ``capacity`` messages in all.

    ``capacity`` is Kendall's K, counting the messages in service, so
    ``capacity >= servers``; a broker's queue limit counts only waiting
    messages and is ``capacity - servers``. An arrival that finds the system
    full is lost (``loss_probability``). Always stable, at any load. The wait
    and sojourn figures and distributions are those of admitted messages.
    """
    lam = check_nonnegative("arrival_rate", arrival_rate, _RATE)
    mu = check_positive("service_rate", service_rate, _RATE)
    c = check_count("servers", servers)
    k = check_count("capacity", capacity, minimum=c, minimum_name="servers")
    probabilities = _mmck_state_probabilities(lam / mu, c, k)

    states = np.arange(k + 1)
    full = float(probabilities[-1])
    admitted = probabilities[:-1] / (1.0 - full)
    phases = np.concatenate(([admitted[:c].sum()], admitted[c:]))
    throughput = lam * (1.0 - full)
    mean_wait = float(phases @ np.arange(phases.size)) / (c * mu)
    waiting = np.maximum(states - c, 0)

    return FiniteQueueMetrics(
        model="M/M/c/K",
        exact=True,
        stable=True,
        servers=c,
        arrival_rate=lam,
        load=lam / (c * mu),
        utilisation=throughput / (c * mu),
        throughput=throughput,
        wait_probability=float(admitted[c:].sum()),
        loss_probability=full,
        mean_wait=mean_wait,
        mean_sojourn=mean_wait + 1.0 / mu,
        mean_queue_length=float(probabilities @ waiting),
        mean_in_system=float(probabilities @ states),
        capacity=k,
        state_probabilities=tuple(float(p) for p in probabilities),
        wait_distribution=ErlangMixture(phases, c * mu),
        sojourn_distribution=ErlangMixture(phases, c * mu, extra_rate=mu),
    )


def _mmck_state_probabilities(offered: float, c: int, k: int) -> np.ndarray:
    """pi_n for n = 0..k, from log weights so that no factorial overflows."""
    if offered == 0.0:
        probabilities = np.zeros(k + 1)
        probabilities[0] = 1.0
        return probabilities
    n = np.arange(k + 1, dtype=float)
    low = np.minimum(n, c)
    log_weights = low * math.log(offered) - special.gammaln(low + 1.0)
    log_weights += (n - low) * math.log(offered / c)
    return np.exp(log_weights - special.logsumexp(log_weights))


def _erlang_b(offered: float, c: int) -> float:
    blocking = 1.0
    for k in range(1, c + 1):
        carried = offered * blocking
        blocking = carried / (k + carried)
    return blocking


def _erlang_c(offered: float, c: int) -> float:
    if offered >= c:
        return 1.0
    blocking = _erlang_b(offered, c)
    return blocking / (1.0 - (offered / c) * (1.0 - blocking))


def log_inverse_erlang_b(offered: float, c: int) -> float:
    """log(1 / B(offered, c)), finite even where B itself underflows to zero."""
    blocking = _erlang_b(offered, c)
    if blocking > 1e-250:
        return -math.log(blocking)
    # 1/B(k) = 1 + (k / A) / B(k - 1), carried in logs.
    log_inverse = 0.0
    log_offered = math.log(offered)
    for k in range(1, c + 1):
        log_inverse = float(np.logaddexp(0.0, math.log(k) - log_offered + log_inverse))
    return log_inverse
