"""Random streams: one numpy Generator per source of randomness, from one seed.

A stream is named by what it drives (``arrivals/api``, ``service/push``,
``route/dispatch``) and derived from the scenario's seed, the replication and
that name only: ``SeedSequence(seed, spawn_key=(replication, *digest(name)))``.
The same seed gives the same numbers in any process, and adding a producer
or a queue does not change the streams of the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np

__all__ = ["BLOCK", "Streams", "law_variates", "variates"]

#: How many variates a stream draws at a time.
BLOCK = 4096


def _digest(name: str) -> tuple[int, int]:
    """Two 32-bit words of a stable hash of the stream's name."""
    raw = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(raw[:4], "little"), int.from_bytes(raw[4:], "little")


class Streams:
    """The random generators of one replication, each made on first use."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication

    def generator(self, name: str) -> np.random.Generator:
        """The generator of the stream called ``name``."""
        key = (self.replication, *_digest(name))
        sequence = np.random.SeedSequence(seed_entropy(self.seed), spawn_key=key)
        return np.random.Generator(np.random.PCG64(sequence))


def seed_entropy(seed: int) -> int:
    """The entropy a scenario seed gives (the seed itself, checked)."""
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return seed


def variates(
    draw: Callable[[int], np.ndarray], block: int = BLOCK
) -> Callable[[], float]:
    """``next()`` of an endless run of numbers drawn ``block`` at a time."""

    def run() -> Iterator[float]:
        while True:
            yield from draw(block).tolist()

    return run().__next__


class _Sampler(Protocol):
    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray: ...


def law_variates(
    law: _Sampler, rng: np.random.Generator, block: int = BLOCK
) -> Callable[[], float]:
    """``next()`` of an endless run of draws from ``law``, ``block`` at a time."""
    return variates(lambda size: law.sample(rng, size), block)
