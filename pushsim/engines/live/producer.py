"""The live producers: tasks that publish on absolute deadlines.

A producer takes its arrival instants from the scenario's arrival process
and, for each, waits until that instant of scenario time (not for an
interval after the previous one, so a late wake-up is not carried into the
next), draws the message's class, key and fan-out, and offers each delivery
to its target. A full blocking queue makes the task really wait; its later
arrivals move back by the time it waited, as in the simulator.

Every draw comes from the stream the simulator uses for it (``arrivals/P``,
``classes/P``, ``keys/P/C``, ``fanout/P``), drawn in the same blocks and the
same order, so with the same seed a live run publishes the simulator's
messages at the simulator's instants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any

import numpy as np

from pushsim.distributions import FixedCount
from pushsim.engines.base import RecordLog
from pushsim.engines.live.clock import Clock
from pushsim.engines.live.station import WAITING, Target
from pushsim.engines.streams import Streams, law_variates, variates
from pushsim.scenario import KeySpace, Producer

__all__ = ["Counter", "LiveProducer"]

NAN = float("nan")
INF = float("inf")
#: Every this many + 1 messages a producer moves the records into arrays.
FLUSH_MASK = RecordLog.FLUSH // 4 - 1


class Counter:
    """Numbers shared by every producer of a run: ids, and when to stop."""

    def __init__(self, messages: int | None, last: Callable[[], None]) -> None:
        self.published = 0  # messages created so far, and the next one's number
        self.deliveries = 0  # deliveries created so far, and the next one's number
        self.limit = messages if messages is not None else -1
        self.last = last  # called once the last message the run asks for is out

    def full(self) -> bool:
        """Whether the run has published every message it asks for."""
        return self.published == self.limit


def _keys(space: KeySpace, rng: np.random.Generator) -> Callable[[], float]:
    """Keys uniform over the key space, or Zipf-weighted by rank."""
    if space.zipf == 0:
        return variates(lambda size: rng.integers(0, space.count, size))
    weights = 1.0 / np.arange(1, space.count + 1, dtype=float) ** space.zipf
    cumulative = np.cumsum(weights)
    cumulative /= cumulative[-1]
    return variates(
        lambda size: np.searchsorted(cumulative, rng.random(size), side="right")
    )


def _classes(spec: Producer, rng: np.random.Generator) -> Callable[[], float]:
    """The index of each message's class, by the classes' shares."""
    if len(spec.classes) == 1:
        return lambda: 0.0
    cumulative = np.cumsum([c.share for c in spec.classes])
    cumulative[-1] = np.inf
    return variates(
        lambda size: np.searchsorted(cumulative, rng.random(size), side="right")
    )


class LiveProducer:
    """One producer of the scenario, run as a task."""

    def __init__(
        self,
        name: str,
        spec: Producer,
        class_ids: list[int],
        streams: Streams,
        target: Target,
        clock: Clock,
        counter: Counter,
        lateness: Callable[[float], None],
        flush: Callable[[], None],
    ) -> None:
        self.clock = clock
        self.target = target
        self.counter = counter
        self.lateness = lateness
        self.flush = flush
        blocks = spec.arrivals.stream(streams.generator(f"arrivals/{name}"))
        self.times: Iterator[float] = chain.from_iterable(b.tolist() for b in blocks)
        self.class_ids = class_ids
        self.priorities = [c.priority for c in spec.classes]
        self.keys = [
            _keys(c.key, streams.generator(f"keys/{name}/{c.name}")) if c.key else None
            for c in spec.classes
        ]
        self.next_class = _classes(spec, streams.generator(f"classes/{name}"))
        if isinstance(spec.fanout, FixedCount):
            fixed = spec.fanout.value
            self.next_fanout: Callable[[], int] = lambda: fixed
        else:
            draw = law_variates(spec.fanout, streams.generator(f"fanout/{name}"))
            self.next_fanout = lambda: int(draw())
        self.offset = 0.0  # scenario seconds the producer spent blocked
        self.pending: list[list[Any]] = []  # deliveries created, not yet offered

    async def run(self) -> None:
        """Publish until the arrivals end or the run has all its messages."""
        clock, counter = self.clock, self.counter
        for at in self.times:
            self.lateness(await clock.sleep_until(at + self.offset))
            if counter.full():
                return  # another producer published the last message
            published = counter.published
            counter.published = published + 1
            self.pending = self.deliveries(published, clock.now())
            await self.dispatch()
            if published & FLUSH_MASK == 0:
                self.flush()
            if counter.full():
                counter.last()
                return

    def deliveries(self, published: int, now: float) -> list[list[Any]]:
        """The deliveries of one published message: its class, key and fan-out."""
        which = int(self.next_class())
        key_draw = self.keys[which]
        key = int(key_draw()) if key_draw is not None else None
        cls, priority = self.class_ids[which], self.priorities[which]
        counter = self.counter
        first = counter.deliveries
        count = self.next_fanout()
        counter.deliveries = first + count
        return [
            [first + j, published, cls, now, NAN, 0.0, INF, priority, key, WAITING, NAN]
            for j in range(count)
        ]

    async def dispatch(self) -> None:
        """Offer the pending deliveries in turn, waiting while a full queue says so."""
        pending = self.pending
        while pending:
            room = self.target.offer(pending.pop(0))
            if room is not None:
                blocked_at = self.clock.now()
                await room
                self.offset += self.clock.now() - blocked_at
