"""The live engine's own overhead: timer lateness and event-loop lag.

What it measures, in real seconds:

- **timer lateness**: for every wait on a deadline, how long after the
  deadline the task was running again. Publish waits (a producer's next
  arrival) and service waits (a consumer's sleep for the drawn service time)
  are kept apart: publish lateness moves a message's creation, service
  lateness lengthens its service by that much (times ``speed`` in scenario
  time).
- **loop lag**: every :data:`LAG_EVERY` real seconds a probe task yields to
  the loop and measures how long it took to be run again: the time the loop
  needed to work through everything that was ready before it.

On a virtual clock both are zero by construction and no probe runs.
"""

from __future__ import annotations

import asyncio
import math
from array import array

import numpy as np

from pushsim.engines.live.clock import Clock

__all__ = ["LAG_EVERY", "Meter"]

#: Real seconds between two probes of the event loop's lag.
LAG_EVERY = 0.005

#: The figures a meter reports, each for ``publish``, ``service`` and ``timer``
#: (both kinds of wait together) and ``loop_lag``.
STATISTICS = ("mean", "p50", "p99", "max")


class Meter:
    """Samples of lateness and lag for one run."""

    def __init__(self) -> None:
        self.publish = array("d")
        self.service = array("d")
        self.lag = array("d")

    async def probe(self, clock: Clock, stop: asyncio.Event) -> None:
        """Measure the loop's lag until ``stop`` is set (a task of the run)."""
        while not stop.is_set():
            await asyncio.sleep(LAG_EVERY)
            before = clock.wall()
            await asyncio.sleep(0)
            self.lag.append(clock.wall() - before)

    def diagnostics(self, speed: float) -> dict[str, float]:
        """The figures of the run: lateness and lag statistics, in real seconds.

        ``timer_lateness_mean_scaled`` is the mean lateness in scenario seconds
        (times ``speed``): what each late wake-up adds to a scenario time.
        """
        out: dict[str, float] = {}
        kinds = {
            "publish_lateness": self.publish,
            "service_lateness": self.service,
            "timer_lateness": self.publish + self.service,
            "loop_lag": self.lag,
        }
        for name, samples in kinds.items():
            values = np.frombuffer(samples, dtype=np.float64) if samples else None
            for statistic in STATISTICS:
                out[f"{name}_{statistic}"] = _statistic(values, statistic)
            out[f"{name}_samples"] = float(len(samples))
        out["timer_lateness_mean_scaled"] = out["timer_lateness_mean"] * speed
        return out


def _statistic(values: np.ndarray | None, statistic: str) -> float:
    if values is None:
        return math.nan
    if statistic == "mean":
        return float(values.mean())
    if statistic == "max":
        return float(values.max())
    return float(np.percentile(values, float(statistic[1:])))
