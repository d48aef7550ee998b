"""The simulated nodes: a queue with its consumer group, and a balancer.

A visit in progress is a small list laid out as :mod:`pushsim.engines.waiting`
says. The waiting room (admission, expiry, ``drop_oldest``, blocked senders)
is that module's :class:`~pushsim.engines.waiting.WaitingRoom`, which the
live engine's queue shares; what is the simulator's own is how consumers
serve, and the arrival path each message takes.

A queue schedules one SimPy event per service: when a consumer finishes, it
records the visit, passes the message on and takes the next one itself, so
no process or event exists per waiting message. Time-to-live costs no event
either: expired visits are removed, at their deadline, whenever the queue
next has to decide something (an arrival, a free consumer). The simplest
queues, FIFO with nothing after service, need no event at all: see
:mod:`.fifo`.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from typing import Any, Protocol

import simpy
from simpy.events import NORMAL, Event

from pushsim.engines.base import Outcome, RecordLog
from pushsim.engines.waiting import SERVING, WaitingRoom, next_visit
from pushsim.scenario import Queue
from pushsim.scenario.staffing import StaffingProfile

__all__ = ["At", "Node", "Router", "ScheduledStation", "Sender", "Station"]

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


class Station(WaitingRoom):
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
        super().__init__(index, spec, service, patience, records, priorities, counts)
        self.env = env
        self.servers = spec.consumers.peak_count  # see ScheduledStation for a schedule
        self.busy = 0  # consumers serving or holding a finished message
        self.onward: Callable[[], Node | None] = lambda: None
        self.routed = False  # whether finished messages may go on to another node

    def now(self) -> float:
        return self.env._now

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
            self.blocked.append((item, _nobody if sender is None else sender.resume))
            return False
        if (
            self.overflow == "drop_oldest"
            and self.waiting > 0
            and self.drop_oldest(item, now)
        ):
            return True
        drop = Outcome.DROPPED
        self.add((item[0], item[1], item[2], self.index, item[3], now, NAN, now, drop))
        return True

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
        if target is None or target.accept(next_visit(item), self):
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


def _nobody() -> None:
    """The sender of a visit that came without one: nobody to tell it got in."""
