"""The live producers: tasks that publish on absolute deadlines.

A producer takes its arrival instants from the scenario's arrival process
and, for each, waits until that instant of scenario time (not for an
interval after the previous one, so a late wake-up is not carried into the
next), draws the message's class, key and fan-out, and offers each delivery
to its target. A full blocking queue makes the task really wait; its later
arrivals move back by the time it waited, as in the simulator.

Every draw comes from the stream the simulator uses for it (``arrivals/P``,
``classes/P``, ``keys/P/C``, ``fanout/P``), drawn in the same blocks and the
same order, by the same code (:class:`pushsim.engines.draws.Publisher`), so
with the same seed a live run publishes the simulator's messages at the
simulator's instants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any

from pushsim.engines.base import RecordLog
from pushsim.engines.draws import Publisher
from pushsim.engines.live.clock import Clock
from pushsim.engines.live.station import Target
from pushsim.engines.streams import Streams
from pushsim.scenario import Producer

__all__ = ["Counter", "LiveProducer"]

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


class LiveProducer(Publisher):
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
        super().__init__(name, spec, class_ids, streams)
        self.clock = clock
        self.target = target
        self.counter = counter
        self.lateness = lateness
        self.flush = flush
        blocks = spec.arrivals.stream(streams.generator(f"arrivals/{name}"))
        self.times: Iterator[float] = chain.from_iterable(b.tolist() for b in blocks)
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
            self.pending = self.deliveries(published, clock.now(), counter)
            await self.dispatch()
            if published & FLUSH_MASK == 0:
                self.flush()
            if counter.full():
                counter.last()
                return

    async def dispatch(self) -> None:
        """Offer the pending deliveries in turn, waiting while a full queue says so."""
        pending = self.pending
        while pending:
            room = self.target.offer(pending.pop(0))
            if room is not None:
                blocked_at = self.clock.now()
                await room
                self.offset += self.clock.now() - blocked_at
