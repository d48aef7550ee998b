"""A day simulated with a staffing schedule: one FIFO queue whose consumers change.

What it models: the producers of the scenario sending straight to one FIFO
queue without a capacity, served by a number of consumers that changes at
the boundaries of the schedule's intervals, with the queue's time-to-live
(patience) if it has one. When the schedule adds consumers they start at
the boundary; when it removes some, the first ones to become free leave
(idle ones at once, busy ones when they finish their message: no message is
interrupted). After the last interval the last count stays until the queue
is empty, so every message is accounted for.

How: with FIFO service the k-th message to be served starts at the later of
its arrival and the moment a consumer is free for it, so the messages are
taken in arrival order against a heap of the instants at which each consumer
is next free, with the schedule's changes applied as the clock passes them
(Kiefer & Wolfowitz's recursion, with a time-varying number of servers). A
message whose start would come after its deadline expires and takes no
consumer. The random streams are the engine's own (``arrivals/<producer>``
and ``service/<queue>``, drawn in the engine's blocks; patience from
``ttl/<queue>``), so with a constant schedule and no time-to-live the starts
and ends are those of :class:`pushsim.engines.des.DesEngine`, to rounding.

Cost: O(n log c) for n messages on c consumers, in a Python loop of a few
operations a message.

Limits: one queue, FIFO, no capacity, no onward routing and no fan-out (the
cases the day plan covers); the engine itself has no time-varying consumer
count.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from pushsim.engines.streams import BLOCK, Streams
from pushsim.scenario import Scenario

__all__ = ["DayRun", "run_day"]


@dataclass(frozen=True)
class DayRun:
    """One replication: per message its arrival, start and end (NaN if it expired)."""

    arrived_at: np.ndarray
    started_at: np.ndarray
    finished_at: np.ndarray
    expired: np.ndarray


def _arrivals(scenario: Scenario, streams: Streams, horizon: float) -> np.ndarray:
    """Every producer's arrival instants before ``horizon``, merged in time order."""
    merged = []
    for name, producer in scenario.producers.items():
        chunks = []
        for block in producer.arrivals.stream(streams.generator(f"arrivals/{name}")):
            chunks.append(block[block < horizon])
            if block.size == 0 or block[-1] >= horizon:
                break
        merged.append(np.concatenate(chunks) if chunks else np.zeros(0))
    times = np.concatenate(merged)
    return np.sort(times, kind="stable")


def _draws(law: object, streams: Streams, name: str, count: int) -> np.ndarray:
    """``count`` draws of ``law``, in the engine's blocks, from stream ``name``."""
    rng = streams.generator(name)
    blocks = max(1, math.ceil(count / BLOCK))
    drawn = [law.sample(rng, BLOCK) for _ in range(blocks)]  # type: ignore[attr-defined]
    return np.concatenate(drawn)[:count]


def _serve(
    arrivals: np.ndarray,
    services: np.ndarray,
    deadlines: np.ndarray,
    change_at: list[float],
    change_by: list[int],
    first: int,
) -> np.ndarray:
    """The start of each message's service, NaN for one that expired first."""
    free = [0.0] * first  # when each consumer is next free
    heapq.heapify(free)
    starts = np.full(arrivals.size, math.nan)
    changes = list(zip(change_at, change_by, strict=True))
    j, pending = 0, len(changes)
    for n in range(arrivals.size):
        arrival = float(arrivals[n])
        start = max(arrival, free[0])
        while j < pending and changes[j][0] <= start:
            at, by = changes[j]
            j += 1
            if by > 0:
                for _ in range(by):
                    heapq.heappush(free, at)
            else:
                for _ in range(-by):  # the first consumers to become free leave
                    heapq.heappop(free)
            start = max(arrival, free[0])
        if start > arrival and start >= deadlines[n]:
            continue  # still waiting at its deadline: it expires, as in the engine
        starts[n] = start
        heapq.heapreplace(free, start + float(services[n]))
    return starts


def run_day(
    scenario: Scenario,
    queue: str,
    counts: np.ndarray,
    interval: float,
    horizon: float,
    replication: int,
) -> DayRun:
    """One replication of ``scenario`` until ``horizon`` with ``counts`` consumers.

    ``counts[i]`` consumers serve from ``i * interval``; the schedule repeats
    every ``len(counts) * interval`` seconds.
    """
    streams = Streams(scenario.seed, replication)
    spec = scenario.queues[queue]
    arrivals = _arrivals(scenario, streams, horizon)
    services = _draws(
        spec.consumers.service, streams, f"service/{queue}", arrivals.size
    )
    deadlines = np.full(arrivals.size, math.inf)
    if spec.ttl is not None:
        deadlines = arrivals + _draws(spec.ttl, streams, f"ttl/{queue}", arrivals.size)
    steps = max(1, math.ceil(horizon / interval))
    schedule = np.resize(np.asarray(counts, dtype=int), steps)
    change = np.flatnonzero(np.diff(schedule)) + 1
    starts = _serve(
        arrivals,
        services,
        deadlines,
        [float(i * interval) for i in change],
        [int(schedule[i] - schedule[i - 1]) for i in change],
        int(schedule[0]),
    )
    expired = np.isnan(starts)
    return DayRun(
        arrived_at=arrivals,
        started_at=starts,
        finished_at=np.where(expired, math.nan, starts + services),
        expired=expired,
    )
