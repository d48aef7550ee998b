"""predict(scenario): the theory's figures for every queue and end to end.

Each queue is matched to the one model that fits what the scenario says of
it, and the prediction names that model and its assumptions, or says plainly
why none fits. The rules, in order:

- Producers: Poisson, deterministic and renewal arrivals are covered, by
  their rate and the scv of their intervals; a fan-out other than exactly 1
  (simultaneous batches), and correlated or time-varying arrivals (mmpp,
  on/off, profile, trace) are not.
- Balancers: random, weighted and round-robin split the traffic by fixed
  shares. Power-of-d over identical single-consumer exponential queues is
  the mean-field supermarket model (approximate, N -> infinity);
  least-work-left over identical single-consumer queues is a central FIFO
  queue with one server a target (M/M/c exactly, or Allen-Cunneen), since a
  message sent to the target with least work left starts exactly when it
  would in a shared queue (M. Harchol-Balter, *Performance Modeling and
  Design of Computer Systems*, 2013). Both need Poisson input straight from
  producers. Join-the-shortest-queue and consistent hashing are not covered.
- Queues without capacity or TTL form an open network: a Jackson network
  (exact) when every arrival stream is Poisson, every service exponential and
  no round-robin split follows a queue; otherwise the QNA decomposition with
  Allen-Cunneen stations (approximate). A single-consumer queue fed only by
  Poisson producers is M/G/1 (Pollaczek-Khinchine, exact means).
- A queue with a capacity (newest dropped when full) is M/M/c/K, and one with
  an exponential TTL is Erlang A, both when service is exponential and the
  arrivals are Poisson straight from producers. Blocking, drop-oldest, a
  fixed TTL, or both capacity and TTL are not covered.
- A consumer count that follows a schedule has no steady state for these
  models and is not covered (the day plan staffs such a queue interval by
  interval, see :func:`pushsim.plan.plan_day`).
- A discipline other than FIFO keeps the means (they hold for any order that
  ignores service times) but drops the distributions.
- A queue fed by one that is not covered, or by a bounded, impatient or
  state-balanced queue (whose departures these models do not describe), is
  not covered either.

End to end: by Little's law over all queues when nothing is lost; as a mix
of the queues when every delivery visits exactly one queue (then with the
end-to-end distribution too).

Cost: one model a queue, plus O(n^3) for a network of n queues.
"""

from __future__ import annotations

import math
from dataclasses import replace

from pushsim.scenario import Producer, Queue, Scenario
from pushsim.theory._coverage import Coverage, assess
from pushsim.theory._endtoend import system_prediction
from pushsim.theory._topology import Source, Stream, Topology, reachable, read_topology
from pushsim.theory.abandonment import mmc_abandonment
from pushsim.theory.balancing import power_of_d
from pushsim.theory.general import ggc, mg1
from pushsim.theory.markovian import mm1, mmc, mmck
from pushsim.theory.networks import jackson, qna
from pushsim.theory.prediction import NodePrediction, Prediction
from pushsim.theory.results import AbandonmentMetrics, QueueMetrics
from pushsim.theory.timelaws import Unavailable

__all__ = ["predict"]

_COVERED = ("poisson", "deterministic", "renewal")


def predict(scenario: Scenario) -> Prediction:
    """The theory's prediction for ``scenario``: per queue and end to end."""
    sources = {name: _source(name, p) for name, p in scenario.producers.items()}
    topology = read_topology(scenario, sources)
    coverage = assess(scenario, topology)
    reach = reachable(scenario, topology)
    metrics = _station_metrics(scenario, topology, coverage, reach)

    nodes = tuple(
        _node(name, queue, coverage, metrics.get(name))
        for name, queue in scenario.queues.items()
    )
    system = system_prediction(topology, sources, nodes, reach)
    experiment = scenario.experiment
    levels = {*experiment.percentiles}
    levels |= {slo.percentile for slo in experiment.slo if slo.percentile is not None}
    return Prediction(
        scenario=str(scenario.name),
        nodes=nodes,
        system=system,
        percentiles=tuple(sorted(levels)),
        slos=experiment.slo,
    )


def _source(name: str, producer: Producer) -> Source:
    """How the theory sees one producer: deliveries a second, scv, reason."""
    arrivals, fanout = producer.arrivals, producer.fanout
    rate = float(arrivals.rate) * float(fanout.mean)
    scv = getattr(arrivals, "scv", None)
    reason = None
    if arrivals.process not in _COVERED:
        reason = (
            f"producers.{name}.arrivals: {arrivals.process} arrivals are correlated "
            "or vary in time, and the models here take a stationary renewal stream; "
            "simulate them"
        )
    elif not (fanout.mean == 1.0 and fanout.variance == 0.0):
        reason = (
            f"producers.{name}.fanout: a fan-out sends deliveries in simultaneous "
            "batches, which no model here covers; simulate it"
        )
    elif scv is None or not math.isfinite(scv):
        reason = f"producers.{name}.arrivals: the interval scv is not finite ({scv})"
    return Source(
        rate=rate,
        scv=float(scv) if scv is not None and reason is None else 1.0,
        poisson=arrivals.process == "poisson",
        reason=reason,
    )


def _inflow(streams: list[Stream]) -> tuple[float, float, bool]:
    """Total rate, rate-weighted scv (asymptotic superposition) and Poisson-ness."""
    rate = math.fsum(s.rate for s in streams)
    if rate == 0.0:
        return 0.0, 1.0, True
    scv = math.fsum(s.rate * s.scv for s in streams) / rate
    return rate, scv, all(s.poisson for s in streams)


def _station_metrics(
    scenario: Scenario, topology: Topology, coverage: Coverage, reach: set[str]
) -> dict[str, QueueMetrics]:
    """A result record for every covered queue."""
    found: dict[str, QueueMetrics] = {}
    network = [
        q
        for q, role in coverage.role.items()
        if role == "station" and not coverage.reasons[q] and q in reach
    ]
    found.update(_network(scenario, topology, coverage, network))

    for name, role in coverage.role.items():
        if coverage.reasons[name] or name in found or role == "group":
            continue
        queue = scenario.queues[name]
        lam, scv, _ = _inflow(topology.streams.get(name, []))
        mean = queue.consumers.service.mean
        c = queue.consumers.fixed_count
        if role == "bounded":
            assert queue.capacity is not None
            k = c + queue.capacity
            found[name] = mmck(
                arrival_rate=lam, service_rate=1 / mean, servers=c, capacity=k
            )
            coverage.notes[name].append(
                f"M/M/c/K with K = capacity + consumers = {k}; the newest message is "
                "dropped when full; Poisson arrivals and exponential service: exact"
            )
        elif role == "impatient":
            assert queue.ttl is not None
            patience = queue.ttl.mean
            found[name] = mmc_abandonment(
                arrival_rate=lam,
                service_rate=1 / mean,
                servers=c,
                patience_mean=patience,
            )
            coverage.notes[name].append(
                f"Erlang A: exponential TTL of mean {patience:g} s as patience; waits "
                "and sojourns of the messages served: exact"
            )
        else:
            found[name] = _single(lam, scv, queue)
            coverage.notes[name].append("no messages reach this queue")

    for balancer, targets in coverage.groups.items():
        found.update(_group(scenario, topology, coverage, balancer, targets))
    return found


def _single(lam: float, scv: float, queue: Queue) -> QueueMetrics:
    law, c = queue.consumers.service, queue.consumers.fixed_count
    if c == 1:
        return mg1(arrival_rate=lam, service_mean=law.mean, service_scv=law.scv)
    return ggc(
        arrival_rate=lam,
        service_mean=law.mean,
        servers=c,
        arrival_scv=scv,
        service_scv=law.scv,
    )


def _network(
    scenario: Scenario, topology: Topology, coverage: Coverage, names: list[str]
) -> dict[str, QueueMetrics]:
    """The open network of the unbounded queues: Jackson, or QNA."""
    if not names:
        return {}
    queues = [scenario.queues[n] for n in names]
    inflows = [_inflow(topology.streams.get(n, [])) for n in names]
    routing = [[topology.routes[i].get(j, 0.0) for j in names] for i in names]
    servers = [q.consumers.fixed_count for q in queues]
    laws = [q.consumers.service for q in queues]
    markov = (
        all(getattr(law, "law", "") == "exponential" for law in laws)
        and all(poisson for _, _, poisson in inflows)
        and not topology.round_robin_routes.intersection(names)
    )
    if markov:
        result = jackson(
            arrival_rates=[rate for rate, _, _ in inflows],
            service_rates=[1.0 / law.mean for law in laws],
            servers=servers,
            routing=routing,
            names=names,
        )
        note = (
            "station of a Jackson network: Poisson arrivals, exponential service, exact"
        )
    else:
        result = qna(
            arrival_rates=[rate for rate, _, _ in inflows],
            arrival_scvs=[scv for _, scv, _ in inflows],
            service_means=[law.mean for law in laws],
            service_scvs=[law.scv for law in laws],
            servers=servers,
            routing=routing,
            names=names,
        )
        note = (
            "station of a QNA decomposition (Whitt 1983) with Allen-Cunneen: "
            "arrival scv from the splitting, superposition and departure approximations"
        )
    found: dict[str, QueueMetrics] = {}
    for i, name in enumerate(names):
        station = result.stations[i]
        poisson_fed = inflows[i][2] and not topology.feeders(name)
        if markov and servers[i] == 1:
            station = mm1(
                arrival_rate=result.arrival_rates[i], service_rate=1 / laws[i].mean
            )
            coverage.notes[name].append(note)
        elif not markov and poisson_fed and servers[i] == 1:
            station = mg1(
                arrival_rate=inflows[i][0],
                service_mean=laws[i].mean,
                service_scv=laws[i].scv,
            )
            coverage.notes[name].append("Poisson arrivals from producers, one consumer")
        else:
            coverage.notes[name].append(note)
        found[name] = station
    return found


def _group(
    scenario: Scenario,
    topology: Topology,
    coverage: Coverage,
    balancer: str,
    targets: list[str],
) -> dict[str, QueueMetrics]:
    """The queues behind a power-of-d or least-work-left balancer."""
    spec = scenario.balancers[balancer]
    lam, _, _ = _inflow(topology.streams.get(balancer, []))
    law = scenario.queues[targets[0]].consumers.service
    n = len(targets)
    if spec.policy == "power_of_d":
        each = power_of_d(
            load=lam * law.mean / n, d=spec.choices, service_rate=1 / law.mean
        )
        note = (
            f"power-of-{spec.choices} mean field over {n} identical single-consumer "
            "exponential queues: the limit of many queues, approximate for few"
        )
    else:
        if getattr(law, "law", "") == "exponential":
            central = mmc(arrival_rate=lam, service_rate=1 / law.mean, servers=n)
        else:
            central = ggc(
                arrival_rate=lam,
                service_mean=law.mean,
                servers=n,
                arrival_scv=1.0,
                service_scv=law.scv,
            )
        each = replace(
            central,
            model=f"least-work-left as a central {central.model}",
            servers=1,
            arrival_rate=central.arrival_rate / n,
            throughput=central.throughput / n,
            mean_queue_length=central.mean_queue_length / n,
            mean_in_system=central.mean_in_system / n,
        )
        note = (
            f"least-work-left over {n} identical single-consumer queues equals one "
            f"shared FIFO queue with {n} consumers (Harchol-Balter 2013)"
        )
    for name in targets:
        coverage.notes[name].append(note)
    return dict.fromkeys(targets, each)


def _node(
    name: str,
    queue: Queue,
    coverage: Coverage,
    metrics: QueueMetrics | None,
) -> NodePrediction:
    reasons = tuple(coverage.reasons[name])
    if reasons or metrics is None:
        return NodePrediction(
            node=name,
            covered=False,
            model="",
            exact=False,
            stable=None,
            assumptions=(),
            reasons=reasons or ("no model applies",),
            metrics=None,
            service_mean=queue.consumers.service.mean,
        )
    if queue.discipline != "fifo":
        unordered = Unavailable(
            f"{name}: discipline {queue.discipline}: the means hold for any order that "
            "ignores service times, but the distributions are those of FIFO only; "
            "simulate the scenario for percentiles"
        )
        metrics = replace(
            metrics, wait_distribution=unordered, sojourn_distribution=unordered
        )
        if isinstance(metrics, AbandonmentMetrics):
            metrics = replace(metrics, served_wait_distribution=unordered)
        coverage.notes[name].append(f"discipline {queue.discipline}: means only")
    return NodePrediction(
        node=name,
        covered=True,
        model=metrics.model,
        exact=metrics.exact,
        stable=metrics.stable,
        assumptions=tuple(coverage.notes[name]),
        reasons=(),
        metrics=metrics,
        service_mean=queue.consumers.service.mean,
    )
