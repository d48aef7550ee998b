"""Arrival processes of a producer, as one union chosen by the ``process`` key.

- ``poisson``: independent exponential intervals at ``rate``;
- ``deterministic``: evenly spaced, one every ``1 / rate`` seconds;
- ``renewal``: independent intervals drawn from the law ``interarrival``
  (a law mapping or a bare duration);
- ``mmpp``, ``onoff``, ``profile``: see :mod:`.modulated`;
- ``trace``: see :mod:`.trace`.

Every process has ``rate`` (long-run arrivals per second, exact), ``scv``
(squared coefficient of variation of the stationary interval, or None where
it is not defined), ``describe()``, ``scaled(factor)`` (a copy whose rate is
multiplied by ``factor``, for load sweeps) and ``stream(rng, block=4096)``:
an iterator of float64 arrays of absolute arrival times in seconds from 0,
non-decreasing within and across blocks, ``block`` times an array (a finite
trace, or a profile that does not repeat, ends the iterator, its last block
possibly shorter). A stream draws only from the Generator it is given; the
same seed and block size give the same times, bit for bit.

The renewal processes are ordinary: their first arrival comes one full
interval after time 0 (the deterministic one at exactly ``1 / rate``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal, TypeAlias

import numpy as np
from pydantic import model_validator

from pushsim.quantities import Model, PositiveRate, format_rate, tagged_union

from ._common import FloatArray, check_block, check_factor
from .laws import LawField
from .modulated import MMPPArrivals, OnOffArrivals, ProfileArrivals
from .trace import TraceArrivals

__all__ = [
    "ARRIVAL_PROCESSES",
    "ArrivalProcess",
    "DeterministicArrivals",
    "PoissonArrivals",
    "RenewalArrivals",
]


class PoissonArrivals(Model):
    """A Poisson process: independent exponential intervals of mean ``1 / rate``."""

    process: Literal["poisson"] = "poisson"
    rate: PositiveRate

    @property
    def scv(self) -> float:
        """Squared coefficient of variation of the interval: 1."""
        return 1.0

    def scaled(self, factor: float) -> PoissonArrivals:
        """The same process with its rate multiplied by ``factor``."""
        return self.model_copy(update={"rate": self.rate * check_factor(factor)})

    def stream(
        self, rng: np.random.Generator, block: int = 4096
    ) -> Iterator[FloatArray]:
        """Blocks of ``block`` arrival times in seconds from 0, forever."""
        block = check_block(block)
        mean = 1.0 / self.rate
        last = 0.0
        while True:
            times = last + np.cumsum(rng.exponential(mean, block))
            last = float(times[-1])
            yield times

    def describe(self) -> str:
        """A short readable form, such as ``poisson(rate=800/s)``."""
        return f"poisson(rate={format_rate(self.rate)})"


class DeterministicArrivals(Model):
    """Evenly spaced arrivals, the k-th at exactly ``k / rate`` seconds."""

    process: Literal["deterministic"] = "deterministic"
    rate: PositiveRate

    @property
    def scv(self) -> float:
        """Squared coefficient of variation of the interval: 0."""
        return 0.0

    def scaled(self, factor: float) -> DeterministicArrivals:
        """The same process with its rate multiplied by ``factor``."""
        return self.model_copy(update={"rate": self.rate * check_factor(factor)})

    def stream(
        self, rng: np.random.Generator, block: int = 4096
    ) -> Iterator[FloatArray]:
        """Blocks of ``block`` arrival times in seconds from 0, forever (``rng`` is unused)."""
        block = check_block(block)
        done = 0
        while True:
            # k / rate from the index, so that no rounding accumulates
            yield np.arange(done + 1, done + block + 1, dtype=np.float64) / self.rate
            done += block

    def describe(self) -> str:
        """A short readable form, such as ``deterministic(rate=800/s)``."""
        return f"deterministic(rate={format_rate(self.rate)})"


class RenewalArrivals(Model):
    """Independent intervals drawn from the law ``interarrival``."""

    process: Literal["renewal"] = "renewal"
    interarrival: LawField

    @model_validator(mode="after")
    def _moves_on(self) -> RenewalArrivals:
        if not self.interarrival.mean > 0:
            raise ValueError(
                "interarrival: must have a mean > 0, got "
                f"{self.interarrival.describe()}"
            )
        return self

    @property
    def rate(self) -> float:
        """Long-run arrivals per second: 1 / the mean interval."""
        return 1.0 / self.interarrival.mean

    @property
    def scv(self) -> float:
        """Squared coefficient of variation of the interval: the law's scv."""
        return self.interarrival.scv

    def scaled(self, factor: float) -> RenewalArrivals:
        """The same process with every interval divided by ``factor``."""
        law = self.interarrival.time_scaled(1.0 / check_factor(factor))
        return self.model_copy(update={"interarrival": law})

    def stream(
        self, rng: np.random.Generator, block: int = 4096
    ) -> Iterator[FloatArray]:
        """Blocks of ``block`` arrival times in seconds from 0, forever."""
        block = check_block(block)
        last = 0.0
        while True:
            times = last + np.cumsum(self.interarrival.sample(rng, block))
            last = float(times[-1])
            yield times

    def describe(self) -> str:
        """A short readable form, such as ``renewal(interarrival=gamma(...))``."""
        return f"renewal(interarrival={self.interarrival.describe()})"


#: Every arrival process, in the order their names are listed in faults.
ARRIVAL_PROCESSES = (
    PoissonArrivals,
    DeterministicArrivals,
    RenewalArrivals,
    MMPPArrivals,
    OnOffArrivals,
    ProfileArrivals,
    TraceArrivals,
)

if TYPE_CHECKING:
    ArrivalProcess: TypeAlias = (
        PoissonArrivals
        | DeterministicArrivals
        | RenewalArrivals
        | MMPPArrivals
        | OnOffArrivals
        | ProfileArrivals
        | TraceArrivals
    )
else:
    ArrivalProcess = tagged_union(ARRIVAL_PROCESSES, "process")
