"""The supermarket model: power-of-d-choices balancing in the mean-field limit.

Model: N single-server FIFO queues, exponential service at ``service_rate``
each, Poisson arrivals at ``load * service_rate * N`` in all; each arrival
samples ``d`` queues uniformly at random and joins the shortest (ties at
random). As N -> infinity the share of queues holding at least i messages
tends to s_i = load^((d^i - 1) / (d - 1)), and the mean sojourn to

    T = (1 / service_rate) * sum_{i>=1} load^((d^i - d) / (d - 1)).

Sources: N. D. Vvedenskaya, R. L. Dobrushin & F. I. Karpelevich, "Queueing
system with selection of the shortest of two queues: an asymptotic
approach", Problems of Information Transmission 32(1), 1996; M. Mitzenmacher,
"The power of two choices in randomized load balancing", IEEE Transactions
on Parallel and Distributed Systems 12(10), 2001.

Distributions: in the limit an arrival joins a queue holding k messages with
probability s_k^d - s_{k+1}^d, then waits k exponential services (FIFO), so
the wait is a mixture of Erlang(k) laws and the sojourn one of Erlang(k + 1)
laws; both are given.

Limits: this is the N -> infinity limit, an approximation for a finite
number of queues (``exact=False``); it is close for hundreds of queues and
optimistic for a handful. d = 1 is random assignment: each queue is M/M/1,
and the figures are exactly M/M/1's. The figures are per queue.

Cost: O(log log(1 / (1 - load))) terms for d >= 2 (the series falls doubly
exponentially), O(1) for d = 1.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from pushsim.theory._checks import check_count, check_nonnegative, check_positive
from pushsim.theory.markovian import mm1
from pushsim.theory.results import QueueMetrics, unstable_metrics
from pushsim.theory.timelaws import ErlangMixture

__all__ = ["power_of_d"]

_SMALLEST_LOG = -745.0  # exp of less is 0 in double precision


def power_of_d(*, load: float, d: int, service_rate: float = 1.0) -> QueueMetrics:
    """Mean-field figures of power-of-d-choices (JSQ(d)) over exponential queues.

    ``load`` is the offered load per queue (arrival rate per queue /
    ``service_rate``), ``d`` the number of queues sampled per arrival.
    Figures are per queue, in the N -> infinity limit; ``mean_sojourn`` is
    the series above. At a load of 1 or more the result is unstable.
    """
    rho = check_nonnegative("load", load)
    choices = check_count("d", d)
    mu = check_positive("service_rate", service_rate, "per second")
    model = f"power-of-d (mean field, d={choices})"
    if rho >= 1.0:
        return unstable_metrics(
            model=model,
            exact=False,
            servers=1,
            arrival_rate=rho * mu,
            load=rho,
            service_capacity=mu,
        )
    if choices == 1:
        single = mm1(arrival_rate=rho * mu, service_rate=mu)
        return replace(single, model=model)

    join = _join_probabilities(rho, choices)
    k = np.arange(join.size, dtype=float)
    mean_wait = float(join @ k) / mu
    in_system = rho * (mean_wait * mu + 1.0)  # Little's law per queue
    return QueueMetrics(
        model=model,
        exact=False,
        stable=True,
        servers=1,
        arrival_rate=rho * mu,
        load=rho,
        utilisation=rho,
        throughput=rho * mu,
        wait_probability=float(join[1:].sum()),
        loss_probability=0.0,
        mean_wait=mean_wait,
        mean_sojourn=mean_wait + 1.0 / mu,
        mean_queue_length=in_system - rho,
        mean_in_system=in_system,
        wait_distribution=ErlangMixture(join, mu),
        sojourn_distribution=ErlangMixture(join, mu, extra_rate=mu),
    )


def _join_probabilities(rho: float, d: int) -> np.ndarray:
    """P(an arrival joins a queue of k messages) = s_k^d - s_{k+1}^d, k >= 0."""
    if rho == 0.0:
        return np.array([1.0])
    log_rho = math.log(rho)
    # log s_k^d = d (1 + d + ... + d^(k-1)) log rho, carried as exact integers.
    exponents = [0]
    while d * exponents[-1] * log_rho > _SMALLEST_LOG and len(exponents) < 200:
        exponents.append(exponents[-1] * d + 1)
    exponents.append(exponents[-1] * d + 1)
    log_s = np.array([d * e * log_rho for e in exponents])
    gaps = np.diff(log_s)
    join = np.exp(log_s[:-1]) * -np.expm1(gaps)
    join[-1] += math.exp(log_s[-1])  # the vanishing rest, so the weights sum to 1
    return join
