"""Which queues of a scenario the theory covers, in which role, and why not.

Used by :func:`pushsim.theory.predict`; the rules are listed in that module's
docstring. Each queue gets a role: ``station`` (an unbounded queue, part of
the open network), ``bounded`` (M/M/c/K), ``impatient`` (Erlang A) or
``group`` (behind a power-of-d or least-work-left balancer), and a list of
reasons why it is not covered, empty when it is. Reasons are sentences that
start with the place in the scenario they concern.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pushsim.scenario import Queue, Scenario
from pushsim.theory._topology import Topology, queues_under

__all__ = ["Coverage", "assess"]


@dataclass
class Coverage:
    """Roles, reasons and notes (assumptions) per queue; groups per balancer."""

    role: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)

    def refuse(self, queue: str, reason: str) -> None:
        if reason not in self.reasons[queue]:
            self.reasons[queue].append(reason)


def assess(scenario: Scenario, topology: Topology) -> Coverage:
    """Decide the role of every queue and collect why some are not covered."""
    coverage = Coverage()
    for name, queue in scenario.queues.items():
        coverage.role[name] = _role(queue)
        coverage.reasons[name] = list(_own_faults(name, queue))
        coverage.notes[name] = []

    _uncovered_sources(scenario, topology, coverage)
    for name, balancer in scenario.balancers.items():
        if balancer.policy in ("jsq", "consistent_hash"):
            basis = "queue lengths" if balancer.policy == "jsq" else "message keys"
            for target in queues_under(scenario, name):
                coverage.refuse(
                    target,
                    f"balancers.{name}: policy {balancer.policy} routes by {basis}, "
                    "which no model here covers; simulate it",
                )
        elif balancer.policy in ("power_of_d", "least_work_left"):
            _group(scenario, topology, coverage, name)

    for name, role in coverage.role.items():
        if role in ("bounded", "impatient"):
            _poisson_from_producers(topology, coverage, name)
    _downstream(scenario, topology, coverage)
    return coverage


def _role(queue: Queue) -> str:
    if queue.capacity is not None:
        return "bounded"
    if queue.ttl is not None:
        return "impatient"
    return "station"


def _exponential(law: object) -> bool:
    return getattr(law, "law", "") == "exponential"


def _own_faults(name: str, queue: Queue) -> list[str]:
    """What the queue's own settings put beyond the models."""
    place = f"queues.{name}"
    law = queue.consumers.service
    faults = []
    staffing = queue.consumers.staffing
    if staffing is not None and staffing.constant is None:
        faults.append(
            f"{place}.consumers.count: a count that follows a schedule has no "
            "steady state for the models here; simulate it (or plan it with plan_day)"
        )
    if not (math.isfinite(law.scv) and law.mean > 0.0):
        faults.append(
            f"{place}.consumers.service: needs a finite mean > 0 and finite scv"
        )
    if queue.capacity is not None and queue.ttl is not None:
        faults.append(f"{place}: a bounded queue with a TTL is not covered")
    elif queue.capacity is not None:
        if queue.overflow == "block":
            faults.append(
                f"{place}.overflow: block (backpressure) delays the producers, "
                "which no model here covers"
            )
        elif queue.overflow == "drop_oldest":
            faults.append(
                f"{place}.overflow: drop_oldest changes which messages are lost and "
                "so the waits; M/M/c/K covers drop_newest"
            )
        if not _exponential(law):
            faults.append(
                f"{place}.consumers.service: a bounded queue is covered with "
                "exponential service only (M/M/c/K)"
            )
    elif queue.ttl is not None:
        if not _exponential(queue.ttl):
            faults.append(
                f"{place}.ttl: a fixed or non-exponential TTL is not covered; "
                "Erlang A needs an exponential patience"
            )
        if not _exponential(law):
            faults.append(
                f"{place}.consumers.service: Erlang A needs exponential service"
            )
    return faults


def _uncovered_sources(
    scenario: Scenario, topology: Topology, coverage: Coverage
) -> None:
    for node, streams in topology.streams.items():
        queues = [node] if node in scenario.queues else queues_under(scenario, node)
        for stream in streams:
            if stream.reason is not None:
                for queue in queues:
                    coverage.refuse(queue, stream.reason)


def _group(
    scenario: Scenario, topology: Topology, coverage: Coverage, name: str
) -> None:
    """Power-of-d or least-work-left: covered over identical single servers."""
    balancer = scenario.balancers[name]
    place = f"balancers.{name}"
    targets = list(balancer.to)
    faults = []
    if any(target not in scenario.queues for target in targets):
        faults.append(f"{place}: {balancer.policy} over other balancers is not covered")
        targets = queues_under(scenario, name)
    queues = [scenario.queues[t] for t in targets]
    if topology.feeders(name):
        faults.append(f"{place}: fed by queues, so its arrivals are not Poisson")
    if not all(s.poisson for s in topology.streams.get(name, [])):
        faults.append(f"{place}: covered for Poisson arrivals only")
    for target, queue in zip(targets, queues, strict=True):
        if queue.consumers.mean_count != 1 or _role(queue) != "station":
            faults.append(
                f"{place}: covered over unbounded single-consumer queues without TTL; "
                f"{target} is not one"
            )
        if queue.discipline != "fifo":
            faults.append(f"{place}: covered over FIFO queues; {target} is not")
        if topology.streams.get(target) or topology.feeders(target):
            faults.append(f"{place}: {target} receives messages from elsewhere too")
        if any(target in group for group in coverage.groups.values()):
            faults.append(f"{place}: {target} is behind another balancer too")
    laws = [queue.consumers.service for queue in queues]
    if balancer.policy == "power_of_d":
        if not all(_exponential(law) and law.mean == laws[0].mean for law in laws):
            faults.append(
                f"{place}: power-of-d is covered over identical exponential servers"
            )
        if balancer.choices >= len(targets):
            faults.append(
                f"{place}: d = {balancer.choices} samples every target (join the "
                "shortest queue), where the mean-field model does not apply"
            )
    elif any(law != laws[0] for law in laws):
        faults.append(
            f"{place}: least-work-left is covered over identical service laws"
        )

    if faults:
        for target in targets:
            for fault in faults:
                coverage.refuse(target, fault)
        return
    coverage.groups[name] = targets
    for target in targets:
        coverage.role[target] = "group"


def _poisson_from_producers(topology: Topology, coverage: Coverage, name: str) -> None:
    streams = topology.streams.get(name, [])
    if topology.feeders(name) or not all(s.poisson for s in streams):
        model = "M/M/c/K" if coverage.role[name] == "bounded" else "Erlang A"
        coverage.refuse(
            name,
            f"queues.{name}: {model} needs Poisson arrivals straight from producers "
            "(through random or weighted balancers); these are not",
        )


def _downstream(scenario: Scenario, topology: Topology, coverage: Coverage) -> None:
    """A queue fed by one whose departures no model describes is not covered."""
    changed = True
    while changed:
        changed = False
        for source in scenario.queues:
            refused = bool(coverage.reasons[source])
            if not refused and coverage.role[source] == "station":
                continue
            why = (
                "is not covered"
                if refused
                else "has departures no model here describes"
            )
            targets = set(topology.routes[source])
            for balancer in topology.policy_routes[source]:
                targets.update(queues_under(scenario, balancer))
            for target in targets:
                reason = f"fed by {source}, which {why}"
                if target != source and reason not in coverage.reasons[target]:
                    coverage.refuse(target, reason)
                    changed = True
