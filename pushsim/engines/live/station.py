"""The live nodes: a queue served by consumer tasks, and a balancer.

A :class:`LiveQueue` is an asynchronous queue with the scenario's capacity
(messages waiting, not counting those in service), discipline, overflow rule
and time-to-live; each of its consumers is an asyncio task that takes the
next message, does the work (a sleep of the drawn service time, or the
user's handler) and passes the message on. A message offered while a
consumer is idle goes straight to that consumer; a full queue with
``overflow: block`` makes the sender (a producer, or a consumer upstream
holding its finished message) really wait until there is room. A consumer
count that follows a staffing schedule starts and ends consumer tasks at
the boundaries (:meth:`LiveQueue.follow`).

The waiting room is the simulator's own
(:class:`pushsim.engines.waiting.WaitingRoom`): the same visits, admitted,
expired and dropped by the same code, with the service time drawn when a
visit is admitted, in the order of admission, so with the same seed both
engines give the n-th visit of a queue the same service time. Expiry is
settled when the queue next acts (an offer, a free consumer) and recorded at
the deadline itself. What is the live engine's own is how a visit reaches a
consumer (an idle consumer's future, or :meth:`LiveQueue.take`) and how a
blocked sender is woken (its future is set).
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, Protocol

from pushsim.engines.base import Outcome, RecordLog
from pushsim.engines.live.clock import Clock
from pushsim.engines.waiting import SERVING, WaitingRoom, next_visit
from pushsim.scenario import Queue

__all__ = ["LiveQueue", "LiveRouter", "Target"]

NAN = math.nan
INF = math.inf

#: A consumer's work on one visit; returns whether it failed.
Work = Callable[["LiveQueue", list[Any]], Awaitable[bool]]


class Target(Protocol):
    """A queue or a balancer: something a message can be offered to."""

    @property
    def count(self) -> int:
        """Messages there: waiting, in service, or held after service."""
        ...

    def work_left(self) -> float:
        """Seconds of drawn work waiting and in service there, per consumer."""
        ...

    def offer(self, item: list[Any]) -> asyncio.Future[None] | None:
        """Take a visit; a future to await if the sender must wait for room."""
        ...


class LiveQueue(WaitingRoom):
    """A queue and its consumer group, as asyncio tasks on one event loop."""

    def __init__(
        self,
        clock: Clock,
        index: int,
        spec: Queue,
        service: Callable[[], float],
        patience: Callable[[], float] | None,
        records: RecordLog,
        priorities: list[int],
        counts: list[int],
    ) -> None:
        super().__init__(index, spec, service, patience, records, priorities, counts)
        self.clock = clock
        self.staffing = spec.consumers.staffing
        self.servers = (
            spec.consumers.fixed_count
            if self.staffing is None
            else self.staffing.at_step(0)
        )
        self.leaving = 0  # consumers the schedule has removed that are still busy
        self.spawn: Callable[[], None] = lambda: None  # starts one more consumer task
        self.idle: deque[asyncio.Future[list[Any] | None]] = deque()
        self.onward: Callable[[], Target | None] = lambda: None

    def now(self) -> float:
        return self.clock.now()

    def work_left(self) -> float:
        """Seconds of drawn work waiting and left in service, per consumer."""
        if self.servers == 0:
            return INF if self.count else 0.0
        return super().work_left()

    # -- arrivals --------------------------------------------------------------------

    def offer(self, item: list[Any]) -> asyncio.Future[None] | None:
        """Take a visit: to an idle consumer, to wait, or dropped; or make it wait."""
        now = self.clock.now()
        if self.deadlines:
            self.expire(now)
        consumer = self._idle_consumer()
        if consumer is not None:
            item[4] = now
            self._start(item, now)
            consumer.set_result(item)
            return None
        if self.waiting < self.capacity:
            self.admit(item, now)
            return None
        if self.overflow == "block":
            room: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self.blocked.append((item, partial(_open, room)))
            return room
        if (
            self.overflow == "drop_oldest"
            and self.waiting > 0
            and self.drop_oldest(item, now)
        ):
            return None
        drop = Outcome.DROPPED
        self.add((item[0], item[1], item[2], self.index, item[3], now, NAN, now, drop))
        return None

    def _idle_consumer(self) -> asyncio.Future[list[Any] | None] | None:
        idle = self.idle
        while idle:
            consumer = idle.popleft()
            if not consumer.done():  # a consumer cancelled while idle is gone
                return consumer
        return None

    def _start(self, item: list[Any], now: float) -> None:
        """A visit goes to a consumer: it is in service from now."""
        item[5] = self.next_service()
        item[9] = SERVING
        item[10] = now
        self.counts[self.index] += 1
        self.serving[item[0]] = item

    # -- consumers -------------------------------------------------------------------

    def take(self) -> list[Any] | None:
        """The next waiting visit for a free consumer, now in service; or None."""
        now = self.clock.now()
        if self.deadlines:
            self.expire(now)
        if not self.waiting:
            return None
        item = self.next_waiting()
        if item is None:
            return None
        self.waiting -= 1
        self.work_queued -= item[5]
        item[9] = SERVING
        item[10] = now
        self.serving[item[0]] = item
        if self.blocked:
            self.admit_blocked()
        return item

    async def consume(self, work: Work) -> None:
        """One consumer: take, work, pass on; until the run or the schedule ends it."""
        loop = asyncio.get_running_loop()
        while True:
            if self.leaving:  # the schedule has removed a consumer: this one goes
                self.leaving -= 1
                return
            item = self.take()
            if item is None:
                ready: asyncio.Future[list[Any] | None] = loop.create_future()
                self.idle.append(ready)
                item = await ready
                if item is None:  # sent off duty while idle
                    return
            failed = await work(self, item)
            await self.finish(item, failed)

    # -- the staffing schedule -------------------------------------------------------

    async def follow(self, finished: Callable[[], bool]) -> None:
        """Change the consumers at each boundary of the schedule, as the simulator does.

        Added consumers start at once on waiting messages; of those removed,
        idle ones leave at once and busy ones when they finish their message.
        Stops when ``finished()`` says no message can come any more.
        """
        staffing = self.staffing
        if staffing is None:
            return
        step = 0
        while (change := staffing.next_change(step)) is not None:
            step, count = change
            await self.clock.sleep_until(step * staffing.interval)
            if finished():
                return
            self.restaff(count)

    def restaff(self, count: int) -> None:
        """From now on ``count`` consumers are on duty."""
        change = count - self.servers
        self.servers = count
        if change > 0:
            kept = min(self.leaving, change)  # those about to leave stay instead
            self.leaving -= kept
            for _ in range(change - kept):
                self.spawn()
            return
        self.leaving -= change
        while self.leaving:
            consumer = self._idle_consumer()
            if consumer is None:
                break
            consumer.set_result(None)
            self.leaving -= 1

    async def finish(self, item: list[Any], failed: bool) -> None:
        """Record a finished visit and hand the message on (waiting for room)."""
        finished = self.clock.now()
        del self.serving[item[0]]
        target = None if failed else self.onward()
        if failed:
            code = Outcome.FAILED
        else:
            code = Outcome.COMPLETED if target is None else Outcome.FORWARDED
        # fmt: off
        self.add((item[0], item[1], item[2], self.index, item[3], item[4], item[10],
                  finished, code))
        # fmt: on
        if target is not None:
            room = target.offer(next_visit(item))
            if room is not None:
                await room  # the consumer holds the message until there is room
        self.counts[self.index] -= 1


def _open(room: asyncio.Future[None]) -> None:
    """Let a sender waiting for room go on, unless it has stopped waiting."""
    if not room.done():  # a sender cancelled while blocked is gone
        room.set_result(None)


class LiveRouter:
    """A balancer: a zero-time choice of the node that takes each message."""

    def __init__(self) -> None:
        self.choose: Callable[[int], int] = lambda key: 0
        self.targets: Sequence[Target] = ()
        self.keyed = False  # whether the policy reads the message's key

    @property
    def count(self) -> int:
        """Messages at every target."""
        return sum(t.count for t in self.targets)

    def work_left(self) -> float:
        """The least work left at any target, per consumer."""
        return min(t.work_left() for t in self.targets)

    def offer(self, item: list[Any]) -> asyncio.Future[None] | None:
        """Send the visit to the target the policy chooses."""
        key = 0
        if self.keyed:
            key = item[8] if item[8] is not None else item[0]
        return self.targets[self.choose(key)].offer(item)
