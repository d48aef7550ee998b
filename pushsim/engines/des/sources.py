"""The simulated producers: arrivals on the process's own clock, classes, fan-out.

A producer schedules one SimPy event per published message, at the instant
its arrival process gives. At each it draws the message's class (and key),
the number of deliveries, and sends each delivery to its target. A full
blocking queue makes it wait: the deliveries not yet sent wait with it, and
its later arrivals are pushed back by the time it was blocked. The draws per
message are :class:`pushsim.engines.draws.Publisher`'s, which the live
engine's producers share.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import chain
from typing import Any

import simpy

from pushsim.engines.base import RecordLog
from pushsim.engines.des.nodes import At, Node
from pushsim.engines.draws import Publisher
from pushsim.engines.streams import Streams
from pushsim.engines.waiting import WAITING
from pushsim.scenario import Producer

__all__ = ["Clock", "Source"]

NAN = math.nan
#: Every this many + 1 messages a producer moves the records into arrays.
FLUSH_MASK = RecordLog.FLUSH // 4 - 1
INF = math.inf


class Clock:
    """Numbers shared by every producer of a run: ids, and when to stop."""

    def __init__(self, env: simpy.Environment, messages: int | None) -> None:
        self.published = 0  # messages created so far, and the next one's number
        self.deliveries = 0  # deliveries created so far, and the next one's number
        self.limit = messages if messages is not None else -1
        self.stop = env.event()

    def last_one(self) -> bool:
        """After a message is published: was it the last the run asks for?"""
        if self.published == self.limit:
            self.stop.succeed()
            return True
        return False


class Source(Publisher):
    """One producer of the scenario."""

    def __init__(
        self,
        env: simpy.Environment,
        name: str,
        spec: Producer,
        class_ids: list[int],
        streams: Streams,
        target: Node,
        clock: Clock,
        flush: Callable[[], None],
    ) -> None:
        super().__init__(name, spec, class_ids, streams)
        self.env = env
        self.flush = flush
        self.target = target
        self.clock = clock
        blocks = spec.arrivals.stream(streams.generator(f"arrivals/{name}"))
        self.next_time: Callable[[], float] = chain.from_iterable(
            block.tolist() for block in blocks
        ).__next__
        self.offset = 0.0
        self.blocked_since = NAN
        self.pending: list[list[Any]] = []
        # A simple producer's visits differ only in message, published and created_at.
        self.template = [0, 0, class_ids[0], 0.0, NAN, 0.0, INF, self.priorities[0], None,
                         WAITING, NAN]  # fmt: skip
        self.send = target.accept
        self.simple = (
            len(spec.classes) == 1 and spec.classes[0].key is None and not spec.fans_out
        )

    def start(self) -> None:
        self.schedule_next()

    def schedule_next(self) -> None:
        try:
            at = self.next_time() + self.offset
        except StopIteration:
            return
        delay = at - self.env._now  # the clock without the ``now`` property's call
        At(self.env, delay if delay > 0.0 else 0.0, None, self.arrive)

    def arrive(self, event: simpy.Event) -> None:
        clock = self.clock
        if clock.published == clock.limit:
            return  # another producer published the last message at this instant
        now = self.env._now
        published = clock.published
        clock.published = published + 1
        if self.simple:
            message = clock.deliveries
            clock.deliveries = message + 1
            item = self.template.copy()
            item[0], item[1], item[3] = message, published, now
            if not self.send(item, self):
                self.blocked_since = now
                return
        else:
            self.pending = self.deliveries(published, now, clock)
            if not self.dispatch():
                return
        if published & FLUSH_MASK == 0:
            self.flush()
        if clock.published == clock.limit:
            clock.last_one()  # the run's last message: stop it
            return
        # schedule_next(), written out: this runs once per message
        try:
            at = self.next_time() + self.offset
        except StopIteration:
            return
        delay = at - now
        At(self.env, delay if delay > 0.0 else 0.0, None, self.arrive)

    def dispatch(self) -> bool:
        """Send the pending deliveries; False if a full queue made the producer wait."""
        pending = self.pending
        while pending:
            item = pending.pop(0)
            if not self.target.accept(item, self):
                self.blocked_since = self.env.now
                return False
        return True

    def resume(self) -> None:
        """The blocked delivery was let in: send the rest, then carry on."""
        self.offset += self.env.now - self.blocked_since
        if self.dispatch() and not self.clock.last_one():
            self.schedule_next()

    def unfinished(self) -> list[list[Any]]:
        """Deliveries created but not yet sent when the run ended."""
        return list(self.pending)
