"""FIFO queues without events for service: departures computed on arrival.

What it models: a queue whose ``c`` identical consumers serve it first in,
first out, unbounded or bounded with ``drop_newest``, without time-to-live,
whose finished messages leave the system, and whose work left no balancer
reads. Such a queue's future is fixed when a message arrives: the message
starts when it arrives or when the earliest of the consumers frees, whichever
is later, and leaves one service time after it starts (Lindley's recursion,
in the form for ``c`` servers of J. Kiefer and J. Wolfowitz, "On the theory of
queues with many servers", Trans. Amer. Math. Soc. 78, 1955).

How: the departure goes into one heap shared by every such queue of a run,
and is applied (the queue's count goes down, the visit is recorded) when
anything next needs the counts: an arrival at one of these queues, a
balancer that reads queue lengths, the end of the run. Service times come
from the queue's stream in arrival order, as in the event-driven queue of
:mod:`.nodes`, and start and finish are the same sums of the same numbers,
so both give the same records.

Cost: one heap push and one pop per visit, and no SimPy event.

Limits: a departure at the very instant of an arrival is applied before the
arrival is seen (the event-driven queue orders such ties by when their
events were scheduled); with continuous laws that has probability zero.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from typing import Any

import simpy

from pushsim.engines.base import Outcome
from pushsim.scenario import Queue

__all__ = ["Departures", "FifoStation"]

NAN = math.nan
INF = math.inf
COMPLETED = Outcome.COMPLETED
DROPPED = Outcome.DROPPED

#: A record as :class:`~pushsim.engines.base.RecordLog` takes it.
Record = tuple[Any, ...]


class Departures:
    """Departures fixed in advance, applied in time order once they are due.

    An entry is ``(finished_at, message, record)``; the record is the visit's
    final one, with the queue's index at position 3.
    """

    def __init__(
        self, env: simpy.Environment, counts: list[int], add: Callable[[Record], None]
    ) -> None:
        self.env = env
        self.heap: list[tuple[float, int, Record]] = []
        self.counts = counts
        self.add = add

    def settle(self, now: float) -> None:
        """Apply every departure at or before ``now``."""
        heap = self.heap
        counts = self.counts
        add = self.add
        pop = heapq.heappop
        while heap and heap[0][0] <= now:
            record = pop(heap)[2]
            counts[record[3]] -= 1
            add(record)

    def settle_now(self) -> None:
        """Apply every departure due by the current simulated time."""
        heap = self.heap
        if heap:
            now = self.env._now
            if heap[0][0] <= now:
                self.settle(now)

    def last(self) -> float:
        """When the last pending departure happens (-inf if none is pending)."""
        return max((entry[0] for entry in self.heap), default=-INF)

    def close(self, horizon: float, *, at_horizon: bool) -> None:
        """Apply what departs by ``horizon``; record the rest as still in the system.

        ``at_horizon`` says whether an instant equal to the horizon was reached
        (a run stopped by its count of messages) or not (a run of a duration).
        """

        def reached(at: float) -> bool:
            return at <= horizon if at_horizon else at < horizon

        heap = self.heap
        while heap and reached(heap[0][0]):
            record = heapq.heappop(heap)[2]
            self.counts[record[3]] -= 1
            self.add(record)
        left = Outcome.IN_SYSTEM
        for _, _, r in heap:
            started = r[6] if reached(r[6]) else NAN
            self.add((r[0], r[1], r[2], r[3], r[4], r[5], started, NAN, left))
        heap.clear()

    def work_left(self, index: int, now: float) -> float:
        """Seconds of service still to give at queue ``index``, summed."""
        self.settle(now)
        return sum(r[7] - max(r[6], now) for _, _, r in self.heap if r[3] == index)


class FifoStation:
    """A FIFO queue and its consumers, with departures computed on arrival."""

    def __init__(
        self,
        env: simpy.Environment,
        index: int,
        spec: Queue,
        service: Callable[[], float],
        departures: Departures,
        counts: list[int],
    ) -> None:
        self.env = env
        self.index = index
        self.servers = spec.consumers.fixed_count
        self.capacity = INF if spec.capacity is None else spec.capacity
        # Messages here, waiting or in service, in the list shared by all queues.
        self.counts = counts
        self.next_service = service
        self.departures = departures
        self.add = departures.add
        # When each consumer is next free: a heap, the earliest first.
        self.free_at = [-INF] * self.servers

    @property
    def count(self) -> int:
        """Messages at this queue: waiting or in service."""
        self.departures.settle_now()
        return self.counts[self.index]

    def work_left(self) -> float:
        """Seconds of work waiting and in service, per consumer."""
        return self.departures.work_left(self.index, self.env.now) / self.servers

    def accept(self, item: list[Any], sender: object) -> bool:
        """Take a visit: fix when it starts and leaves, or drop it if full."""
        now = self.env._now  # SimPy's clock without the ``now`` property's call
        departures = self.departures
        heap = departures.heap
        if heap and heap[0][0] <= now:
            departures.settle(now)
        index = self.index
        counts = self.counts
        message = item[0]
        if counts[index] - self.servers >= self.capacity:
            self.add(
                (message, item[1], item[2], index, item[3], now, NAN, now, DROPPED)
            )
            return True

        free_at = self.free_at
        started = free_at[0]
        if started < now:
            started = now
        finished = started + self.next_service()
        heapq.heapreplace(free_at, finished)
        counts[index] += 1
        record = (message, item[1], item[2], index, item[3], now, started, finished,
                  COMPLETED)  # fmt: skip
        heapq.heappush(heap, (finished, message, record))
        return True
