"""Arrival processes whose rate changes over time: MMPP, on/off and a rate profile.

- ``mmpp``: a two-state Markov-modulated Poisson process. The source stays in
  state i for an exponential time of mean ``mean_durations[i]``, then moves to
  the other state; while in state i, arrivals are Poisson at ``rates[i]``. The
  state at time 0 is drawn from the chain's stationary law, so the stream is
  stationary from the start. As a Markovian arrival process it has
  ``D0 = Q - diag(rates)`` and ``D1 = diag(rates)``, where Q is the generator
  of the state; the stationary interval (from an arrival to the next) has
  moments ``E[X^n] = n! phi (-D0)^-n 1`` with ``phi = pi D1 / (pi D1 1)``.
  Source: W. Fischer and K. Meier-Hellstern, "The Markov-modulated Poisson
  process (MMPP) cookbook", Performance Evaluation 18 (1993).
- ``onoff``: Poisson at ``rate`` during exponential on-periods of mean ``on``,
  silent during exponential off-periods of mean ``off``: the interrupted
  Poisson process, an MMPP with one rate 0. It is a renewal process whose
  interval has scv ``1 + 2 rate a / (a + b)^2``, ``a = 1/on``, ``b = 1/off``
  (A. Kuczura, "The interrupted Poisson process as an overflow process",
  Bell System Tech. J. 52 (1973)).
- ``profile``: a non-homogeneous Poisson process whose rate is ``rates[i]``
  during the i-th ``interval``, repeating after the last one (or, with
  ``repeat: false``, ending there).

All three are drawn exactly, as Poisson arrivals on segments of constant rate
(:mod:`._piecewise`); the MMPP and on/off state durations are drawn as
exponentials.

Cost: proportional to the arrivals plus the state changes (for a profile, the
intervals) that the stream passes, each a few tens of nanoseconds. Limits: a
source that changes state far more often than it sends is slow: one that
expects 1e-5 arrivals a state spends seconds on a thousand arrivals.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from pushsim.quantities import (
    Model,
    PositiveDuration,
    PositiveRate,
    Rate,
    format_duration,
    format_rate,
)

from ._common import FloatArray, check_block, check_factor, square
from ._piecewise import MAX_SEGMENTS, piecewise_poisson

__all__ = ["MMPPArrivals", "OnOffArrivals", "ProfileArrivals", "two_state_interval_scv"]


def two_state_interval_scv(
    rates: tuple[float, float], means: tuple[float, float]
) -> float:
    """The scv of the stationary interval of a two-state MMPP, from its MAP form."""
    r = np.array(rates, dtype=np.float64)
    if r[0] == r[1]:
        return 1.0
    q = 1.0 / np.array(means, dtype=np.float64)
    d0 = np.array([[-(r[0] + q[0]), q[0]], [q[1], -(r[1] + q[1])]])
    pi = np.array(means, dtype=np.float64) / math.fsum(means)
    phi = pi * r / (pi @ r)
    first = np.linalg.solve(-d0, np.ones(2))  # (-D0)^-1 1
    second = np.linalg.solve(-d0, first)  # (-D0)^-2 1
    m1, m2 = float(phi @ first), 2.0 * float(phi @ second)
    return m2 / (m1 * m1) - 1.0


def _sojourns(
    rng: np.random.Generator,
    rates: tuple[float, float],
    means: tuple[float, float],
    target: int,
) -> Iterator[tuple[FloatArray, FloatArray]]:
    """Batches of alternating state sojourns ``(durations, rates)``, forever."""
    rate = np.array(rates, dtype=np.float64)
    mean = np.array(means, dtype=np.float64)
    state = int(rng.random() < mean[1] / mean.sum())
    per_cycle = float(rate @ mean)
    count = max(2, math.ceil(min(2.0 * target / per_cycle, MAX_SEGMENTS)))
    while True:
        states = (state + np.arange(count)) % 2
        yield rng.standard_exponential(count) * mean[states], rate[states]
        state = (state + count) % 2


class MMPPArrivals(Model):
    """A two-state Markov-modulated Poisson process."""

    process: Literal["mmpp"] = "mmpp"
    rates: tuple[Rate, Rate]
    mean_durations: tuple[PositiveDuration, PositiveDuration]

    @model_validator(mode="after")
    def _sends(self) -> MMPPArrivals:
        if max(self.rates) <= 0:
            raise ValueError(
                "rates: at least one of the two rates must be > 0, got 0 and 0"
            )
        return self

    @property
    def rate(self) -> float:
        """Long-run arrivals per second: the rates weighted by the time in each state."""
        (r1, r2), (m1, m2) = self.rates, self.mean_durations
        return (r1 * m1 + r2 * m2) / (m1 + m2)

    @property
    def scv(self) -> float:
        """Squared coefficient of variation of the stationary interval."""
        return two_state_interval_scv(self.rates, self.mean_durations)

    def scaled(self, factor: float) -> MMPPArrivals:
        """The same process with both rates multiplied by ``factor``."""
        factor = check_factor(factor)
        r1, r2 = self.rates
        return self.model_copy(update={"rates": (r1 * factor, r2 * factor)})

    def stream(
        self, rng: np.random.Generator, block: int = 4096
    ) -> Iterator[FloatArray]:
        """Blocks of ``block`` arrival times in seconds from 0, forever."""
        block = check_block(block)
        sojourns = _sojourns(rng, self.rates, self.mean_durations, block)
        return piecewise_poisson(rng, sojourns, block)

    def describe(self) -> str:
        """A short readable form, such as ``mmpp(rates=[100/s, 1k/s], ...)``."""
        rates = ", ".join(format_rate(r) for r in self.rates)
        means = ", ".join(format_duration(m) for m in self.mean_durations)
        return f"mmpp(rates=[{rates}], mean_durations=[{means}])"


class OnOffArrivals(Model):
    """Poisson at ``rate`` while on, nothing while off; exponential periods."""

    process: Literal["onoff"] = "onoff"
    peak_rate: PositiveRate = Field(alias="rate")
    on: PositiveDuration
    off: PositiveDuration

    @model_validator(mode="before")
    @classmethod
    def _yaml_booleans(cls, data: Any) -> Any:
        """Take keys ``true`` and ``false`` as ``on`` and ``off``.

        YAML 1.1 loaders (PyYAML among them) read an unquoted key ``on`` or
        ``off`` as a boolean.
        """
        if not isinstance(data, dict):
            return data
        names = {True: "on", False: "off"}
        fixed = {}
        for key, value in data.items():
            name = names[key] if isinstance(key, bool) else key
            fixed[name if name not in data else key] = value
        return fixed

    @property
    def rate(self) -> float:
        """Long-run arrivals per second: ``rate * on / (on + off)``."""
        return self.peak_rate * self.on / (self.on + self.off)

    @property
    def scv(self) -> float:
        """Squared coefficient of variation of the interval (a renewal process)."""
        a, b = 1.0 / self.on, 1.0 / self.off
        return 1.0 + 2.0 * self.peak_rate * a / square(a + b)

    def scaled(self, factor: float) -> OnOffArrivals:
        """The same process with its on-rate multiplied by ``factor``."""
        return self.model_copy(
            update={"peak_rate": self.peak_rate * check_factor(factor)}
        )

    def stream(
        self, rng: np.random.Generator, block: int = 4096
    ) -> Iterator[FloatArray]:
        """Blocks of ``block`` arrival times in seconds from 0, forever."""
        block = check_block(block)
        sojourns = _sojourns(rng, (self.peak_rate, 0.0), (self.on, self.off), block)
        return piecewise_poisson(rng, sojourns, block)

    def describe(self) -> str:
        """A short readable form, such as ``onoff(rate=1k/s, on=2s, off=8s)``."""
        return (
            f"onoff(rate={format_rate(self.peak_rate)}, on={format_duration(self.on)}, "
            f"off={format_duration(self.off)})"
        )


class ProfileArrivals(Model):
    """Poisson arrivals at ``rates[i]`` during the i-th ``interval``."""

    process: Literal["profile"] = "profile"
    rates: tuple[Rate, ...] = Field(min_length=1)
    interval: PositiveDuration
    repeat: bool = True

    @model_validator(mode="after")
    def _sends(self) -> ProfileArrivals:
        if max(self.rates) <= 0:
            raise ValueError("rates: at least one rate must be > 0, got all 0")
        return self

    @property
    def period(self) -> float:
        """Seconds that the profile spans before it repeats (or ends)."""
        return len(self.rates) * self.interval

    @property
    def rate(self) -> float:
        """Long-run arrivals per second: the mean of the rates."""
        return math.fsum(self.rates) / len(self.rates)

    @property
    def scv(self) -> None:
        """Not defined: the intervals of a rate profile are not identically distributed."""
        return None

    def scaled(self, factor: float) -> ProfileArrivals:
        """The same profile with every rate multiplied by ``factor``."""
        factor = check_factor(factor)
        return self.model_copy(update={"rates": tuple(r * factor for r in self.rates)})

    def _segments(self, target: int) -> Iterator[tuple[FloatArray, FloatArray]]:
        rates = np.array(self.rates, dtype=np.float64)
        if not self.repeat:
            yield np.full(rates.size, self.interval), rates
            return
        per_period = self.rate * self.period
        most = max(1, MAX_SEGMENTS // rates.size)
        periods = math.ceil(min(target / per_period, most))
        durations = np.full(rates.size * periods, self.interval)
        tiled = np.tile(rates, periods)
        while True:
            yield durations, tiled

    def stream(
        self, rng: np.random.Generator, block: int = 4096
    ) -> Iterator[FloatArray]:
        """Blocks of ``block`` arrival times in seconds from 0.

        Without ``repeat`` the stream ends with the profile's last interval.
        """
        block = check_block(block)
        return piecewise_poisson(rng, self._segments(block), block)

    def describe(self) -> str:
        """A short readable form, such as ``profile(24 rates of 1h, mean 500/s, repeating)``."""
        how = "repeating" if self.repeat else "once"
        return (
            f"profile({len(self.rates)} rates of {format_duration(self.interval)}, "
            f"mean {format_rate(self.rate)}, peak {format_rate(max(self.rates))}, {how})"
        )
