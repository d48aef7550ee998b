"""The simulated nodes: a queue with its consumer group, and a balancer.

A visit in progress is a small list (cheaper than an object per message):

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

A queue schedules one SimPy event per service: when a consumer finishes, it
records the visit, passes the message on and takes the next one itself, so
no process or event exists per waiting message. Time-to-live costs no event
either: expired visits are removed, at their deadline, whenever the queue
next has to decide something (an arrival, a free consumer). The simplest
queues, FIFO with nothing after service, need no event at all: see
:mod:`.fifo`.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

import simpy
from simpy.events import NORMAL, Event

from pushsim.engines.base import Outcome, RecordLog
from pushsim.engines.des.buffers import make_buffer
from pushsim.engines.streams import variates
from pushsim.scenario import Queue
from pushsim.scenario.staffing import StaffingProfile

__all__ = ["At", "Node", "Router", "ScheduledStation", "Sender", "Station"]

WAITING, SERVING, GONE = 0, 1, 2
NAN = math.nan
INF = math.inf


class At(Event):
    """An event at ``delay`` from now that calls ``callback`` with ``value``.

    A SimPy timeout with its one callback given at once, put on the event
    queue as ``Environment.schedule`` does, without that call: the engine
    makes one of these per arrival and per service, so the saved calls count.
    """

    def __init__(
        self,
        env: simpy.Environment,
        delay: float,
        value: Any,
        callback: Callable[[simpy.Event], None],
    ) -> None:
        self.env = env
        self.callbacks = [callback]
        self._value = value
        self._ok = True
        heapq.heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), self))


class Sender(Protocol):
    """A producer or a consumer that was made to wait by a full blocking queue."""

    def resume(self) -> None:
        """Its message was admitted: carry on."""
        ...


class Node(Protocol):
    """A queue or a balancer: something that a message can be sent to."""

    count: int

    def accept(self, item: list[Any], sender: Sender | None) -> bool:
        """Take a visit; False if it must wait for room (the sender is told later)."""
        ...

    def work_left(self) -> float: ...


class Station:
    """A queue and the consumers that serve it."""

    def __init__(
        self,
        env: simpy.Environment,
        index: int,
        spec: Queue,
        service: Callable[[], float],
        patience: Callable[[], float] | None,
        records: RecordLog,
        priorities: list[int],
        counts: list[int],
    ) -> None:
        self.env = env
        self.index = index
        self.servers = spec.consumers.peak_count  # see ScheduledStation for a schedule
        self.capacity = INF if spec.capacity is None else spec.capacity
        self.overflow = spec.overflow
        # Messages here (waiting, in service, or finished but held by a full
        # queue downstream), kept in a list shared by all queues so that a
        # balancer reads the counts of its targets in one step.
        self.counts = counts
        self.busy = 0  # consumers serving or holding a finished message
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
        self.blocked: deque[tuple[list[Any], Sender | None]] = deque()
        self.deadlines: list[tuple[float, int, list[Any]]] = []
        self.work_queued = 0.0
        self.onward: Callable[[], Node | None] = lambda: None
        self.routed = False  # whether finished messages may go on to another node

    # -- the measures a balancer reads ---------------------------------------------

    @property
    def count(self) -> int:
        """Messages at this queue: waiting, in service, or held after service."""
        return self.counts[self.index]

    def work_left(self) -> float:
        now = self.env.now
        in_service = sum(i[10] + i[5] - now for i in self.serving.values())
        return (self.work_queued + in_service) / self.servers

    # -- arrivals --------------------------------------------------------------------

    def accept(self, item: list[Any], sender: Sender | None) -> bool:
        # SimPy's clock read as its attribute: the ``now`` property costs a call.
        now = self.env._now
        if self.deadlines:
            self.expire(now)
        if self.busy < self.servers:
            item[4] = now
            item[5] = self.next_service()
            self.busy += 1
            self.counts[self.index] += 1
            item[9] = SERVING
            item[10] = now
            self.serving[item[0]] = item
            At(self.env, item[5], item, self.finish)
            return True
        if self.waiting < self.capacity:
            self.admit(item, now)
            return True
        if self.overflow == "block":
            self.blocked.append((item, sender))
            return False
        if self.overflow == "drop_oldest" and self.waiting > 0:
            old = self.buffer.oldest()
            if old is not None:
                self.leave_waiting(old, now, Outcome.DROPPED)
                self.admit(item, now)
                return True
        drop = Outcome.DROPPED
        self.add((item[0], item[1], item[2], self.index, item[3], now, NAN, now, drop))
        return True

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

    def leave_waiting(self, item: list[Any], at: float, outcome: int) -> None:
        """A waiting visit leaves without service: dropped or expired."""
        item[9] = GONE
        self.work_queued -= item[5]
        self.waiting -= 1
        self.counts[self.index] -= 1
        self.add(
            (item[0], item[1], item[2], self.index, item[3], item[4], NAN, at, outcome)
        )
        self.admit_blocked()

    def expire(self, now: float) -> None:
        """Remove every waiting visit whose deadline has passed, at its deadline."""
        deadlines = self.deadlines
        while deadlines and deadlines[0][0] <= now:
            deadline, _, item = heapq.heappop(deadlines)
            if item[9] == WAITING:
                self.leave_waiting(item, deadline, Outcome.EXPIRED)

    def admit_blocked(self) -> None:
        """Room has opened: let the longest-blocked sender in."""
        if self.blocked and self.waiting < self.capacity:
            item, sender = self.blocked.popleft()
            self.admit(item, self.env.now)
            if sender is not None:
                sender.resume()

    # -- service ---------------------------------------------------------------------

    def finish(self, event: simpy.Event) -> None:
        item = event._value
        now = self.env._now
        del self.serving[item[0]]
        target = self.onward() if self.routed else None
        code = Outcome.COMPLETED if target is None else Outcome.FORWARDED
        # fmt: off
        self.add((item[0], item[1], item[2], self.index, item[3], item[4], item[10], now,
                  code))
        # fmt: on
        if target is None or target.accept(_visit(item), self):
            self.counts[self.index] -= 1
            self.take_next(now)
        # Otherwise the consumer holds the finished message until a full queue lets it in.

    def resume(self) -> None:
        """A consumer blocked on a full queue downstream has handed its message on."""
        self.counts[self.index] -= 1
        self.take_next(self.env.now)

    def take_next(self, now: float) -> bool:
        """A consumer is free: it serves the next waiting visit (True), or goes idle."""
        if self.deadlines:
            self.expire(now)
        if self.waiting:
            item = self.next_waiting()
            if item is not None:
                self.waiting -= 1
                self.work_queued -= item[5]
                item[9] = SERVING
                item[10] = now
                self.serving[item[0]] = item
                At(self.env, item[5], item, self.finish)
                if self.blocked:
                    self.admit_blocked()
                return True
        self.busy -= 1
        return False

    # -- the end of the run ----------------------------------------------------------

    def unfinished(self) -> list[tuple[list[Any], float]]:
        """Visits still here or blocked on the way in, with their start (or NaN)."""
        left = [(item, item[10]) for item in self.serving.values()]
        left += [(item, NAN) for item in self.buffer.items()]
        left += [(item, NAN) for item, _ in self.blocked]
        return left


class ScheduledStation(Station):
    """A station whose consumer count follows a staffing schedule.

    One event per boundary where the count changes: consumers added start on
    waiting messages at once; of those removed, idle ones leave at once and
    busy ones when they finish their message. A station left with nothing to
    do and nothing else scheduled in the run stops following its schedule
    (so a run that drains can end) and catches up when a message next comes.
    """

    def __init__(
        self, *args: Any, staffing: StaffingProfile, pending: list[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.staffing = staffing
        # Boundary events still to come, counted over every such station.
        self.pending = pending
        self.dormant = False
        self.servers = staffing.at_step(0)
        self.follow(0)

    def follow(self, step: int) -> None:
        """Schedule the next boundary after interval ``step`` at which the count changes."""
        change = self.staffing.next_change(step)
        if change is None:
            return
        later, _ = change
        at = later * self.staffing.interval
        self.pending[0] += 1
        At(self.env, max(at - self.env._now, 0.0), later, self.restaff)

    def restaff(self, event: simpy.Event) -> None:
        self.pending[0] -= 1
        step = event._value
        self.servers = self.staffing.at_step(step)
        now = self.env._now
        while self.busy < self.servers and self.waiting:
            self.busy += 1
            if not self.take_next(now):
                break
        others = len(self.env._queue) - self.pending[0]
        if others > 0 or self.waiting or self.busy or self.blocked:
            self.follow(step)
        else:
            self.dormant = True

    def accept(self, item: list[Any], sender: Sender | None) -> bool:
        if self.dormant:
            self.dormant = False
            step = self.staffing.step_at(self.env._now)
            self.servers = self.staffing.at_step(step)
            self.follow(step)
        return super().accept(item, sender)

    def work_left(self) -> float:
        if self.servers == 0:
            return INF if self.waiting or self.busy else 0.0
        return super().work_left()

    def take_next(self, now: float) -> bool:
        if self.busy > self.servers:  # the schedule has removed this consumer
            self.busy -= 1
            return False
        return super().take_next(now)


def _visit(item: list[Any]) -> list[Any]:
    """The next visit of a message that leaves one queue for another."""
    return [
        item[0],
        item[1],
        item[2],
        item[3],
        NAN,
        0.0,
        INF,
        item[7],
        item[8],
        WAITING,
        NAN,
    ]


class Router:
    """A balancer: a zero-time choice of the node that takes each message."""

    def __init__(
        self,
        env: simpy.Environment,
        choose: Callable[[int], int],
        targets: list[Node],
    ) -> None:
        self.env = env
        self.choose = choose
        self.targets = targets
        self.keyed = False  # whether the policy reads the message's key
        # Departures computed in advance (see fifo.py), applied before a policy
        # that reads the counts chooses; an empty list if it reads none.
        self.due: list[tuple[float, int, tuple[Any, ...]]] = []
        self.settle: Callable[[float], None] = lambda now: None

    @property
    def count(self) -> int:
        return sum(t.count for t in self.targets)

    def work_left(self) -> float:
        return min(t.work_left() for t in self.targets)

    def accept(self, item: list[Any], sender: Sender | None) -> bool:
        due = self.due
        if due and due[0][0] <= self.env._now:
            self.settle(self.env._now)
        if self.keyed:
            key = item[8] if item[8] is not None else item[0]
            return self.targets[self.choose(key)].accept(item, sender)
        return self.targets[self.choose(0)].accept(item, sender)


def onward_choice(
    routes: list[tuple[Node | None, float]], draw: Callable[[], float]
) -> Callable[[], Node | None]:
    """Where a finished message goes: one fixed node (None: out), or a draw."""
    if len(routes) == 1:
        only = routes[0][0]
        return lambda: only
    nodes = [node for node, _ in routes]
    cumulative: list[float] = []
    total = 0.0
    for _, p in routes:
        total += p
        cumulative.append(total)
    cumulative[-1] = math.inf
    return lambda: nodes[bisect.bisect_right(cumulative, draw())]


def uniform_stream(rng: Any) -> Callable[[], float]:
    """Uniform [0, 1) numbers from a generator, a block at a time."""
    return variates(rng.random)
