"""Figures as a check shows them: ``228.2ms``, ``80/s``, ``0.1%``, deltas."""

from __future__ import annotations

import math

from pushsim.quantities import format_duration, format_rate

__all__ = ["format_amount", "format_delta", "format_interval", "format_value"]


def format_value(value: float, unit: str, digits: int = 4) -> str:
    """A figure in its unit, to ``digits`` significant digits; NaN as ``-``."""
    if math.isnan(value):
        return "-"
    if unit == "s":
        return format_duration(float(f"{value:.{digits}g}"))
    if unit == "1/s":
        return format_rate(float(f"{value:.{digits}g}"))
    if unit == "ratio":
        return f"{100 * value:.{min(digits, 3)}g}%"
    return f"{value:.{digits}g}"


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
