"""The draws both engines make alike: a message's class, key, fan-out and route.

Each comes from its own stream (``classes/P``, ``keys/P/C``, ``fanout/P``,
``route/Q``; see :mod:`pushsim.engines.streams`), drawn in blocks and in the
order the engine asks. A :class:`Publisher`, the part of a producer both
engines share, draws for each published message its class, then its key if
that class has a key space, then its number of deliveries, and lays out the
deliveries as visits (see :mod:`pushsim.engines.waiting`). A queue with more
than one route after service draws one uniform number per finished visit
(:func:`onward_choice`). With the same seed both engines therefore publish
the same messages and send them the same way.

Keys are uniform over the key space or, with ``zipf > 0``, key ``k`` with
weight ``1 / (k + 1) ** zipf``, by inverting the cumulative weights: one
search per key in a table of the key space's size, built once.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

import numpy as np

from pushsim.distributions import FixedCount
from pushsim.engines.streams import Streams, law_variates, variates
from pushsim.engines.waiting import WAITING
from pushsim.scenario import EXIT, KeySpace, Producer, Queue

__all__ = ["Numbering", "Publisher", "onward_choice", "uniform_stream"]

NAN = math.nan
INF = math.inf

N = TypeVar("N")


class Numbering(Protocol):
    """The run's numbering of deliveries, shared by its producers."""

    #: Deliveries created so far, and the next one's number.
    deliveries: int


class Publisher:
    """What a producer draws for each message it publishes: class, key, fan-out.

    ``class_ids`` are the run-wide indices of the producer's classes, in the
    order of ``spec.classes``.
    """

    def __init__(
        self, name: str, spec: Producer, class_ids: list[int], streams: Streams
    ) -> None:
        self.class_ids = class_ids
        self.priorities = [c.priority for c in spec.classes]
        self.keys = [
            _keys(c.key, streams.generator(f"keys/{name}/{c.name}")) if c.key else None
            for c in spec.classes
        ]
        self.next_class = _classes(spec, streams.generator(f"classes/{name}"))
        fanout = spec.fanout
        if isinstance(fanout, FixedCount):
            fixed = fanout.value
            self.next_fanout: Callable[[], int] = lambda: fixed
        else:
            draw = law_variates(fanout, streams.generator(f"fanout/{name}"))
            self.next_fanout = lambda: int(draw())

    def deliveries(
        self, published: int, now: float, numbering: Numbering
    ) -> list[list[Any]]:
        """The deliveries of one published message: its class, key and fan-out."""
        which = int(self.next_class())
        key_draw = self.keys[which]
        key = int(key_draw()) if key_draw is not None else None
        cls, priority = self.class_ids[which], self.priorities[which]
        first = numbering.deliveries
        count = self.next_fanout()
        numbering.deliveries = first + count
        return [
            [first + j, published, cls, now, NAN, 0.0, INF, priority, key, WAITING, NAN]
            for j in range(count)
        ]


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


def onward_choice(
    name: str, spec: Queue, nodes: Mapping[str, N], streams: Streams
) -> Callable[[], N | None]:
    """Where a message goes after service at queue ``name``: a node, or None (out).

    With one route the answer is fixed. With more, a message takes the first
    route whose cumulative probability exceeds a uniform number drawn from
    the queue's ``route/<name>`` stream (the last route takes what rounding
    leaves over).
    """
    routes = [
        (None if target == EXIT else nodes[target], p)
        for target, p in spec.consumers.routes()
    ]
    if len(routes) == 1:
        only = routes[0][0]
        return lambda: only
    draw = uniform_stream(streams.generator(f"route/{name}"))
    choices = [node for node, _ in routes]
    cumulative: list[float] = []
    total = 0.0
    for _, p in routes:
        total += p
        cumulative.append(total)
    cumulative[-1] = INF
    return lambda: choices[bisect.bisect_right(cumulative, draw())]


def uniform_stream(rng: np.random.Generator) -> Callable[[], float]:
    """Uniform [0, 1) numbers from a generator, a block at a time."""
    return variates(rng.random)
