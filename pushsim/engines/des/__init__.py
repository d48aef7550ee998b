"""The discrete-event engine: the scenario as a SimPy model.

What it models: every producer, balancer and queue of the scenario, with
their arrival processes, fan-out, classes, capacities, disciplines, overflow
rules, time-to-live, onward routing (tandem and feedback networks) and
consumer counts that follow a staffing schedule.

How: a producer schedules one event per published message, a queue one
event per service and a staffing schedule one per change of the count;
nothing else is scheduled (no process per message, no event per wait, no
event per expiry). A FIFO queue without time-to-live, blocking or schedule,
whose messages leave the system after service, schedules nothing at all:
its departures are fixed when a message arrives and applied when they are
due (see :mod:`.fifo`). Variates are drawn in blocks from one numpy
Generator per source of randomness (see :mod:`pushsim.engines.streams`), so a
replication's numbers depend on the seed, the replication number and the
scenario alone. Visit records go into one flat array of doubles.

Cost: about two scheduled events per message and queue visited, one where
the queue's departures are computed on arrival.

Limits: service is non-preemptive (a priority message waits for the one in
service to finish); a consumer whose finished message is held by a full
blocking queue downstream stays occupied but is not counted as busy in its
utilisation; a blocked producer's later arrivals are delayed by the time it
was blocked, so a rate profile slides with it.
"""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import simpy

from pushsim.engines.balancing import make_policy
from pushsim.engines.base import Outcome, RecordLog, Run
from pushsim.engines.des.fifo import Departures, FifoStation
from pushsim.engines.des.nodes import Node, Router, ScheduledStation, Station
from pushsim.engines.des.sources import Clock, Source
from pushsim.engines.draws import onward_choice
from pushsim.engines.streams import Streams, law_variates
from pushsim.scenario import EXIT, Scenario

__all__ = ["DesEngine"]

#: The balancing policies that read their targets' counts when they choose.
READS_COUNTS = frozenset({"jsq", "power_of_d"})


class _Model:
    """One replication's nodes, wired as the scenario says."""

    def __init__(self, scenario: Scenario, replication: int) -> None:
        self.env = env = simpy.Environment()
        self.records = RecordLog()
        streams = Streams(scenario.seed, replication)
        kind, amount = scenario.experiment.length
        self.clock = Clock(env, int(amount) if kind == "messages" else None)
        self.duration = amount if kind == "duration" else None

        self.classes = [
            (producer, c.name)
            for producer, spec in scenario.producers.items()
            for c in spec.classes
        ]
        priorities = [
            c.priority for spec in scenario.producers.values() for c in spec.classes
        ]
        self.queue_names = list(scenario.queues)
        counts = [0] * len(self.queue_names)
        self.departures = Departures(env, counts, self.records.add)
        direct = _direct_queues(scenario)
        pending = [0]  # boundary events of the staffing schedules still to come
        self.stations: dict[str, Station | FifoStation] = {}
        for index, (name, queue) in enumerate(scenario.queues.items()):
            rng = streams.generator(f"service/{name}")
            service = law_variates(queue.consumers.service, rng)
            if name in direct:
                self.stations[name] = FifoStation(
                    env, index, queue, service, self.departures, counts
                )
                continue
            patience = None
            if queue.ttl is not None:
                patience = law_variates(queue.ttl, streams.generator(f"ttl/{name}"))
            records, staffing = self.records, queue.consumers.staffing
            args = (env, index, queue, service, patience, records, priorities, counts)
            self.stations[name] = (
                Station(*args)
                if staffing is None
                else ScheduledStation(*args, staffing=staffing, pending=pending)
            )

        routers = {name: Router(env, lambda key: 0, []) for name in scenario.balancers}
        self.nodes: dict[str, Any] = {**self.stations, **routers}
        for name, balancer in scenario.balancers.items():
            targets = [self.nodes[t] for t in balancer.to]
            router = routers[name]
            router.targets = targets
            router.keyed = balancer.policy == "consistent_hash"
            if direct and balancer.policy in READS_COUNTS:
                router.due = self.departures.heap
                router.settle = self.departures.settle
            router.choose = make_policy(
                balancer,
                list(balancer.to),
                streams.generator(f"balance/{name}"),
                loads=_loads(targets, counts),
                work=partial(_work_left, targets),
                counts=counts if _every_queue(targets, counts) else None,
            )

        for name, queue in scenario.queues.items():
            if name in direct:
                continue
            station = self.stations[name]
            assert isinstance(station, Station)
            station.onward = onward_choice(name, queue, self.nodes, streams)
            station.routed = queue.consumers.routes() != ((EXIT, 1.0),)

        self.sources: list[Source] = []
        first = 0
        for name, producer in scenario.producers.items():
            ids = list(range(first, first + len(producer.classes)))
            first += len(producer.classes)
            target: Node = self.nodes[producer.to]
            self.sources.append(
                Source(
                    env,
                    name,
                    producer,
                    ids,
                    streams,
                    target,
                    self.clock,
                    self.records.flush,
                )
            )

    def run(self) -> float:
        """Run to the end of the experiment; the instant it stopped."""
        for source in self.sources:
            source.start()
        if self.duration is not None:
            self.env.run(until=self.duration)
            return float(self.duration)
        try:
            self.env.run(until=self.clock.stop)
        except RuntimeError as error:
            # A finite trace ran out and the system drained before the count.
            if "No scheduled events left" not in str(error):
                raise
            return max(float(self.env.now), self.departures.last())
        return float(self.env.now)

    def close(self, horizon: float) -> None:
        """Record what is still in the system at the horizon."""
        add = self.records.add
        left = Outcome.IN_SYSTEM
        nan = math.nan
        self.departures.close(horizon, at_horizon=self.duration is None)
        for station in self.stations.values():
            if isinstance(station, FifoStation):
                continue
            node = station.index
            for item, started in station.unfinished():
                add(
                    (
                        item[0],
                        item[1],
                        item[2],
                        node,
                        item[3],
                        item[4],
                        started,
                        nan,
                        left,
                    )
                )
        for source in self.sources:
            node = _first_queue(source.target)
            for item in source.unfinished():
                add((item[0], item[1], item[2], node, item[3], nan, nan, nan, left))


def _every_queue(targets: list[Any], counts: list[int]) -> bool:
    """Whether a balancer's targets are every queue of the model, in order."""
    indices = [getattr(t, "index", None) for t in targets]
    return indices == list(range(len(counts)))


def _loads(targets: list[Any], counts: list[int]) -> Callable[[], Sequence[int]]:
    """The counts of a balancer's targets, read in one step where they are queues."""
    if _every_queue(targets, counts):
        return lambda: counts  # the shared list itself
    if all(isinstance(t, Station | FifoStation) for t in targets):
        indices = [t.index for t in targets]
        if len(targets) == 1:
            only = targets[0].index
            return lambda: (counts[only],)
        return partial(operator.itemgetter(*indices), counts)
    return lambda: [t.count for t in targets]


def _direct_queues(scenario: Scenario) -> set[str]:
    """The queues whose departures can be computed on arrival (see :mod:`.fifo`)."""
    # A least-work-left balancer reads the work left at its targets, and at
    # the targets of balancers behind it: those queues keep their events.
    read_for_work: set[str] = set()
    to_visit = [
        target
        for balancer in scenario.balancers.values()
        if balancer.policy == "least_work_left"
        for target in balancer.to
    ]
    while to_visit:
        name = to_visit.pop()
        if name not in read_for_work:
            read_for_work.add(name)
            if name in scenario.balancers:
                to_visit.extend(scenario.balancers[name].to)
    return {
        name
        for name, queue in scenario.queues.items()
        if queue.discipline == "fifo"
        and queue.ttl is None
        and (queue.capacity is None or queue.overflow == "drop_newest")
        and queue.consumers.routes() == ((EXIT, 1.0),)
        and queue.consumers.staffing is None
        and name not in read_for_work
    }


def _work_left(targets: list[Any]) -> list[float]:
    return [t.work_left() for t in targets]


def _first_queue(node: Any) -> int:
    """The queue a message sent to ``node`` would reach first (for its record)."""
    while isinstance(node, Router):
        node = node.targets[0]
    return int(node.index)


class DesEngine:
    """The SimPy engine behind :func:`pushsim.simulate`."""

    name = "des"

    def run(self, scenario: Scenario, replication: int) -> Run:
        began = time.perf_counter()
        model = _Model(scenario, replication)
        horizon = model.run()
        model.close(horizon)
        return Run(
            engine=self.name,
            replication=replication,
            columns=model.records.columns(),
            horizon=horizon,
            published=model.clock.published,
            deliveries=model.clock.deliveries,
            nodes=tuple(model.queue_names),
            classes=tuple(model.classes),
            diagnostics={"wall_seconds": time.perf_counter() - began},
        )
