"""The measures of a run: throughput, loss, utilisation, queue length, latency.

Every measure is computed from a run's visit records over a window of time
``[start, end)`` (after the warm-up). Rates count events in the window;
time averages (utilisation, queue length, number in system) integrate each
visit's interval clipped to the window; latencies take the cohort of
messages that arrived in the window. The same function serves a whole
replication and each batch of a single long run (batch means).

Per node (a queue): ``offered_rate`` (arrivals), ``throughput`` (services
completed), ``drop_rate`` and ``expiry_rate`` (shares of arrivals),
``utilisation``, ``queue_length`` (waiting), ``in_system`` (waiting or in
service), and ``sojourn`` (arrival at the queue to end of service), ``wait``
and ``service`` with mean and percentiles. For the system: the same for each
delivery end to end (created to finished, through every queue it visits),
with ``wait`` the time not in service (waiting and blocked), and, for a
fan-out, ``fanout_sojourn`` (created to the last of its deliveries).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from pushsim.engines.base import OUTCOMES, Outcome, Run
from pushsim.scenario import SYSTEM, ConsumerGroup, Scenario
from pushsim.scenario.slo import metric_kind, percentile_name
from pushsim.stats import mser5

__all__ = [
    "UNITS",
    "Prepared",
    "conservation",
    "prepare",
    "unit_of",
    "warmup_instant",
    "window_metrics",
]

#: The unit of each kind of metric, as the summary's ``unit`` column shows it.
UNITS = {"time": "s", "rate": "1/s", "share": "ratio", "number": "messages"}

Metrics = dict[tuple[str, str], float]


@dataclass
class Prepared:
    """A run's records with the intervals that every window needs."""

    run: Run
    consumers: dict[int, ConsumerGroup]
    percentiles: tuple[float, ...]
    fanout: bool
    node: np.ndarray
    outcome: np.ndarray
    created: np.ndarray
    enqueued: np.ndarray
    started: np.ndarray
    finished: np.ndarray
    served: np.ndarray
    wait_end: np.ndarray
    node_end: np.ndarray
    final: np.ndarray
    final_end: np.ndarray
    total_service: np.ndarray
    published: np.ndarray


def prepare(run: Run, scenario: Scenario, percentiles: Iterable[float]) -> Prepared:
    """Derive once what every window of the run reads."""
    c = run.columns
    horizon = run.horizon
    started, finished, enqueued = c["started_at"], c["finished_at"], c["enqueued_at"]
    outcome = c["outcome"]
    served = (outcome == Outcome.COMPLETED) | (outcome == Outcome.FORWARDED)
    wait_end = np.where(
        np.isnan(started), np.where(np.isnan(finished), horizon, finished), started
    )
    node_end = np.where(np.isnan(finished), horizon, finished)
    final = outcome != Outcome.FORWARDED

    service = np.where(served, finished - started, 0.0)
    size = int(c["message"].max()) + 1 if c["message"].size else 0
    total = np.bincount(c["message"], weights=service, minlength=size)
    consumers = {i: scenario.queues[n].consumers for i, n in enumerate(run.nodes)}
    fanout = any(p.fans_out for p in scenario.producers.values())
    return Prepared(
        run=run,
        consumers=consumers,
        percentiles=tuple(sorted(set(percentiles))),
        fanout=fanout,
        node=c["node_id"],
        outcome=outcome,
        created=c["created_at"],
        enqueued=enqueued,
        started=started,
        finished=finished,
        served=served,
        wait_end=wait_end,
        node_end=node_end,
        final=final,
        final_end=node_end[final],
        total_service=total[c["message"][final]] if size else np.zeros(0),
        published=c["published"],
    )


def _overlap(begin: np.ndarray, end: np.ndarray, a: float, b: float) -> float:
    """Total length of the intervals [begin, end) inside [a, b); NaN begins count 0."""
    lo = np.maximum(begin, a)
    hi = np.minimum(end, b)
    length = hi - lo
    return float(np.sum(length[length > 0]))


def _latency(
    out: Metrics, node: str, family: str, values: np.ndarray, qs: Sequence[float]
) -> None:
    out[(node, f"{family}_mean")] = float(values.mean()) if values.size else math.nan
    if values.size:
        levels = np.percentile(values, qs)
    else:
        levels = np.full(len(qs), math.nan)
    for q, level in zip(qs, levels, strict=True):
        out[(node, f"{family}_{percentile_name(q)}")] = float(level)


def _node_metrics(
    p: Prepared, index: int, name: str, a: float, b: float, out: Metrics
) -> None:
    span = b - a
    here = p.node == index
    enq = p.enqueued
    cohort = here & (enq >= a) & (enq < b)
    arrivals = int(np.count_nonzero(cohort))
    out[(name, "offered_rate")] = arrivals / span
    done = here & p.served & (p.finished >= a) & (p.finished < b)
    out[(name, "throughput")] = np.count_nonzero(done) / span
    for metric, code in (
        ("drop_rate", Outcome.DROPPED),
        ("expiry_rate", Outcome.EXPIRED),
    ):
        lost = np.count_nonzero(cohort & (p.outcome == code))
        out[(name, metric)] = lost / arrivals if arrivals else math.nan
    busy = here & ~np.isnan(p.started)
    # Busy time over the consumer time on duty (a schedule's changes included).
    on_duty = p.consumers[index].consumer_time(a, b)
    worked = _overlap(p.started[busy], p.node_end[busy], a, b)
    out[(name, "utilisation")] = worked / on_duty if on_duty > 0 else math.nan
    entered = here & ~np.isnan(enq)
    out[(name, "queue_length")] = (
        _overlap(enq[entered], p.wait_end[entered], a, b) / span
    )
    out[(name, "in_system")] = _overlap(enq[entered], p.node_end[entered], a, b) / span
    served = cohort & p.served
    f, s, e = p.finished[served], p.started[served], enq[served]
    _latency(out, name, "sojourn", f - e, p.percentiles)
    _latency(out, name, "wait", s - e, p.percentiles)
    _latency(out, name, "service", f - s, p.percentiles)


def _system_metrics(p: Prepared, a: float, b: float, out: Metrics) -> None:
    span = b - a
    created = p.created[p.final]
    outcome = p.outcome[p.final]
    finished = p.finished[p.final]
    cohort = (created >= a) & (created < b)
    deliveries = int(np.count_nonzero(cohort))
    out[(SYSTEM, "offered_rate")] = deliveries / span
    completed = outcome == Outcome.COMPLETED
    out[(SYSTEM, "throughput")] = (
        np.count_nonzero(completed & (finished >= a) & (finished < b)) / span
    )
    for metric, code in (
        ("drop_rate", Outcome.DROPPED),
        ("expiry_rate", Outcome.EXPIRED),
    ):
        lost = np.count_nonzero(cohort & (outcome == code))
        out[(SYSTEM, metric)] = lost / deliveries if deliveries else math.nan
    out[(SYSTEM, "in_system")] = _overlap(created, p.final_end, a, b) / span
    out[(SYSTEM, "queue_length")] = sum(
        out[(name, "queue_length")] for name in p.run.nodes
    )
    done = cohort & completed
    sojourn = finished[done] - created[done]
    _latency(out, SYSTEM, "sojourn", sojourn, p.percentiles)
    _latency(out, SYSTEM, "wait", sojourn - p.total_service[done], p.percentiles)
    _latency(out, SYSTEM, "service", p.total_service[done], p.percentiles)
    if p.fanout:
        _fanout_metrics(p, span, created, finished, completed, cohort, out)


def _fanout_metrics(
    p: Prepared,
    span: float,
    created: np.ndarray,
    finished: np.ndarray,
    completed: np.ndarray,
    cohort: np.ndarray,
    out: Metrics,
) -> None:
    """Created to the last delivery, for fan-outs whose deliveries all completed."""
    published = p.published[p.final][cohort]
    if published.size == 0:
        _latency(out, SYSTEM, "fanout_sojourn", np.zeros(0), p.percentiles)
        out[(SYSTEM, "published_rate")] = 0.0
        return
    ids, first = np.unique(published, return_inverse=True)
    last = np.full(ids.size, -np.inf)
    np.maximum.at(last, first, np.where(completed[cohort], finished[cohort], np.inf))
    start = np.empty(ids.size)
    start[first] = created[cohort]
    whole = np.isfinite(last)
    _latency(out, SYSTEM, "fanout_sojourn", (last - start)[whole], p.percentiles)
    out[(SYSTEM, "published_rate")] = ids.size / span


def window_metrics(p: Prepared, a: float, b: float) -> Metrics:
    """Every measure of the run over the window ``[a, b)``."""
    out: Metrics = {}
    if b <= a:
        return out
    for index, name in enumerate(p.run.nodes):
        _node_metrics(p, index, name, a, b, out)
    _system_metrics(p, a, b, out)
    return out


def conservation(run: Run) -> dict[str, int]:
    """Arrived = completed + dropped + expired + failed + in system, per delivery."""
    outcome = run.columns["outcome"]
    final = outcome != Outcome.FORWARDED
    counts = np.bincount(outcome[final], minlength=len(OUTCOMES))
    result = {
        "arrived": run.deliveries,
        "completed": int(counts[Outcome.COMPLETED]),
        "dropped": int(counts[Outcome.DROPPED]),
        "expired": int(counts[Outcome.EXPIRED]),
        "failed": int(counts[Outcome.FAILED]),
        "in_system": int(counts[Outcome.IN_SYSTEM]),
    }
    ids = run.columns["message"][final]
    result["accounted"] = sum(v for k, v in result.items() if k != "arrived")
    result["duplicates"] = int(ids.size - np.unique(ids).size)
    return result


def unit_of(metric: str) -> str:
    """The unit of a metric name, for the summary's ``unit`` column."""
    kind = metric_kind(metric)
    if kind is None and metric.endswith("_rate"):
        kind = "rate"
    return UNITS.get(kind or "number", "")


def warmup_instant(run: Run, scenario: Scenario) -> tuple[float, bool]:
    """When measuring starts in a run, by the scenario's rule, and whether it settled.

    A count or a share of a run given in messages cuts that many published
    messages; a duration or a share of a timed run cuts that much time;
    MSER-5 reads the end-to-end sojourn of completed deliveries in order of
    creation.
    """
    rule = scenario.experiment.warmup
    kind, _ = scenario.experiment.length
    final = run.columns["outcome"] != Outcome.FORWARDED
    created = run.columns["created_at"][final]
    if rule.kind == "duration":
        return min(rule.value, run.horizon), rule.value < run.horizon
    if rule.kind == "share" and kind == "duration":
        return rule.value * run.horizon, True
    if rule.kind in ("count", "share"):
        instants = np.unique(created)
        cut = (
            int(rule.value) if rule.kind == "count" else int(rule.value * run.published)
        )
        if cut == 0:
            return 0.0, True
        if cut >= instants.size:
            return run.horizon, False
        return float(instants[cut]), True
    done = final & (run.columns["outcome"] == Outcome.COMPLETED)
    order = np.argsort(run.columns["created_at"][done], kind="stable")
    sojourn = (run.columns["finished_at"][done] - run.columns["created_at"][done])[
        order
    ]
    cut, settled = mser5(sojourn)
    if cut == 0:
        return 0.0, settled
    return float(run.columns["created_at"][done][order][cut]), settled
