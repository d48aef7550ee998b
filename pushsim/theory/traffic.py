"""Offered load: how busy each consumer group would be, and where it saturates.

The traffic equations of an open network (Jackson 1957): the arrival rate at
queue ``q`` is what the producers send there plus what the other queues pass
on, ``lambda = gamma + P^T lambda``, solved once as a linear system, so
feedback loops are counted. A queue's offered load is
``rho_q = lambda_q E[S_q] / c_q``: the fraction of its consumers' time the
work would take if nothing were lost.

Balancers that route by the state of the queues (join-the-shortest-queue,
power-of-d, least-work-left) are taken to split their traffic in proportion
to each target's capacity ``c_q / E[S_q]``, the split that keeps every
target equally busy and that these policies approach under heavy load; a
consistent-hash balancer is taken to split evenly over its targets, as a
uniform hash of many keys does. Random, weighted and round-robin balancers
split by their fixed shares.

The rate factor at which the busiest queue (the bottleneck) saturates is
``1 / max rho``: it is what a load sweep calls load 1.0.

Limits: the offered load counts every message sent, before drops, expiry
and time-to-live, so a bounded or impatient queue carries less than this.
A time-varying producer (a rate profile, a trace) counts at its long-run
mean rate; its peak can saturate a queue whose mean load is below 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pushsim.errors import PushsimError
from pushsim.scenario import Scenario
from pushsim.theory._topology import Source, queues_under, read_topology

__all__ = ["OfferedLoad", "offered_load"]


@dataclass(frozen=True)
class OfferedLoad:
    """Per-queue arrival rates and offered loads of a scenario.

    ``arrival_rate[q]`` messages a second reach queue ``q``; ``load[q]`` is
    its offered utilisation; ``bottleneck`` is the busiest queue and
    ``saturation_factor`` the factor on every producer's rate that brings it
    to load 1.
    """

    arrival_rate: dict[str, float]
    load: dict[str, float]
    bottleneck: str
    saturation_factor: float

    @property
    def peak(self) -> float:
        """The offered load of the bottleneck."""
        return self.load[self.bottleneck]


def _capacity(scenario: Scenario, queue: str) -> float:
    consumers = scenario.queues[queue].consumers
    # A schedule counts by its mean over the run (or a long run, without a duration).
    on_duty = consumers.mean_count_until(scenario.experiment.duration)
    return on_duty / float(consumers.service.mean)


def _shares(scenario: Scenario, balancer: str) -> dict[str, float]:
    """How a state-routing balancer is taken to split, by target queue."""
    targets = queues_under(scenario, balancer)
    if scenario.balancers[balancer].policy == "consistent_hash":
        weights = [1.0] * len(targets)
    else:
        weights = [_capacity(scenario, q) for q in targets]
    total = math.fsum(weights)
    shares: dict[str, float] = {}
    for target, weight in zip(targets, weights, strict=True):
        shares[target] = shares.get(target, 0.0) + weight / total
    return shares


def offered_load(scenario: Scenario) -> OfferedLoad:
    """Solve the traffic equations of ``scenario`` (see the module docstring)."""
    sources = {
        name: Source(
            rate=float(p.arrivals.rate) * float(p.fanout.mean), scv=1.0, poisson=True
        )
        for name, p in scenario.producers.items()
    }
    for name, source in sources.items():
        if not math.isfinite(source.rate):
            raise PushsimError(
                f"producers.{name}: its long-run rate is {source.rate}, so no offered "
                "load can be computed"
            )
    topology = read_topology(scenario, sources)
    names = list(scenario.queues)
    index = {name: i for i, name in enumerate(names)}
    shares = {b: _shares(scenario, b) for b in scenario.balancers}

    def spread(
        node: str, rate: float, into: np.ndarray, row: int | None = None
    ) -> None:
        targets = {node: 1.0} if node in index else shares[node]
        for queue, share in targets.items():
            if row is None:
                into[index[queue]] += rate * share
            else:
                into[row, index[queue]] += rate * share

    external = np.zeros(len(names))
    for node, streams in topology.streams.items():
        spread(node, math.fsum(s.rate for s in streams), external)
    routing = np.zeros((len(names), len(names)))
    for queue in names:
        row = index[queue]
        for target, p in topology.routes.get(queue, {}).items():
            routing[row, index[target]] += p
        for balancer, p in topology.policy_routes.get(queue, {}).items():
            spread(balancer, p, routing, row)

    arrival = np.linalg.solve(np.eye(len(names)) - routing.T, external)
    rates = {name: max(float(arrival[index[name]]), 0.0) for name in names}
    loads = {
        name: rates[name] / _capacity(scenario, name) if rates[name] > 0 else 0.0
        for name in names
    }
    bottleneck = max(names, key=lambda n: loads[n])
    peak = loads[bottleneck]
    if peak <= 0.0:
        raise PushsimError("no producer's messages reach a queue, so nothing saturates")
    return OfferedLoad(rates, loads, bottleneck, 1.0 / peak)
