"""The offered load of a time-varying arrival rate: m(t) of the M_t/G/infinity queue.

With arrivals at rate lambda(t) and service times S, the number of busy
servers in a system with as many servers as it needs has mean

    m(t) = E[ integral from t - S to t of lambda(u) du ] = E[Lambda(t) - Lambda(t - S)]

with Lambda the cumulative rate (S. G. Eick, W. A. Massey & W. Whitt, "The
physics of the M_t/G/infinity queue", Operations Research 41(4), 1993).
m(t) is the load the consumers are offered at time t: it follows lambda(t)
E[S] with a lag and a smoothing of about one service time, so it is still
high just after a peak and still low just after a rise.

Computed here for piecewise-constant rates (a rate profile):

- exponential service: exactly, from ``m' = lambda(t) - m / E[S]`` solved on
  each interval, ``m(t) = lambda_i E[S] + (m(t_i) - lambda_i E[S]) exp(-(t -
  t_i) / E[S])``;
- any other law: as the mean of ``Lambda(t) - Lambda(t - s)`` over a sample
  of ``SAMPLE`` service times s drawn from a generator seeded from the
  scenario's seed (Lambda is exact, so the only error is that of the
  sample mean, a relative standard error of about cv / sqrt(SAMPLE)).

A profile that repeats is taken in its periodic steady state (the day
before looked like this one); one that does not repeat starts empty.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["SAMPLE", "RateProfile", "offered"]

#: Service times drawn to compute m(t) for a law other than the exponential.
SAMPLE = 20_000


class RateProfile:
    """A piecewise-constant arrival rate: ``rates[i]`` per second on interval i."""

    def __init__(self, rates: np.ndarray, interval: float, repeat: bool) -> None:
        self.rates = np.asarray(rates, dtype=float)
        self.interval = float(interval)
        self.repeat = repeat
        self.period = self.rates.size * self.interval
        self._cumulative = np.concatenate(
            ([0.0], np.cumsum(self.rates) * self.interval)
        )

    def cumulative(self, t: np.ndarray) -> np.ndarray:
        """Lambda(t): expected arrivals in [0, t); periodic before 0 if it repeats."""
        t = np.asarray(t, dtype=float)
        if self.repeat:
            periods = np.floor(t / self.period)
            inner = t - periods * self.period
            return periods * self._cumulative[-1] + self._within(inner)
        return self._within(np.clip(t, 0.0, None))

    def _within(self, t: np.ndarray) -> np.ndarray:
        """Lambda on [0, period]; beyond it the last rate goes on (or none if once)."""
        index = np.clip((t // self.interval).astype(int), 0, self.rates.size - 1)
        inside = t - index * self.interval
        value = self._cumulative[index] + self.rates[index] * inside
        if not self.repeat:
            value = np.where(t >= self.period, self._cumulative[-1], value)
        return value


def _exponential(profile: RateProfile, mean: float, times: np.ndarray) -> np.ndarray:
    """m(t) for exponential service, exactly (see the module docstring)."""
    loads = profile.rates * mean
    decay = math.exp(-profile.interval / mean)
    start = np.empty(profile.rates.size)
    m = 0.0
    if profile.repeat:
        # m(P) = a m(0) + b over one period: the periodic state is m(0) = b / (1 - a).
        b = 0.0
        for load in loads:
            b = load + (b - load) * decay
        m = b / (1.0 - decay**profile.rates.size)
    for i, load in enumerate(loads):
        start[i] = m
        m = load + (m - load) * decay
    index = np.clip((times // profile.interval).astype(int), 0, profile.rates.size - 1)
    elapsed = times - index * profile.interval
    level = loads[index]
    return level + (start[index] - level) * np.exp(-elapsed / mean)


def offered(
    profile: RateProfile,
    mean: float,
    times: np.ndarray,
    *,
    sample: np.ndarray | None = None,
) -> np.ndarray:
    """m(t) at ``times`` (seconds from the profile's start) for service of ``mean``.

    Give ``sample`` (service times) for any law but the exponential.
    """
    times = np.asarray(times, dtype=float)
    if sample is None:
        return _exponential(profile, mean, times)
    total = profile.cumulative(times)
    # Chunks of times keep the (times x sample) matrix small.
    out = np.empty(times.size)
    chunk = max(1, 2_000_000 // max(sample.size, 1))
    for lo in range(0, times.size, chunk):
        t = times[lo : lo + chunk, None]
        out[lo : lo + chunk] = total[lo : lo + chunk] - profile.cumulative(
            t - sample[None, :]
        ).mean(axis=1)
    return out
