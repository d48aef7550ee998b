"""Replay of recorded arrival times from one column of a CSV file.

The column holds numeric timestamps (in ``unit``, seconds by default; epoch
seconds and milliseconds both work) or clock times ``H:MM:SS`` (seconds may
have decimals). The trace is replayed relative to its first timestamp, which
becomes time 0, optionally ``speed`` times faster. The timestamps must not
decrease: an unsorted trace is refused rather than silently reordered, and a
trace needs at least two distinct times. The stream ends with the last one.

Its ``rate`` is the number of intervals over the span, ``(n - 1) / span``, and
its ``scv`` that of the n - 1 recorded intervals (population variance).

Limits: clock times count from midnight, so a trace that crosses midnight
needs numeric timestamps.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from pydantic import PrivateAttr, ValidationInfo, field_validator, model_validator

from pushsim.quantities import Model, format_duration, format_rate

from ._common import (
    FloatArray,
    FrozenArray,
    PositiveNumber,
    check_block,
    check_factor,
    scv,
)
from ._files import check_unit, read_column, timestamps, where

__all__ = ["TraceArrivals"]


class TraceArrivals(Model):
    """Arrivals at the times recorded in ``column`` of CSV ``file``."""

    process: Literal["trace"] = "trace"
    file: str
    column: str
    unit: str = "s"
    speed: PositiveNumber = 1.0

    _offsets: FrozenArray = PrivateAttr()

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        return check_unit(unit)

    @model_validator(mode="after")
    def _load(self, info: ValidationInfo) -> TraceArrivals:
        place = where(self.file, self.column)
        cells = read_column(self.file, self.column, info)
        stamps = timestamps(cells, place, self.unit)
        backwards = np.flatnonzero(np.diff(stamps) < 0)
        if backwards.size:
            i = int(backwards[0])
            raise ValueError(
                f"column: {place} must be sorted in time, but line {i + 3} "
                f"({cells.iloc[i + 1]!r}) is earlier than line {i + 2} ({cells.iloc[i]!r})"
            )
        if stamps.size < 2 or stamps[-1] == stamps[0]:
            raise ValueError(
                f"column: {place} must hold at least two distinct times, "
                f"got {stamps.size} row{'s' if stamps.size != 1 else ''} spanning 0s"
            )
        self._offsets = FrozenArray(stamps - stamps[0])
        return self

    @property
    def times(self) -> FloatArray:
        """The arrival times in seconds from 0, at the replay speed."""
        return self._offsets.array / self.speed

    @property
    def duration(self) -> float:
        """Seconds from the first arrival to the last, at the replay speed."""
        return float(self._offsets.array[-1]) / self.speed

    @property
    def rate(self) -> float:
        """Arrivals per second over the trace: intervals divided by the span."""
        return (self._offsets.array.size - 1) / self.duration

    @property
    def scv(self) -> float:
        """Squared coefficient of variation of the recorded intervals."""
        intervals = np.diff(self._offsets.array)
        return scv(float(np.mean(intervals)), float(np.var(intervals)))

    def scaled(self, factor: float) -> TraceArrivals:
        """The same trace replayed ``factor`` times faster (times divided by it)."""
        return self.model_copy(update={"speed": self.speed * check_factor(factor)})

    def stream(
        self, rng: np.random.Generator, block: int = 4096
    ) -> Iterator[FloatArray]:
        """Blocks of ``block`` arrival times from 0; ends with the trace (``rng`` is unused)."""
        block = check_block(block)
        times = self.times
        for start in range(0, times.size, block):
            yield times[start : start + block].copy()

    def describe(self) -> str:
        """A short readable form, such as ``trace(file 'a.csv', column 't': 900 ...)``."""
        faster = f", speed={self.speed:g}" if self.speed != 1.0 else ""
        return (
            f"trace({where(self.file, self.column)}: {self._offsets.array.size} arrivals "
            f"over {format_duration(self.duration)}, {format_rate(self.rate)}{faster})"
        )
