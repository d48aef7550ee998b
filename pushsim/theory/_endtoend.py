"""End to end: a scenario's figures per delivery, from the queues' figures.

Used by :func:`pushsim.theory.predict`. With no loss inside, Little's law
over all the queues gives the mean number in the system and so the mean
sojourn per delivery (J. D. C. Little, Operations Research 9(3), 1961),
however many queues a delivery visits. When every delivery visits exactly
one queue (queues reached through balancers, each leaving the system), the
end-to-end law is the mixture of the queues' laws weighted by their
completed deliveries, so losses and percentiles are covered too. A network
that loses messages inside it is not covered end to end.
"""

from __future__ import annotations

import math

from pushsim.theory._topology import Source, Topology
from pushsim.theory.prediction import NodePrediction, SystemPrediction
from pushsim.theory.results import AbandonmentMetrics, QueueMetrics
from pushsim.theory.timelaws import Mixture, TimeDistribution

__all__ = ["system_prediction"]


def system_prediction(
    topology: Topology,
    sources: dict[str, Source],
    nodes: tuple[NodePrediction, ...],
    reach: set[str],
) -> SystemPrediction:
    """End-to-end figures per delivery."""
    used = [node for node in nodes if node.node in reach]
    reasons = [s.reason for s in sources.values() if s.reason]
    reasons += [r for n in used for r in n.reasons if r not in reasons]
    single_visit = all(
        not topology.routes[n.node] and not topology.policy_routes[n.node] for n in used
    )
    measured = [(n, n.metrics) for n in used if n.metrics is not None]
    lossy = any(m.loss_probability > 0.0 for _, m in measured)
    if lossy and not single_visit:
        reasons.append(
            "end-to-end figures of a network that loses messages inside it are not covered"
        )
    if reasons or not measured:
        return SystemPrediction(
            covered=False,
            model="",
            exact=False,
            stable=None,
            assumptions=(),
            reasons=tuple(reasons) or ("no queue is reached",),
            figures={},
        )
    offered = math.fsum(s.rate for s in sources.values())
    stable = all(m.stable for _, m in measured)
    figures = _figures(offered, measured, single_visit, stable)
    wait_law: TimeDistribution | None = None
    sojourn_law: TimeDistribution | None = None
    if single_visit:
        weights = tuple(m.throughput for _, m in measured)
        wait_law = Mixture(tuple(_served_wait(m) for _, m in measured), weights)
        sojourn_law = Mixture(
            tuple(m.sojourn_distribution for _, m in measured), weights
        )
    models = sorted({n.model for n, _ in measured})
    if len(measured) == 1:
        model = models[0]
    elif single_visit:
        model = "parallel queues: " + ", ".join(models)
    else:
        model = "open network: " + ", ".join(models)
    return SystemPrediction(
        covered=True,
        model=model,
        exact=all(n.exact for n, _ in measured),
        stable=stable,
        assumptions=(
            "each delivery visits one queue" if single_visit else "Little's law",
        ),
        reasons=(),
        figures=figures,
        wait_distribution=wait_law,
        sojourn_distribution=sojourn_law,
    )


def _served_wait(metrics: QueueMetrics) -> TimeDistribution:
    if isinstance(metrics, AbandonmentMetrics):
        return metrics.served_wait_distribution
    return metrics.wait_distribution


def _figures(
    offered: float,
    measured: list[tuple[NodePrediction, QueueMetrics]],
    single_visit: bool,
    stable: bool,
) -> dict[str, float]:
    """Rates, losses, counts and mean times of completed deliveries.

    The throughput of an unstable network is not given by its traffic
    equations, so it is NaN there; every other figure is known or infinite.
    """
    in_system = math.fsum(m.mean_in_system for _, m in measured)
    waiting = math.fsum(m.mean_queue_length for _, m in measured)
    figures = {"offered_rate": offered, "in_system": in_system, "queue_length": waiting}
    if not single_visit:
        figures.update(
            throughput=offered if stable else math.nan,
            drop_rate=0.0,
            expiry_rate=0.0,
            loss_rate=0.0,
            sojourn_mean=in_system / offered,
            wait_mean=waiting / offered,
            service_mean=math.fsum(m.arrival_rate * n.service_mean for n, m in measured)
            / offered,
        )
        return figures
    done = math.fsum(m.throughput for _, m in measured)
    parts = [(n, m, m.throughput / done) for n, m in measured]
    figures.update(
        throughput=done,
        drop_rate=math.fsum(m.arrival_rate * n.value("drop_rate") for n, m, _ in parts)
        / offered,
        expiry_rate=math.fsum(
            m.arrival_rate * n.value("expiry_rate") for n, m, _ in parts
        )
        / offered,
        loss_rate=math.fsum(m.arrival_rate * m.loss_probability for _, m, _ in parts)
        / offered,
        sojourn_mean=math.fsum(w * n.value("sojourn_mean") for n, _, w in parts),
        wait_mean=math.fsum(w * n.value("wait_mean") for n, _, w in parts),
        service_mean=math.fsum(w * n.service_mean for n, _, w in parts),
    )
    return figures
