"""A queue's waiting room and its bookkeeping, the part both engines share.

A visit in progress is a small list (cheaper than an object per message),
laid out alike in both engines:

====  ==============  ===================================================
 0    message         delivery number
 1    published       the published message it was fanned out from
 2    class_id        index of its (producer, class)
 3    created_at      when the published message was created
 4    enqueued_at     when it reached this queue
 5    service_time    drawn on arrival, so least-work-left can see it
 6    deadline        when it expires if still waiting (inf: never)
 7    priority        of its class (lower is served first)
 8    key             for consistent hashing
 9    state           waiting, serving or gone
 10   started_at      when service began
====  ==============  ===================================================

:class:`WaitingRoom` keeps what a queue holds whatever runs it: the visits
waiting (in the buffer of its discipline, :mod:`pushsim.engines.buffers`), in
service, and blocked on the way in; the deadlines of those waiting; the work
they carry; and the queue's count of messages, in a list shared by every
queue so that a balancer reads its targets' counts in one step. It admits
visits, expires them, makes room under ``drop_oldest`` and lets blocked
senders in. Each engine subclasses it with how a visit reaches a consumer:
the simulator's :class:`~pushsim.engines.des.nodes.Station` with SimPy
events, the live engine's :class:`~pushsim.engines.live.station.LiveQueue`
with asyncio tasks; each also says what time it is (:meth:`WaitingRoom.now`).
What runs for every message (starting a service, taking the next visit,
finishing one, dropping the newest) is written out in each engine's class,
even where the two do alike, so that sharing costs the simulator no call per
message.

A visit's service time is drawn when it is admitted, in the order of
admission, so with the same seed both engines give the n-th visit of a queue
the same service time. Expiry costs no event or timer: expired visits are
removed, at their deadline, whenever the queue next has to decide something
(an arrival, a free consumer).

Limits: room opened by an expiry is given to a blocked sender when the queue
next acts, not at the deadline; the expired visit's record carries the
deadline, the admitted one's the instant it got in.
"""

from __future__ import annotations

import heapq
import math
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from typing import Any

from pushsim.engines.base import Outcome, RecordLog
from pushsim.engines.buffers import make_buffer
from pushsim.scenario import Queue

__all__ = ["GONE", "SERVING", "WAITING", "WaitingRoom", "next_visit"]

#: A visit's state (position 9).
WAITING, SERVING, GONE = 0, 1, 2
NAN = math.nan
INF = math.inf


class WaitingRoom(ABC):
    """A queue's waiting room and count of messages, without its consumers."""

    #: Consumers on duty; the engine's subclass sets and changes it.
    servers: int

    def __init__(
        self,
        index: int,
        spec: Queue,
        service: Callable[[], float],
        patience: Callable[[], float] | None,
        records: RecordLog,
        priorities: list[int],
        counts: list[int],
    ) -> None:
        self.index = index
        self.capacity = INF if spec.capacity is None else spec.capacity
        self.overflow = spec.overflow
        # Messages here (waiting, in service, or finished but held by a full
        # queue downstream), kept in a list shared by all queues.
        self.counts = counts
        self.waiting = 0
        self.buffer = make_buffer(spec.discipline, priorities)
        # Without expiry no tombstones: FIFO can pop its deque directly.
        self.next_waiting = self.buffer.next
        if patience is None and spec.discipline == "fifo":
            self.next_waiting = self.buffer.raw_next()
        self.next_service = service
        self.next_patience = patience
        self.add = records.add
        self.serving: dict[int, list[Any]] = {}
        # Visits refused for want of room, each with the call that lets its sender on.
        self.blocked: deque[tuple[list[Any], Callable[[], None]]] = deque()
        self.deadlines: list[tuple[float, int, list[Any]]] = []
        self.work_queued = 0.0

    @abstractmethod
    def now(self) -> float:
        """The current instant, in scenario seconds."""

    # -- the measures a balancer reads ---------------------------------------------

    @property
    def count(self) -> int:
        """Messages at this queue: waiting, in service, or held after service."""
        return self.counts[self.index]

    def work_left(self) -> float:
        """Seconds of drawn work waiting and left in service, per consumer."""
        now = self.now()
        in_service = sum(i[10] + i[5] - now for i in self.serving.values())
        return (self.work_queued + in_service) / self.servers

    # -- the waiting room ------------------------------------------------------------

    def admit(self, item: list[Any], now: float) -> None:
        """Put a visit in the waiting room."""
        item[4] = now
        item[5] = service = self.next_service()
        item[9] = WAITING
        self.work_queued += service
        self.waiting += 1
        self.counts[self.index] += 1
        self.buffer.push(item)
        if self.next_patience is not None:
            item[6] = deadline = now + self.next_patience()
            heapq.heappush(self.deadlines, (deadline, item[0], item))

    def drop_oldest(self, item: list[Any], now: float) -> bool:
        """Make room for a visit by dropping the buffer's oldest; False if none.

        The ``drop_oldest`` rule, for a full room: the oldest visit (the
        longest-waiting of the lowest priority that has any) is dropped and
        ``item`` takes its place. On False the caller drops ``item`` itself,
        as under ``drop_newest``.
        """
        old = self.buffer.oldest()
        if old is None:
            return False
        self.leave_waiting(old, now, Outcome.DROPPED)
        self.admit(item, now)
        return True

    def leave_waiting(self, item: list[Any], at: float, outcome: int) -> None:
        """A waiting visit leaves without service: dropped or expired."""
        item[9] = GONE
        self.work_queued -= item[5]
        self.waiting -= 1
        self.counts[self.index] -= 1
        self.add(
            (item[0], item[1], item[2], self.index, item[3], item[4], NAN, at, outcome)
        )
        if self.blocked:
            self.admit_blocked()

    def expire(self, now: float) -> None:
        """Remove every waiting visit whose deadline has passed, at its deadline."""
        deadlines = self.deadlines
        while deadlines and deadlines[0][0] <= now:
            deadline, _, item = heapq.heappop(deadlines)
            if item[9] == WAITING:
                self.leave_waiting(item, deadline, Outcome.EXPIRED)

    def admit_blocked(self) -> None:
        """Room has opened: let the longest-blocked sender in, and tell it so."""
        if self.blocked and self.waiting < self.capacity:
            item, go_on = self.blocked.popleft()
            self.admit(item, self.now())
            go_on()

    # -- the end of the run ----------------------------------------------------------

    def unfinished(self) -> list[tuple[list[Any], float]]:
        """Visits still here or blocked on the way in, with their start (or NaN)."""
        left = [(item, item[10]) for item in self.serving.values()]
        left += [(item, NAN) for item in self.buffer.items()]
        left += [(item, NAN) for item, _ in self.blocked]
        return left


def next_visit(item: list[Any]) -> list[Any]:
    """The next visit of a message that leaves one queue for another."""
    return [item[0], item[1], item[2], item[3], NAN, 0.0, INF, item[7], item[8],
            WAITING, NAN]  # fmt: skip
