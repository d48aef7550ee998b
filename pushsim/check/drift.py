"""The drift test: has a metric moved beyond its tolerance since the baseline?

Each tracked metric is an estimate with a standard error on both sides: the
baseline's mean ``m0`` (standard error ``s0`` from ``n0`` estimates) and this
run's ``m1`` (``s1``, ``n1``). The difference ``d = m1 - m0`` has standard
error ``s = sqrt(s0**2 + s1**2)`` and, by Welch and Satterthwaite, degrees of
freedom ``v = s**4 / (s0**4 / (n0 - 1) + s1**4 / (n1 - 1))`` (Welch 1947).

The tolerance is ``tol = max(relative * |m0|, floor)``, the floor an absolute
amount by kind of metric (time, rate, share, number) for metrics near zero.
The metric has drifted when the data show, beyond their noise, that the
change exceeds the tolerance: ``(|d| - tol) / s > t(1 - alpha / m, v)``, a
one-sided test of ``|d| <= tol`` at level ``alpha / m`` for ``m`` metrics of
one scenario (Bonferroni), so that a scenario whose metrics all moved by no
more than their tolerance fails with probability at most ``alpha``. A change
beyond the tolerance that the noise could explain passes, with a note that
more replications would tell. Without a standard error (a single estimate),
the change is held against the tolerance alone.

With the same scenario, seed and engine, pushsim's results are the same bit
for bit, so any difference at all means that the engine changed; the result
says so even when the change is within the tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from scipy import stats

from pushsim.check.baseline import Estimate
from pushsim.errors import PushsimError
from pushsim.quantities import parse_duration, parse_rate, parse_share

__all__ = ["DEFAULT_FLOORS", "Drift", "Tolerance", "compare", "kind_of_unit"]

#: The absolute floor of the tolerance by kind of metric.
DEFAULT_FLOORS: Mapping[str, float] = {
    "time": 1e-4,  # 0.1 ms
    "rate": 0.01,  # 0.01/s
    "share": 1e-3,  # 0.1 percentage point
    "number": 0.01,  # messages
}


def _plain_number(value: object) -> float:
    """A number of messages, written as a bare number."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(f"must be a number such as 0.5, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, got {value!r}")
    return number


_UNIT_KINDS = {"s": "time", "1/s": "rate", "ratio": "share"}
_PARSERS = {
    "time": parse_duration,
    "rate": parse_rate,
    "share": parse_share,
    "number": _plain_number,
}


def kind_of_unit(unit: str) -> str:
    """``time``, ``rate``, ``share`` or ``number`` for a summary unit."""
    return _UNIT_KINDS.get(unit, "number")


def _default_floors() -> dict[str, float]:
    return dict(DEFAULT_FLOORS)


@dataclass(frozen=True)
class Tolerance:
    """How far a metric may move before it counts as drift, and at what risk."""

    relative: float = 0.05
    floors: dict[str, float] = field(default_factory=_default_floors)
    alpha: float = 0.01

    def __post_init__(self) -> None:
        if not (math.isfinite(self.relative) and self.relative >= 0):
            raise PushsimError(
                f"tolerance: must be a share >= 0 such as 5%, got {self.relative!r}"
            )
        if not 0 < self.alpha < 1:
            raise PushsimError(
                f"alpha: must lie strictly between 0 and 1, got {self.alpha!r}"
            )
        for kind, floor in self.floors.items():
            if kind not in DEFAULT_FLOORS:
                raise PushsimError(
                    f"floor {kind!r}: unknown kind; use {', '.join(DEFAULT_FLOORS)}"
                )
            if not (math.isfinite(floor) and floor >= 0):
                raise PushsimError(f"floor {kind}: must be >= 0, got {floor!r}")

    @classmethod
    def parse(
        cls, relative: str | float, floors: Mapping[str, str | float], alpha: float
    ) -> Tolerance:
        """A tolerance from texts as a user writes them: ``5%``, ``time=50us``."""
        try:
            share = parse_share(relative)
        except (TypeError, ValueError) as error:
            raise PushsimError(f"tolerance {relative!r}: {error}") from None
        merged = _default_floors()
        for kind, text in floors.items():
            if kind not in _PARSERS:
                raise PushsimError(
                    f"floor {kind}={text}: unknown kind {kind!r}; use "
                    f"{', '.join(DEFAULT_FLOORS)}, such as time=50us or share=0.1%"
                )
            try:
                merged[kind] = _PARSERS[kind](text)
            except (TypeError, ValueError) as error:
                raise PushsimError(f"floor {kind}={text}: {error}") from None
        return cls(share, merged, alpha)

    def allowed(self, baseline: float, unit: str) -> float:
        """The tolerance of a metric of ``unit`` whose baseline mean is ``baseline``."""
        floor = self.floors.get(kind_of_unit(unit), DEFAULT_FLOORS["number"])
        scale = abs(baseline) if math.isfinite(baseline) else 0.0
        return max(self.relative * scale, floor)


@dataclass(frozen=True)
class Drift:
    """One metric against its baseline: the change, the test and the verdict."""

    delta: float
    allowed: float
    se: float
    statistic: float
    critical: float
    verdict: str
    note: str

    @property
    def identical(self) -> bool:
        return self.delta == 0.0


def _welch_dof(s0: float, n0: int, s1: float, n1: int) -> float:
    """The Welch-Satterthwaite degrees of freedom of a difference of two means."""
    a, b = s0**2, s1**2
    terms = (a**2 / (n0 - 1) if n0 > 1 else 0.0) + (b**2 / (n1 - 1) if n1 > 1 else 0.0)
    return (a + b) ** 2 / terms if terms > 0 else math.inf


def compare(base: Estimate, now: Estimate, tolerance: Tolerance, tests: int) -> Drift:
    """Whether ``now`` moved from ``base`` beyond the tolerance, over ``tests`` metrics."""
    allowed = tolerance.allowed(base.mean, base.unit)
    if not (math.isfinite(base.mean) and math.isfinite(now.mean)):
        same = base.mean == now.mean or (math.isnan(base.mean) and math.isnan(now.mean))
        note = "no finite figure on both sides"
        verdict = "pass" if same else "fail"
        return Drift(math.nan, allowed, math.nan, math.nan, math.nan, verdict, note)
    delta = now.mean - base.mean
    excess = abs(delta) - allowed
    se = math.hypot(base.se, now.se)
    if not math.isfinite(se) or se == 0.0:
        verdict = "fail" if excess > 0 else "pass"
        note = "no noise to allow for: held against the tolerance alone"
        return Drift(delta, allowed, se, math.nan, math.nan, verdict, note)
    dof = _welch_dof(base.se, base.n, now.se, now.n)
    critical = float(stats.t.ppf(1 - tolerance.alpha / max(tests, 1), dof))
    statistic = excess / se
    if statistic > critical:
        note = "beyond the tolerance, beyond the noise"
        return Drift(delta, allowed, se, statistic, critical, "fail", note)
    note = (
        "beyond the tolerance but within the noise: more replications would tell"
        if excess > 0
        else "within the tolerance"
    )
    return Drift(delta, allowed, se, statistic, critical, "pass", note)
