"""How a scenario's messages flow: streams from producers, routes between queues.

This reads a :class:`~pushsim.scenario.Scenario` as a flow graph for
:func:`pushsim.theory.predict`. Balancers take no time, so a message that
passes a random, weighted or round-robin balancer simply reaches one of its
targets with a fixed probability; these are folded into the routes. The
balancers that choose by the state of the queues (power-of-d,
least-work-left, join-the-shortest-queue, consistent hashing) end a path:
what happens there depends on the policy's model, decided by the caller.

Each producer's stream keeps, along its path, what the splits do to its
variability (the squared coefficient of variation of the intervals, scv):
a random split with probability q gives q c^2 + 1 - q, and a round-robin
split over n targets takes every n-th arrival, c^2 / n, exact for a renewal
stream (Whitt 1983, the splitting approximations of QNA).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from pushsim.scenario import EXIT, Scenario

__all__ = [
    "Leaf",
    "Source",
    "Stream",
    "Topology",
    "leaves",
    "queues_under",
    "reachable",
    "read_topology",
    "split_scv",
]

#: Balancer policies that split at random, by fixed shares.
STATIC = ("random", "weighted", "round_robin")


@dataclass(frozen=True)
class Leaf:
    """Where a path from some node ends, and with which probability.

    ``kind`` is ``queue`` (a queue reached through static balancers),
    ``policy`` (a balancer that routes by the state of the queues) or
    ``exit``; ``splits`` lists the static splits passed, as (policy, share).
    """

    kind: Literal["queue", "policy", "exit"]
    name: str
    probability: float
    splits: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Source:
    """A producer as the theory sees it: deliveries a second and their scv.

    ``reason`` says why no model covers the producer (None when one does).
    """

    rate: float
    scv: float
    poisson: bool
    reason: str | None = None


@dataclass(frozen=True)
class Stream:
    """The deliveries of one producer that reach one node, after the splits."""

    producer: str
    rate: float
    scv: float
    poisson: bool
    reason: str | None = None


@dataclass
class Topology:
    """The flows of a scenario, keyed by node name.

    ``streams[node]``: the producers' streams ending at a queue or a
    state-routing balancer. ``routes[queue]``: the probability that a
    message served there goes next to each queue (static balancers folded
    in). ``policy_routes[queue]``: the same towards state-routing balancers.
    ``round_robin_routes``: queues whose departures pass a round-robin split.
    """

    streams: dict[str, list[Stream]] = field(default_factory=dict)
    routes: dict[str, dict[str, float]] = field(default_factory=dict)
    policy_routes: dict[str, dict[str, float]] = field(default_factory=dict)
    round_robin_routes: set[str] = field(default_factory=set)

    def feeders(self, node: str) -> set[str]:
        """The queues whose departures may go to ``node``."""
        return {
            source
            for table in (self.routes, self.policy_routes)
            for source, targets in table.items()
            if targets.get(node, 0.0) > 0.0
        }


def leaves(
    scenario: Scenario,
    node: str,
    probability: float = 1.0,
    splits: tuple[tuple[str, float], ...] = (),
) -> Iterator[Leaf]:
    """Where a message sent to ``node`` ends up, through static balancers."""
    if node == EXIT:
        yield Leaf("exit", node, probability, splits)
        return
    if node in scenario.queues:
        yield Leaf("queue", node, probability, splits)
        return
    balancer = scenario.balancers[node]
    if balancer.policy not in STATIC:
        yield Leaf("policy", node, probability, splits)
        return
    weights = balancer.weights or tuple(1.0 for _ in balancer.to)
    total = sum(weights)
    for target, weight in zip(balancer.to, weights, strict=True):
        share = weight / total
        step = (balancer.policy, share)
        yield from leaves(scenario, target, probability * share, (*splits, step))


def queues_under(scenario: Scenario, balancer: str) -> list[str]:
    """Every queue a balancer may send to, through nested balancers."""
    found: list[str] = []
    for target in scenario.balancers[balancer].to:
        if target in scenario.queues:
            found.append(target)
        elif target in scenario.balancers:
            found.extend(queues_under(scenario, target))
    return found


def split_scv(scv: float, splits: tuple[tuple[str, float], ...]) -> float:
    """The scv of a stream after a sequence of static splits."""
    for policy, share in splits:
        if policy == "round_robin":
            scv = scv * share
        else:
            scv = share * scv + 1.0 - share
    return scv


def read_topology(scenario: Scenario, sources: dict[str, Source]) -> Topology:
    """The flows of the scenario, given how the theory sees each producer."""
    topology = Topology()
    for name, source in sources.items():
        for leaf in leaves(scenario, scenario.producers[name].to):
            stream = Stream(
                producer=name,
                rate=source.rate * leaf.probability,
                scv=split_scv(source.scv, leaf.splits),
                poisson=source.poisson
                and all(p != "round_robin" for p, _ in leaf.splits),
                reason=source.reason,
            )
            topology.streams.setdefault(leaf.name, []).append(stream)

    for name, queue in scenario.queues.items():
        routes = topology.routes.setdefault(name, {})
        policy_routes = topology.policy_routes.setdefault(name, {})
        for target, share in queue.consumers.routes():
            for leaf in leaves(scenario, target, share):
                if leaf.kind == "queue":
                    routes[leaf.name] = routes.get(leaf.name, 0.0) + leaf.probability
                elif leaf.kind == "policy":
                    policy_routes[leaf.name] = (
                        policy_routes.get(leaf.name, 0.0) + leaf.probability
                    )
                if any(policy == "round_robin" for policy, _ in leaf.splits):
                    topology.round_robin_routes.add(name)
    return topology


def reachable(scenario: Scenario, topology: Topology) -> set[str]:
    """The queues that some producer's messages can reach."""
    seen: set[str] = set()
    todo = [
        queue
        for node in topology.streams
        for queue in (
            [node] if node in scenario.queues else queues_under(scenario, node)
        )
    ]
    while todo:
        queue = todo.pop()
        if queue in seen:
            continue
        seen.add(queue)
        todo.extend(topology.routes.get(queue, {}))
        for balancer in topology.policy_routes.get(queue, {}):
            todo.extend(queues_under(scenario, balancer))
    return seen
