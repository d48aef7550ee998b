"""The searches of a plan: the smallest whole number, the highest factor.

Both take a *judge*, a function from a value to ``pass``, ``fail`` or
``inconclusive``, and assume that meeting the SLOs is monotone in the value:
once a count meets them every larger count does, and once a factor misses
them every larger factor does. A too-close-to-call point counts as not
meeting them, so the answer is always a value confirmed to meet them.

- :func:`smallest`: from a start (theory's answer, else the scenario's own
  value), step towards the boundary in steps that double (1, 2, 4, ...)
  until the verdict changes, then bisect. When theory is right this costs
  two points: the answer and the value below it.
- :func:`highest`: the same on a multiplicative scale for a rate factor,
  bisecting geometrically until the last passing and first not-passing
  factors are within ``tolerance`` of each other (relatively).

Every search is bounded by the number of points it may judge.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from pushsim.errors import PushsimError
from pushsim.plan._rule import PASS

__all__ = ["NoValue", "highest", "smallest"]

Judge = Callable[[float], str]


class NoValue(PushsimError):
    """No value within the bounds meets the SLOs."""

    def __init__(self, message: str, value: float) -> None:
        super().__init__(message)
        self.value = value


def _limited(judge: Judge, most: int) -> Judge:
    judged: dict[float, str] = {}

    def once(value: float) -> str:
        if value not in judged:
            if len(judged) >= most:
                raise PushsimError(
                    f"the search judged {most} points without settling; the SLO "
                    "verdicts are probably not monotone in what varies"
                )
            judged[value] = judge(value)
        return judged[value]

    return once


def smallest(judge: Judge, start: int, low: int, high: int, *, most: int = 40) -> int:
    """The smallest value in [low, high] that passes; raise :class:`NoValue` if none."""
    ask = _limited(judge, most)
    value = min(max(start, low), high)
    if ask(value) == PASS:
        best, step = value, 1
        below: int | None = None
        while below is None and best > low:
            candidate = max(best - step, low)
            if ask(candidate) == PASS:
                best, step = candidate, step * 2
            else:
                below = candidate
        if below is None:
            return best
    else:
        below, step = value, 1
        while True:
            if below >= high:
                raise NoValue(f"no value up to {high} passes", high)
            candidate = min(below + step, high)
            if ask(candidate) == PASS:
                best = candidate
                break
            below, step = candidate, step * 2
    assert below is not None
    while best - below > 1:
        middle = (best + below) // 2
        if ask(middle) == PASS:
            best = middle
        else:
            below = middle
    return best


def highest(
    judge: Judge,
    start: float,
    low: float,
    high: float,
    *,
    tolerance: float,
    most: int = 40,
) -> tuple[float, float | None]:
    """The highest passing factor in [low, high] and the lowest not passing above it.

    The second is None when ``high`` itself passes. Raises :class:`NoValue`
    when even ``low`` does not pass.
    """
    ask = _limited(judge, most)
    value = min(max(start, low), high)
    step = 1.0 + 2.0 * tolerance
    if ask(value) == PASS:
        best = value
        while True:
            if best >= high:
                return best, None
            candidate = min(best * step, high)
            if ask(candidate) != PASS:
                above = candidate
                break
            best, step = candidate, step * step
    else:
        above = value
        while True:
            if above <= low:
                raise NoValue(f"no factor down to {low:g} passes", low)
            candidate = max(above / step, low)
            if ask(candidate) == PASS:
                best = candidate
                break
            above, step = candidate, step * step
    while above / best - 1.0 > tolerance:
        middle = math.sqrt(best * above)
        if ask(middle) == PASS:
            best = middle
        else:
            above = middle
    return best, above
