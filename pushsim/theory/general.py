"""Stations with general service (and arrival) laws: M/G/1, M/D/1, G/G/1, G/G/c.

Model: one FIFO queue without bound in front of one or ``servers`` servers;
service times i.i.d. with mean ``service_mean`` seconds and squared
coefficient of variation ``service_scv`` (variance / mean^2: 0 for a fixed
time, 1 for an exponential); for G/G arrivals, interarrival times i.i.d. with
squared coefficient of variation ``arrival_scv``.

- M/G/1 and M/D/1 are exact for the mean: the Pollaczek-Khinchine formula
  Wq = rho (1 + cs^2) / (2 (1 - rho)) E[S] (Gross, Shortle, Thompson & Harris,
  *Fundamentals of Queueing Theory*, 4th ed., section 5.1). M/D/1 waits half
  as long on average as M/M/1 at the same load.
- G/G/1 uses Kingman's approximation Wq ~ rho / (1 - rho) (ca^2 + cs^2) / 2
  E[S] (J. F. C. Kingman, "The single server queue in heavy traffic", Proc.
  Cambridge Philos. Soc. 57, 1961). It is exact for M/G/1 (ca^2 = 1) and its
  relative error vanishes as rho -> 1 (heavy traffic); in light traffic with
  non-Poisson arrivals it can be far off.
- G/G/c uses the Allen-Cunneen approximation Wq ~ C(c, a) / (c mu - lambda)
  (ca^2 + cs^2) / 2, built on Erlang C (A. O. Allen, *Probability,
  Statistics, and Queueing Theory*, 2nd ed., 1990). It is exact for M/M/c
  and equals Kingman's formula at c = 1. It has no error bound: for
  moderate variability (scvs up to about 2) it is usually within some 10 to
  20 % of the truth, worse for very variable service and in light traffic,
  and it may err either way. Check it against a simulation before relying
  on it.

Limits: these give means, and the probability of waiting (exact only with
Poisson arrivals); no waiting-time distribution, so the quantile methods
raise :class:`pushsim.errors.PushsimError`; simulate the node for percentiles.

Cost: O(1), or O(servers) for the Erlang C inside G/G/c.
"""

from __future__ import annotations

from pushsim.theory._checks import check_count, check_nonnegative, check_positive
from pushsim.theory.markovian import _erlang_c
from pushsim.theory.results import QueueMetrics, unstable_metrics
from pushsim.theory.timelaws import Unavailable

__all__ = ["gg1", "ggc", "md1", "mg1"]

_NO_LAW = (
    "{model} gives mean values only, not the distribution of the wait or "
    "the sojourn; for percentiles simulate the scenario (pushsim run), or use "
    "mm1/mmc where service is exponential"
)


def mg1(
    *, arrival_rate: float, service_mean: float, service_scv: float
) -> QueueMetrics:
    """M/G/1 by Pollaczek-Khinchine: Poisson arrivals, one general server.

    ``service_mean`` in seconds, ``service_scv`` the squared coefficient of
    variation of the service time. Exact mean values.
    """
    lam = check_nonnegative("arrival_rate", arrival_rate, "per second")
    mean = check_positive("service_mean", service_mean, "seconds")
    scv = check_nonnegative("service_scv", service_scv)
    return _single_server(
        model="M/G/1 (Pollaczek-Khinchine)",
        exact=True,
        lam=lam,
        service_mean=mean,
        variability=(1.0 + scv) / 2.0,
    )


def md1(*, arrival_rate: float, service_rate: float) -> QueueMetrics:
    """M/D/1: Poisson arrivals, one server with a fixed service time 1 / rate.

    Pollaczek-Khinchine with a service scv of 0: the mean wait is half that
    of M/M/1 at the same rates. Exact mean values.
    """
    lam = check_nonnegative("arrival_rate", arrival_rate, "per second")
    mu = check_positive("service_rate", service_rate, "per second")
    return _single_server(
        model="M/D/1", exact=True, lam=lam, service_mean=1.0 / mu, variability=0.5
    )


def gg1(
    *,
    arrival_rate: float,
    service_mean: float,
    arrival_scv: float,
    service_scv: float,
) -> QueueMetrics:
    """G/G/1 by Kingman's approximation (an approximation: ``exact=False``).

    Exact when arrivals are Poisson (``arrival_scv=1``); exact in the limit of
    heavy traffic (rho -> 1) for any laws. The probability of waiting given
    is rho, exact only for Poisson arrivals.
    """
    lam = check_nonnegative("arrival_rate", arrival_rate, "per second")
    mean = check_positive("service_mean", service_mean, "seconds")
    ca2 = check_nonnegative("arrival_scv", arrival_scv)
    cs2 = check_nonnegative("service_scv", service_scv)
    return _single_server(
        model="G/G/1 (Kingman)",
        exact=False,
        lam=lam,
        service_mean=mean,
        variability=(ca2 + cs2) / 2.0,
    )


def ggc(
    *,
    arrival_rate: float,
    service_mean: float,
    servers: int,
    arrival_scv: float,
    service_scv: float,
) -> QueueMetrics:
    """G/G/c by the Allen-Cunneen approximation (``exact=False``).

    The M/M/c mean wait scaled by (ca^2 + cs^2) / 2. The probability of
    waiting given is Erlang C, itself an approximation outside M/M/c.
    """
    lam = check_nonnegative("arrival_rate", arrival_rate, "per second")
    mean = check_positive("service_mean", service_mean, "seconds")
    c = check_count("servers", servers)
    ca2 = check_nonnegative("arrival_scv", arrival_scv)
    cs2 = check_nonnegative("service_scv", service_scv)
    model = "G/G/c (Allen-Cunneen)"
    offered = lam * mean
    rho = offered / c
    if rho >= 1.0:
        return unstable_metrics(
            model=model,
            exact=False,
            servers=c,
            arrival_rate=lam,
            load=rho,
            service_capacity=c / mean,
        )
    wait_probability = _erlang_c(offered, c)
    mean_wait = wait_probability / (c / mean - lam) * (ca2 + cs2) / 2.0
    return _stable_result(
        model=model,
        exact=False,
        servers=c,
        lam=lam,
        rho=rho,
        service_mean=mean,
        wait_probability=wait_probability,
        mean_wait=mean_wait,
    )


def _single_server(
    *, model: str, exact: bool, lam: float, service_mean: float, variability: float
) -> QueueMetrics:
    """One server: Wq = rho / (1 - rho) * variability * E[S]."""
    rho = lam * service_mean
    if rho >= 1.0:
        return unstable_metrics(
            model=model,
            exact=exact,
            servers=1,
            arrival_rate=lam,
            load=rho,
            service_capacity=1.0 / service_mean,
        )
    mean_wait = rho / (1.0 - rho) * variability * service_mean
    return _stable_result(
        model=model,
        exact=exact,
        servers=1,
        lam=lam,
        rho=rho,
        service_mean=service_mean,
        wait_probability=rho,
        mean_wait=mean_wait,
    )


def _stable_result(
    *,
    model: str,
    exact: bool,
    servers: int,
    lam: float,
    rho: float,
    service_mean: float,
    wait_probability: float,
    mean_wait: float,
) -> QueueMetrics:
    no_law = Unavailable(_NO_LAW.format(model=model))
    mean_queue = lam * mean_wait
    return QueueMetrics(
        model=model,
        exact=exact,
        stable=True,
        servers=servers,
        arrival_rate=lam,
        load=rho,
        utilisation=rho,
        throughput=lam,
        wait_probability=wait_probability,
        loss_probability=0.0,
        mean_wait=mean_wait,
        mean_sojourn=mean_wait + service_mean,
        mean_queue_length=mean_queue,
        mean_in_system=mean_queue + lam * service_mean,
        wait_distribution=no_law,
        sojourn_distribution=no_law,
    )
