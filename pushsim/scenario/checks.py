"""The rules of a scenario that span nodes.

Each record checks its own fields; here the whole topology is checked: every
name that ``to`` or ``then`` gives exists, names are not used twice, no
balancer routes back to itself without a queue between, every queue that
messages can reach has a way out of the system, every queue is reached by
some route from a producer, and every SLO names a node that exists. The checks
read the raw mapping, so that they report their faults even when some fields
failed their own checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pushsim.errors import Fault
from pushsim.scenario.schema import NAME_PATTERN
from pushsim.scenario.slo import parse_slo

__all__ = ["topology_faults"]

EXIT = "exit"
SYSTEM = "system"
_RESERVED = {EXIT, SYSTEM}


def _nodes(data: Mapping[str, Any], section: str) -> dict[str, Any]:
    value = data.get(section)
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def _targets(value: Any) -> list[str]:
    """The names a ``to`` or ``then`` value refers to, whatever its shape."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [str(k) for k in value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def _edges(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """For each queue and balancer, the nodes a message may go to next."""
    edges: dict[str, list[str]] = {}
    for name, queue in _nodes(data, "queues").items():
        consumers = queue.get("consumers") if isinstance(queue, Mapping) else None
        then = consumers.get("then") if isinstance(consumers, Mapping) else None
        edges[name] = _targets(then) if then is not None else [EXIT]
    for name, balancer in _nodes(data, "balancers").items():
        to = balancer.get("to") if isinstance(balancer, Mapping) else None
        edges[name] = _targets(to)
    return edges


def _unknown_targets(data: Mapping[str, Any], known: set[str]) -> Iterator[Fault]:
    def check(path: str, value: Any, exit_allowed: bool) -> Iterator[Fault]:
        for target in _targets(value):
            if (target == EXIT and exit_allowed) or not re.match(NAME_PATTERN, target):
                continue  # a name that is not a name is reported by the record's check
            if target == EXIT and EXIT not in known:
                yield Fault(
                    path,
                    f"{EXIT!r} (leave the system) may follow a queue's consumers only; "
                    "name a queue or a balancer",
                )
            elif target not in known:
                choices = ", ".join(sorted(known)) or "none defined"
                yield Fault(
                    path,
                    f"unknown node {target!r}; known queues and balancers: {choices}",
                )

    for name, producer in _nodes(data, "producers").items():
        if isinstance(producer, Mapping) and "to" in producer:
            yield from check(f"producers.{name}.to", producer["to"], exit_allowed=False)
    for name, balancer in _nodes(data, "balancers").items():
        if isinstance(balancer, Mapping) and "to" in balancer:
            yield from check(f"balancers.{name}.to", balancer["to"], exit_allowed=False)
    for name, queue in _nodes(data, "queues").items():
        consumers = queue.get("consumers") if isinstance(queue, Mapping) else None
        if isinstance(consumers, Mapping) and consumers.get("then") is not None:
            yield from check(f"queues.{name}.consumers.then", consumers["then"], True)


def _names(data: Mapping[str, Any]) -> Iterator[Fault]:
    queues, balancers = _nodes(data, "queues"), _nodes(data, "balancers")
    for name in sorted(set(queues) & set(balancers)):
        yield Fault(
            f"balancers.{name}", f"the name {name!r} is also a queue; names are unique"
        )
    for section, nodes in (("queues", queues), ("balancers", balancers)):
        for name in sorted(set(nodes) & _RESERVED):
            yield Fault(
                f"{section}.{name}", f"{name!r} is a reserved name; choose another"
            )


def _balancer_loops(
    edges: dict[str, list[str]], balancers: set[str]
) -> Iterator[Fault]:
    """A balancer that reaches itself through balancers only never lets go."""
    for start in sorted(balancers):
        seen, frontier = set(), [t for t in edges.get(start, []) if t in balancers]
        while frontier:
            node = frontier.pop()
            if node == start:
                yield Fault(
                    f"balancers.{start}.to",
                    "routes back to itself through balancers only; put a queue in the loop",
                )
                break
            if node not in seen:
                seen.add(node)
                frontier.extend(t for t in edges.get(node, []) if t in balancers)


def _trapped(edges: dict[str, list[str]], data: Mapping[str, Any]) -> Iterator[Fault]:
    """Queues reached by messages from which no route leads out of the system."""
    leaves = {EXIT}
    changed = True
    while changed:
        changed = False
        for node, targets in edges.items():
            if node not in leaves and any(t in leaves for t in targets):
                leaves.add(node)
                changed = True

    reached: set[str] = set()
    frontier = [
        p["to"]
        for p in _nodes(data, "producers").values()
        if isinstance(p, Mapping) and isinstance(p.get("to"), str)
    ]
    while frontier:
        node = frontier.pop()
        if node in reached or node not in edges:
            continue
        reached.add(node)
        frontier.extend(edges[node])
    for node in sorted(reached - leaves):
        if node in _nodes(data, "queues"):
            yield Fault(
                f"queues.{node}.consumers.then",
                "messages that reach this queue can never leave: the routes form a cycle "
                f"without an exit; send some share to '{EXIT}' or to a queue that leaves",
            )


def _unreached(edges: dict[str, list[str]], data: Mapping[str, Any]) -> Iterator[Fault]:
    """Queues that no message can reach: nothing routes to them from a producer."""
    producers, balancers = _nodes(data, "producers"), _nodes(data, "balancers")
    starts = [
        p.get("to") if isinstance(p, Mapping) else None for p in producers.values()
    ]
    routes = [
        b.get("to") if isinstance(b, Mapping) else None for b in balancers.values()
    ]
    if (
        not starts
        or not all(isinstance(t, str) and t in edges for t in starts)
        or not all(isinstance(to, list | tuple) and to for to in routes)
        or not all(t in edges for to in routes for t in _targets(to))
    ):
        return  # a route that is missing or wrong is reported where it is
    named = {t for targets in edges.values() for t in targets} | set(starts)
    reached: set[str] = set()
    frontier = list(starts)
    while frontier:
        node = frontier.pop()
        if node not in reached and node in edges:
            reached.add(node)
            frontier.extend(edges[node])
    for name in _nodes(data, "queues"):
        if name in reached or not re.match(NAME_PATTERN, name):
            continue  # a name that is not a name is reported by the record's check
        if name not in named:
            message = "no producer, balancer or route sends messages to this queue"
        else:
            senders = sorted(n for n, targets in edges.items() if name in targets)
            message = (
                "no messages reach this queue: only nodes that no message reaches "
                f"route to it ({', '.join(senders)})"
            )
        yield Fault(f"queues.{name}", message)


def _slo_nodes(data: Mapping[str, Any], known: set[str]) -> Iterator[Fault]:
    experiment = data.get("experiment")
    slos = experiment.get("slo") if isinstance(experiment, Mapping) else None
    if not isinstance(slos, list | tuple):
        return
    balancers = set(_nodes(data, "balancers"))
    for i, text in enumerate(slos):
        try:
            slo = parse_slo(text)
        except ValueError:
            continue  # reported by the record's own check
        path = f"experiment.slo[{i}]"
        if slo.node != SYSTEM and slo.node not in known:
            queues = ", ".join(sorted(_nodes(data, "queues")))
            yield Fault(
                path,
                f"unknown node {slo.node!r} in {slo.text!r}; name a queue ({queues}) "
                f"or no node for the whole system",
            )
        elif slo.node in balancers:
            yield Fault(
                path, f"{slo.node!r} is a balancer; SLOs apply to queues or the system"
            )


def topology_faults(data: Mapping[str, Any]) -> list[Fault]:
    """Every cross-node fault of a raw scenario mapping."""
    queues, balancers = _nodes(data, "queues"), _nodes(data, "balancers")
    known = set(queues) | set(balancers)
    edges = _edges(data)
    faults = list(_names(data))
    if queues:  # with no queues, the record's own check says so, once
        faults.extend([*_unknown_targets(data, known), *_slo_nodes(data, known)])
    if set(queues) & set(balancers):
        return faults  # the routes of a name used twice cannot be told apart
    loops = list(_balancer_loops(edges, set(balancers)))
    faults.extend(loops)
    if not any("unknown node" in f.message for f in faults):
        faults.extend(_trapped(edges, data))
        if not loops:  # a loop of balancers is why the queues after it are unreached
            faults.extend(_unreached(edges, data))
    return faults
