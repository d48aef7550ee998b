"""Balancing policies: which of several nodes takes the next message.

The same policy functions serve the simulator and the live engine. A policy
sees its targets through two functions the engine gives it: ``loads()``, the
number of messages waiting or in service at each target, and ``work()``, the
seconds of work waiting and in service at each, per consumer. Every random
choice comes from the balancer's own stream, drawn in blocks.

- ``random``: uniform over the targets.
- ``weighted``: by the given weights.
- ``round_robin``: in turn.
- ``jsq``: the target with the fewest messages; ties broken uniformly at
  random (the ``int(u * ties)``-th tied target in order, for a uniform ``u``
  drawn only when there is a tie). Each choice scans the counts, which the
  engine may hand over as the live list itself to save a call: with tens of
  targets a scan in C costs less than keeping them sorted by count in Python.
- ``power_of_d``: ``d`` distinct targets sampled at random, the one with the
  fewest messages of those (Mitzenmacher's supermarket model).
- ``least_work_left``: the target with the least work left per consumer.
- ``consistent_hash``: a hash ring with virtual points per target; a message
  goes to the first point after the hash of its key, so the same key always
  reaches the same target while the set of targets stays the same.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from pushsim.engines.draws import uniform_stream
from pushsim.engines.streams import variates
from pushsim.scenario import Balancer

__all__ = ["make_policy"]

#: Virtual points per target on the consistent-hash ring.
RING_POINTS = 160

_MASK64 = (1 << 64) - 1

Counts = Callable[[], Sequence[int]]
Work = Callable[[], Sequence[float]]
Choose = Callable[[int], int]


def _fewest(counts: Sequence[float], u: Callable[[], float]) -> int:
    """The index of the smallest count; ties broken uniformly by a draw of ``u``.

    The draw is taken only when there is a tie to break.
    """
    # An idle target is the common case below saturation: one C-level pass
    # finds it without comparing every pair, as min() would.
    ties = counts.count(0)
    if ties:
        best = 0.0
    else:
        best = min(counts)
        ties = counts.count(best)
    at = counts.index(best)
    if ties > 1:
        for _ in range(int(u() * ties)):
            at = counts.index(best, at + 1)
    return at


def _fewest_messages(
    counts: Sequence[int], u: Callable[[], float], key: int = 0
) -> int:
    """:func:`_fewest` for counts of messages, which are whole numbers >= 0.

    With no target idle, one with a single message is the next most common
    case; a count finds it faster than min() finds the smallest. ``key`` (the
    message's) is not read: it lets the function be a policy as it is.
    """
    ties = counts.count(0)
    if ties:
        best = 0
    else:
        ties = counts.count(1)
        if ties:
            best = 1
        else:
            best = min(counts)
            ties = counts.count(best)
    at = counts.index(best)
    if ties > 1:
        for _ in range(int(u() * ties)):
            at = counts.index(best, at + 1)
    return at


def _shortest(loads: Counts, u: Callable[[], float]) -> Choose:
    """Join the shortest queue: :func:`_fewest_messages` of the current loads."""
    return lambda key: _fewest_messages(loads(), u)


def _mix64(value: int) -> int:
    """splitmix64's finaliser: a fast, well-spread hash of an integer key."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def _ring(names: Sequence[str]) -> tuple[list[int], list[int]]:
    points: list[tuple[int, int]] = []
    for index, name in enumerate(names):
        for replica in range(RING_POINTS):
            raw = hashlib.blake2b(f"{name}#{replica}".encode(), digest_size=8).digest()
            points.append((int.from_bytes(raw, "little"), index))
    points.sort()
    return [p for p, _ in points], [i for _, i in points]


def make_policy(
    balancer: Balancer,
    names: Sequence[str],
    rng: np.random.Generator,
    *,
    loads: Counts,
    work: Work,
    counts: Sequence[int] | None = None,
) -> Choose:
    """A function from a message's key to the index of the target it goes to.

    ``names`` are the targets' names (the hash ring is built on them);
    ``loads`` and ``work`` give the targets' current numbers, in that order.
    ``counts``, if given, is the very sequence that ``loads()`` returns, kept
    current by the engine: ``jsq`` then reads it without the call.
    """
    n = len(names)
    policy = balancer.policy

    if policy == "random":
        draw = variates(lambda size: rng.integers(0, n, size))
        return lambda key: int(draw())

    if policy == "weighted":
        weights = np.asarray(balancer.weights, dtype=float)
        cumulative = (np.cumsum(weights) / weights.sum()).tolist()
        cumulative[-1] = 1.0
        u = uniform_stream(rng)
        return lambda key: bisect.bisect_right(cumulative, u())

    if policy == "round_robin":
        turn = [-1]

        def next_in_turn(key: int) -> int:
            turn[0] = (turn[0] + 1) % n
            return turn[0]

        return next_in_turn

    if policy == "jsq":
        u = uniform_stream(rng)
        if counts is None:
            return _shortest(loads, u)
        return partial(_fewest_messages, counts, u)

    if policy == "power_of_d":
        d = balancer.choices
        u = uniform_stream(rng)

        # d distinct indices per message, drawn for 512 messages at a time.
        def distinct(size: int) -> np.ndarray:
            rows = np.tile(np.arange(n), (size // d, 1))
            return rng.permuted(rows, axis=1)[:, :d].ravel()

        samples = variates(distinct, block=512 * d)

        def shortest_of_d(key: int) -> int:
            chosen = [int(samples()) for _ in range(d)]
            counts = loads()
            return chosen[_fewest([counts[i] for i in chosen], u)]

        return shortest_of_d

    if policy == "least_work_left":
        u = uniform_stream(rng)
        return lambda key: _fewest(work(), u)

    if policy == "consistent_hash":
        points, owners = _ring(names)
        size = len(points)

        def owner(key: int) -> int:
            at = bisect.bisect_left(points, _mix64(key))
            return owners[at if at < size else 0]

        return owner

    raise ValueError(f"unknown balancing policy {policy!r}")
