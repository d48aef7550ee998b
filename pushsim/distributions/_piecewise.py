"""Exact arrivals of a Poisson process whose rate is constant on each segment.

An MMPP or on/off source, given the path of its modulating state, and a rate
profile are Poisson processes whose rate is piecewise constant. Such a process
is drawn exactly, with no thinning and no time step: the count on a segment of
length d and rate r is Poisson(r d), and given the count the arrival times are
independent and uniform on the segment. Segments are handled in groups that
expect about one block of arrivals, so each group costs a few vectorised numpy
calls; a segment that expects more than a block is walked in windows that
expect one block each, so memory stays bounded whatever the rates.

Cost: proportional to the number of segments plus the number of arrivals.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator

import numpy as np

from ._common import FloatArray

__all__ = ["piecewise_poisson", "rebatch"]

#: Segments are drawn at most this many at a time.
MAX_SEGMENTS = 1 << 16


def rebatch(chunks: Iterable[FloatArray], block: int) -> Iterator[FloatArray]:
    """The concatenated chunks cut into blocks of ``block`` (the last may be shorter)."""
    pending: list[FloatArray] = []
    size = 0
    for chunk in chunks:
        if chunk.size == 0:
            continue
        pending.append(chunk)
        size += chunk.size
        if size < block:
            continue
        joined = np.concatenate(pending)
        cut = size - size % block
        for start in range(0, cut, block):
            yield joined[start : start + block]
        pending = [joined[cut:]] if cut < size else []
        size -= cut
    if size:
        yield np.concatenate(pending)


def piecewise_poisson(
    rng: np.random.Generator,
    segments: Iterable[tuple[FloatArray, FloatArray]],
    block: int,
) -> Iterator[FloatArray]:
    """Arrival times from 0 of a Poisson process, in blocks of ``block``.

    ``segments`` yields batches ``(durations, rates)`` of consecutive segments
    in time order (seconds, per second); a finite iterable ends the process.
    """
    return rebatch(_chunks(rng, segments, block), block)


def _chunks(
    rng: np.random.Generator,
    segments: Iterable[tuple[FloatArray, FloatArray]],
    target: int,
) -> Iterator[FloatArray]:
    origin = 0.0
    for durations, rates in segments:
        if durations.size == 0:
            continue
        ends = origin + np.cumsum(durations)
        starts = np.concatenate(([origin], ends[:-1]))
        origin = float(ends[-1])
        expected = durations * rates
        for lo, hi in _groups(expected, target):
            if hi - lo == 1 and expected[lo] > target:
                yield from _walk(
                    rng, float(starts[lo]), float(ends[lo]), float(rates[lo]), target
                )
            else:
                yield _scatter(rng, starts[lo:hi], ends[lo:hi], expected[lo:hi])


def _groups(expected: FloatArray, target: int) -> Iterator[tuple[int, int]]:
    """Index ranges of consecutive segments expecting about ``target`` arrivals.

    A segment that alone expects more than ``target`` is a range of its own.
    """
    large = expected > target
    group = np.floor(np.cumsum(expected) / target)
    change = np.flatnonzero((np.diff(group) != 0) | large[1:] | large[:-1]) + 1
    edges = [0, *change.tolist(), expected.size]
    return itertools.pairwise(edges)


def _scatter(
    rng: np.random.Generator,
    starts: FloatArray,
    ends: FloatArray,
    expected: FloatArray,
) -> FloatArray:
    """Sorted arrival times on consecutive segments, each with its expected count."""
    counts = rng.poisson(expected)
    low = np.repeat(starts, counts)
    high = np.repeat(ends, counts)
    times = low + (high - low) * rng.random(low.size)
    # keep rounding from carrying a time past its segment's end
    np.minimum(times, high, out=times)
    times.sort()
    return times


def _walk(
    rng: np.random.Generator,
    start: float,
    end: float,
    rate: float,
    target: int,
) -> Iterator[FloatArray]:
    """Sorted arrival times on one long segment, a window of ``target`` expected at a time."""
    width = target / rate
    windows = max(1, math.ceil((end - start) / width))
    for k in range(windows):
        low = start + k * width
        high = min(start + (k + 1) * width, end)
        if high <= low:
            break
        times = low + (high - low) * rng.random(int(rng.poisson(rate * (high - low))))
        np.minimum(times, high, out=times)
        times.sort()
        yield times
