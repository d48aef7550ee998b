"""Open networks of stations: Jackson (exact) and QNA (an approximation).

Model: stations 0..n-1, each a FIFO queue without bound in front of
``servers[i]`` servers; messages arrive from outside at ``arrival_rates[i]``
per second and, after service at station i, go to station j with probability
``routing[i][j]``, leaving the network with the rest of row i (rows may sum
to less than 1). The total arrival rates solve the traffic equations
lambda = gamma + P^T lambda, which have one solution when every message
eventually leaves (spectral radius of P below 1).

- :func:`jackson`: Poisson external arrivals and exponential service. By
  Jackson's theorem (J. R. Jackson, "Jobshop-like queueing systems",
  Management Science 10(1), 1963) the stations behave in the long run as
  independent M/M/c queues at their total arrival rates, so each station's
  figures are exact, and the end-to-end mean sojourn follows from Little's
  law on the whole network: (sum of the mean numbers in system) / (total
  external rate).
- :func:`qna`: general external arrivals and service, by the decomposition of
  W. Whitt, "The Queueing Network Analyzer", Bell System Technical Journal
  62(9), 1983. Beyond the rates, it solves linear equations for the squared
  coefficient of variation (scv) of each station's arrivals, from three
  approximations: departures from a station with c servers,
  cd^2 = 1 + (1 - rho^2)(ca^2 - 1) + rho^2 (cs^2 - 1) / sqrt(c); splitting
  with probability q, q cd^2 + 1 - q; and superposition, either the
  rate-weighted average of the scvs ("asymptotic") or Whitt's convex
  combination of that with 1 ("hybrid", the default). Each station is then a
  G/G/c by Allen-Cunneen. An approximation (``exact=False``); Whitt's QNA
  also floors cs^2 at 0.2 inside the departure formula, which is not done
  here.

When a station is overloaded (load >= 1) the network is unstable: the
result has ``stable=False`` and infinite end-to-end means; the stations
downstream of it are computed as if it passed all its traffic on, so their
figures are not meaningful.

Cost: O(n^3) for the linear solves plus one station formula a station.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from pushsim.theory._checks import (
    TheoryArgumentError,
    check_count,
    check_nonnegative,
    check_positive,
)
from pushsim.theory.general import ggc
from pushsim.theory.markovian import mmc
from pushsim.theory.results import NetworkMetrics, QueueMetrics

__all__ = ["jackson", "qna"]

_FloatArray = npt.NDArray[np.float64]
#: One number a station: a list, a tuple or a numpy array.
Vector = Sequence[float] | npt.NDArray[Any]
#: One server count for all stations, or one a station.
Counts = int | Sequence[int] | npt.NDArray[Any]
#: routing[i][j]: a list of lists or a 2-d numpy array.
Matrix = Sequence[Sequence[float]] | npt.NDArray[Any]


def jackson(
    *,
    arrival_rates: Vector,
    service_rates: Vector,
    servers: Counts,
    routing: Matrix,
    names: Sequence[str] | None = None,
) -> NetworkMetrics:
    """An open Jackson network of M/M/c stations (exact).

    ``arrival_rates[i]`` is the external (Poisson) rate into station i,
    ``service_rates[i]`` the rate of each of its ``servers[i]`` servers (one
    count for all stations, or one a station), ``routing[i][j]`` the
    probability of going from i to j after service.
    """
    gamma = _vector("arrival_rates", arrival_rates, positive=False)
    n = gamma.size
    mu = _vector("service_rates", service_rates, positive=True, size=n)
    counts = _counts(servers, n)
    p = _routing(routing, n)
    labels = _names(names, n)
    lam = _traffic_rates(gamma, p)

    stations = tuple(
        mmc(arrival_rate=float(lam[i]), service_rate=float(mu[i]), servers=counts[i])
        for i in range(n)
    )
    return _network(
        model="Jackson network (M/M/c stations)",
        exact=True,
        names=labels,
        stations=stations,
        gamma=gamma,
        lam=lam,
        scvs=np.ones(n),
    )


def qna(
    *,
    arrival_rates: Vector,
    arrival_scvs: Vector,
    service_means: Vector,
    service_scvs: Vector,
    servers: Counts,
    routing: Matrix,
    names: Sequence[str] | None = None,
    superposition: Literal["hybrid", "asymptotic"] = "hybrid",
) -> NetworkMetrics:
    """An open network with general laws, by QNA decomposition (approximate).

    ``arrival_scvs[i]`` is the scv of the external interarrival times into
    station i (1 for Poisson; ignored where the external rate is 0),
    ``service_means[i]`` (seconds) and ``service_scvs[i]`` describe its
    service times. With every scv equal to 1 the result equals
    :func:`jackson`'s.
    """
    gamma = _vector("arrival_rates", arrival_rates, positive=False)
    n = gamma.size
    ca0 = _vector("arrival_scvs", arrival_scvs, positive=False, size=n)
    means = _vector("service_means", service_means, positive=True, size=n)
    cs = _vector("service_scvs", service_scvs, positive=False, size=n)
    counts = _counts(servers, n)
    p = _routing(routing, n)
    labels = _names(names, n)
    if superposition not in ("hybrid", "asymptotic"):
        raise TheoryArgumentError(
            f"superposition must be 'hybrid' or 'asymptotic', got {superposition!r}"
        )
    lam = _traffic_rates(gamma, p)
    rho = lam * means / np.asarray(counts, dtype=float)
    ca = _arrival_scvs(
        gamma,
        ca0,
        p,
        lam,
        np.minimum(rho, 1.0),
        cs,
        counts,
        hybrid=superposition == "hybrid",
    )

    stations = tuple(
        ggc(
            arrival_rate=float(lam[i]),
            service_mean=float(means[i]),
            servers=counts[i],
            arrival_scv=float(ca[i]),
            service_scv=float(cs[i]),
        )
        for i in range(n)
    )
    return _network(
        model=f"QNA (Whitt 1983, {superposition} superposition; Allen-Cunneen)",
        exact=False,
        names=labels,
        stations=stations,
        gamma=gamma,
        lam=lam,
        scvs=ca,
    )


def _arrival_scvs(
    gamma: _FloatArray,
    ca0: _FloatArray,
    p: _FloatArray,
    lam: _FloatArray,
    rho: _FloatArray,
    cs: _FloatArray,
    counts: list[int],
    *,
    hybrid: bool,
) -> _FloatArray:
    """Solve ca_j^2 = alpha_j + sum_i beta_ij ca_i^2 over the stations in use."""
    n = lam.size
    active = lam > 0.0
    safe = np.where(active, lam, 1.0)
    share_outside = np.where(active, gamma / safe, 0.0)  # p_0j
    share = lam[:, None] * p / safe[None, :] * active[None, :]  # p_ij
    if hybrid:
        squares = share_outside**2 + (share**2).sum(axis=0)
        v = 1.0 / np.where(active, squares, 1.0)  # 1 / sum_i p_ij^2
        weight = np.where(active, 1.0 / (1.0 + 4.0 * (1.0 - rho) ** 2 * (v - 1.0)), 1.0)
    else:
        weight = np.ones(n)

    servers = np.sqrt(np.asarray(counts, dtype=float))
    departure_extra = rho**2 * (cs - 1.0) / servers  # the cs part of cd^2 - 1
    split = share * p  # p_ij q_ij
    beta = weight[None, :] * split * (1.0 - rho[:, None] ** 2)
    alpha = (1.0 - weight) + weight * (
        share_outside * ca0
        + (share - split * (1.0 - rho[:, None] ** 2)).sum(axis=0)
        + (split * departure_extra[:, None]).sum(axis=0)
    )
    scvs = np.ones(n)
    index = np.flatnonzero(active)
    if index.size:
        system = np.eye(index.size) - beta[np.ix_(index, index)].T
        scvs[index] = np.linalg.solve(system, alpha[index])
    return np.maximum(scvs, 0.0)


def _network(
    *,
    model: str,
    exact: bool,
    names: tuple[str, ...],
    stations: tuple[QueueMetrics, ...],
    gamma: _FloatArray,
    lam: _FloatArray,
    scvs: _FloatArray,
) -> NetworkMetrics:
    """End-to-end figures by Little's law over the whole network."""
    total = float(gamma.sum())
    stable = all(station.stable for station in stations)
    in_system = sum(s.mean_in_system for s in stations) if stable else math.inf
    waiting = sum(s.mean_queue_length for s in stations) if stable else math.inf
    return NetworkMetrics(
        model=model,
        exact=exact,
        stable=stable,
        names=names,
        stations=stations,
        external_arrival_rate=total,
        arrival_rates=tuple(float(x) for x in lam),
        visit_ratios=tuple(float(x) / total for x in lam),
        arrival_scvs=tuple(float(x) for x in scvs),
        mean_wait=waiting / total,
        mean_sojourn=in_system / total,
        mean_in_system=in_system,
    )


def _traffic_rates(gamma: _FloatArray, p: _FloatArray) -> _FloatArray:
    """lambda = gamma + P^T lambda."""
    lam = np.linalg.solve(np.eye(gamma.size) - p.T, gamma)
    return np.maximum(lam, 0.0)


def _vector(
    name: str, values: Vector, *, positive: bool, size: int | None = None
) -> _FloatArray:
    items = list(values)
    if size is not None and len(items) != size:
        raise TheoryArgumentError(
            f"{name} must have one value a station ({size}), got {len(items)}"
        )
    if not items:
        raise TheoryArgumentError(f"{name} must name at least one station, got none")
    check = check_positive if positive else check_nonnegative
    vector = np.array([check(f"{name}[{i}]", v) for i, v in enumerate(items)])
    if name == "arrival_rates" and not vector.sum() > 0.0:
        raise TheoryArgumentError(
            "arrival_rates must have at least one station with an external "
            f"rate > 0, got {items}"
        )
    return vector


def _counts(servers: Counts, n: int) -> list[int]:
    if isinstance(servers, Sequence | np.ndarray):
        if len(servers) != n:
            raise TheoryArgumentError(
                f"servers must be one count or one a station ({n}), got {len(servers)}"
            )
        return [check_count(f"servers[{i}]", c) for i, c in enumerate(servers)]
    return [check_count("servers", servers)] * n


def _routing(routing: Matrix, n: int) -> _FloatArray:
    try:
        p = np.array(routing, dtype=float)
    except (TypeError, ValueError):
        raise TheoryArgumentError(
            f"routing must be an {n} x {n} matrix of probabilities"
        ) from None
    if p.shape != (n, n):
        raise TheoryArgumentError(
            f"routing must be an {n} x {n} matrix, got shape {p.shape}"
        )
    bad = np.argwhere(~((p >= 0.0) & (p <= 1.0)))
    if bad.size:
        i, j = bad[0]
        raise TheoryArgumentError(
            f"routing[{i}][{j}] must be a probability in [0, 1], got {float(p[i, j])!r}"
        )
    rows = p.sum(axis=1)
    if (rows > 1.0 + 1e-9).any():
        i = int(np.argmax(rows))
        raise TheoryArgumentError(
            f"routing[{i}] must sum to at most 1 (the rest leaves), got {float(rows[i])!r}"
        )
    radius = float(np.abs(np.linalg.eigvals(p)).max())
    if radius >= 1.0 - 1e-12:
        raise TheoryArgumentError(
            "routing must let every message leave the network eventually; its "
            f"spectral radius is {radius:.6g}, so some messages circulate forever"
        )
    return p


def _names(names: Sequence[str] | None, n: int) -> tuple[str, ...]:
    if names is None:
        return tuple(f"station_{i}" for i in range(n))
    labels = tuple(str(name) for name in names)
    if len(labels) != n or len(set(labels)) != n:
        raise TheoryArgumentError(
            f"names must be {n} distinct station names, got {list(labels)}"
        )
    return labels
