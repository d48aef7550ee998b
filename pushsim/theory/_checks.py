"""Argument checks shared by the formulas, and the errors they raise.

Every formula refuses an impossible argument where it enters, with a message
that names the argument, the value it got and the rule it broke, for example
``service_rate must be > 0 per second, got -2.0``. The errors are
:class:`pushsim.errors.PushsimError` children that are also the matching
built-in type, so ``except ValueError`` and ``except PushsimError`` both work.
"""

from __future__ import annotations

import math
import numbers
import operator

from pushsim.errors import PushsimError

__all__ = [
    "TheoryArgumentError",
    "TheoryTypeError",
    "check_count",
    "check_nonnegative",
    "check_positive",
    "check_probability",
    "check_time",
]


class TheoryArgumentError(PushsimError, ValueError):
    """An argument to a queueing formula has a value the model cannot take."""


class TheoryTypeError(PushsimError, TypeError):
    """An argument to a queueing formula has the wrong type."""


def _real(name: str, value: object) -> float:
    """Return ``value`` as a float, refusing booleans, text and NaN."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TheoryTypeError(
            f"{name} must be a real number, got {value!r} "
            f"of type {type(value).__name__}"
        )
    number = float(value)
    if math.isnan(number):
        raise TheoryArgumentError(f"{name} must be a number, got nan")
    return number


def check_positive(name: str, value: object, unit: str = "") -> float:
    """Return ``value`` as a float after checking that it is finite and > 0."""
    number = _real(name, value)
    if not 0.0 < number < math.inf:
        raise TheoryArgumentError(
            f"{name} must be finite and > 0{_unit(unit)}, got {number!r}"
        )
    return number


def check_nonnegative(
    name: str, value: object, unit: str = "", *, allow_inf: bool = False
) -> float:
    """Return ``value`` as a float after checking that it is >= 0 (and finite)."""
    number = _real(name, value)
    if number < 0.0:
        raise TheoryArgumentError(f"{name} must be >= 0{_unit(unit)}, got {number!r}")
    if number == math.inf and not allow_inf:
        raise TheoryArgumentError(f"{name} must be finite, got {number!r}")
    return number


def check_time(name: str, value: object) -> float:
    """Return a duration in seconds, >= 0; infinity is allowed."""
    return check_nonnegative(name, value, "seconds", allow_inf=True)


def check_probability(name: str, value: object) -> float:
    """Return a probability strictly between 0 and 1."""
    number = _real(name, value)
    if not 0.0 < number < 1.0:
        raise TheoryArgumentError(
            f"{name} must be strictly between 0 and 1, got {number!r}"
        )
    return number


def check_count(
    name: str, value: object, minimum: int = 1, minimum_name: str = ""
) -> int:
    """Return a whole number >= ``minimum``; numpy integers are accepted.

    ``minimum_name`` names the minimum when it is another argument's value.
    """
    if isinstance(value, bool):
        raise TheoryTypeError(f"{name} must be a whole number, got {value!r}")
    try:
        count = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TheoryTypeError(
            f"{name} must be a whole number, got {value!r} "
            f"of type {type(value).__name__}"
        ) from None
    if count < minimum:
        bound = f"{minimum_name} ({minimum})" if minimum_name else str(minimum)
        raise TheoryArgumentError(f"{name} must be >= {bound}, got {count}")
    return count


def _unit(unit: str) -> str:
    return f" {unit}" if unit else ""
