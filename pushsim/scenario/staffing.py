"""A consumer count that changes over time: a staffing schedule by interval.

Written in a scenario in place of a fixed count::

    consumers:
      count: {profile: [4, 4, 6, 12, 12, 8], interval: 1h}
      service: {law: exponential, mean: 3min}

``profile[i]`` consumers serve during the i-th ``interval`` from time 0.
With ``repeat: true`` (the default) the schedule starts again after its
last interval, like a rate profile; with ``repeat: false`` the last count
stays from then on. A count may be 0 (nobody on duty; messages wait); the
interval is at least 1 ms.

How the engine applies a change at a boundary: added consumers start at
once on waiting messages; of the consumers removed, idle ones leave at once
and busy ones when they finish their message (no message is interrupted),
so for a moment after a decrease more consumers may be busy than the
schedule gives. Utilisation divides the busy time by the consumer time the
schedule gives (:meth:`StaffingProfile.consumer_time`).
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import Field, model_validator

from pushsim.quantities import Count, Model, PositiveDuration

__all__ = ["MAX_CONSUMERS", "StaffingProfile"]

#: The most consumers a group may have at once: each is simulated, and more
#: than this is a mistyped count rather than a fleet.
MAX_CONSUMERS = 100_000
#: The shortest interval of a schedule, in seconds.
SHORTEST_INTERVAL = 1e-3


class StaffingProfile(Model):
    """``profile[i]`` consumers during the i-th ``interval``, repeating or then held."""

    profile: tuple[Annotated[Count, Field(le=MAX_CONSUMERS)], ...] = Field(min_length=1)
    interval: PositiveDuration
    repeat: bool = True

    @model_validator(mode="after")
    def _someone_serves(self) -> StaffingProfile:
        if self.interval < SHORTEST_INTERVAL:
            raise ValueError(
                f"interval: must be at least 1ms (a fleet is not resized faster, and "
                f"each change is an event of the run), got {self.interval:g}s"
            )
        if max(self.profile) == 0:
            raise ValueError("profile: at least one count must be >= 1, got all 0")
        if not self.repeat and self.profile[-1] == 0:
            raise ValueError(
                "profile: without repeat the last count stays for the rest of the run, "
                "so it must be >= 1, got 0"
            )
        return self

    @property
    def period(self) -> float:
        """Seconds that the schedule spans before it repeats (or holds its last count)."""
        return len(self.profile) * self.interval

    @property
    def mean(self) -> float:
        """The time-average number of consumers over the profile's intervals."""
        return math.fsum(self.profile) / len(self.profile)

    @property
    def long_run_mean(self) -> float:
        """The mean number of consumers over a long run: over a period when the
        schedule repeats, else the last count (which then stays)."""
        return self.mean if self.repeat else float(self.profile[-1])

    def mean_until(self, horizon: float | None) -> float:
        """The mean number on duty over ``[0, horizon)``; the long-run mean for None."""
        if horizon is None or horizon <= 0:
            return self.long_run_mean
        return self.consumer_time(0.0, horizon) / horizon

    @property
    def constant(self) -> int | None:
        """The count, when the schedule never changes it; else None."""
        return self.profile[0] if min(self.profile) == max(self.profile) else None

    @property
    def peak(self) -> int:
        """The most consumers at any time."""
        return max(self.profile)

    def at(self, t: float) -> int:
        """Consumers on duty at time ``t`` (seconds from the start of the run)."""
        return self.at_step(self.step_at(t))

    def _cumulative(self, t: float) -> float:
        """Consumer-seconds the schedule gives over ``[0, t)``."""
        if t <= 0:
            return 0.0
        size, width = len(self.profile), self.interval
        whole = 0.0
        if self.repeat:
            periods = math.floor(t / self.period)
            whole = periods * math.fsum(self.profile) * width
            t -= periods * self.period
        elif t >= self.period:
            return math.fsum(self.profile) * width + self.profile[-1] * (
                t - self.period
            )
        step = min(math.floor(t / width), size - 1)
        return (
            whole
            + math.fsum(self.profile[:step]) * width
            + self.profile[step] * (t - step * width)
        )

    def consumer_time(self, a: float, b: float) -> float:
        """Consumer-seconds the schedule gives over ``[a, b)``."""
        return self._cumulative(b) - self._cumulative(a) if b > a else 0.0

    def step_at(self, t: float) -> int:
        """The index of the interval that holds time ``t`` (from 0, not wrapped)."""
        # A hair of slack, so that an instant computed as step * interval is in step.
        return max(math.floor(t / self.interval + 1e-9), 0)

    def next_change(self, step: int) -> tuple[int, int] | None:
        """The first interval after ``step`` whose count differs, and that count.

        None when the count never changes again.
        """
        size = len(self.profile)
        current = self.at_step(step)
        last = step + size if self.repeat else size - 1
        for later in range(step + 1, last + 1):
            count = self.at_step(later)
            if count != current:
                return later, count
        return None

    def at_step(self, step: int) -> int:
        """Consumers on duty in interval ``step`` (from 0, not wrapped)."""
        if self.repeat:
            return self.profile[step % len(self.profile)]
        return self.profile[min(step, len(self.profile) - 1)]

    def describe(self) -> str:
        """A short readable form, such as ``4 to 12 consumers by 1h (mean 7.5)``."""
        from pushsim.quantities import format_duration

        how = "repeating" if self.repeat else f"then {self.profile[-1]} held"
        return (
            f"{min(self.profile)} to {self.peak} consumers by "
            f"{format_duration(self.interval)} (mean {self.mean:.4g}, {how})"
        )
