"""Intervals and changes as a check shows them (``[220ms, 236ms]``, ``+0.5 pts``).

Single figures are :func:`pushsim.quantities.format_value`'s.
"""

from __future__ import annotations

import math

from pushsim.quantities import format_value

__all__ = ["format_amount", "format_delta", "format_interval"]


def format_interval(low: float, high: float, unit: str) -> str:
    """``[low, high]`` of a 95 % interval, or empty when there is none."""
    if math.isnan(low) or math.isnan(high):
        return ""
    return f"[{format_value(low, unit, 3)}, {format_value(high, unit, 3)}]"


def format_amount(value: float, unit: str) -> str:
    """An amount of change in its unit; shares in percentage points (``0.5 pts``)."""
    if unit == "ratio" and not math.isnan(value):
        return f"{100 * value:.3g} pts"
    return format_value(value, unit, 3)


def format_delta(delta: float, baseline: float, unit: str) -> str:
    """A change with its sign: absolute, and relative to the baseline when it can be.

    Shares move in percentage points (``+0.5 pts``), so that a relative change
    of a percentage is not mistaken for the change itself.
    """
    if math.isnan(delta):
        return "-"
    if delta == 0:
        return "0"
    if unit == "ratio":
        absolute = f"{100 * delta:+.3g} pts"
    else:
        sign = "+" if delta >= 0 else "-"
        absolute = sign + format_value(abs(delta), unit, 3)
    if baseline == 0 or not math.isfinite(baseline):
        return absolute
    return f"{absolute} ({delta / abs(baseline):+.1%})"
