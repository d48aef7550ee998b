"""The continuous laws of a duration, as one union chosen by the ``law`` key.

``Law`` accepts a mapping such as ``{law: lognormal, mean: 4ms, cv: 1.5}``;
``LawField`` also accepts a bare duration (``4ms``, ``0.004``), meaning the
deterministic law of that value. Every law offers the same interface:

- ``mean``, ``variance`` (seconds, seconds squared) and ``scv`` (squared
  coefficient of variation: 0 for a constant, ``inf`` where infinite), exact;
- ``sample(rng, size)``: a float64 array of ``size`` durations in seconds,
  finite and >= 0, drawn in one block from the given numpy Generator;
- ``time_scaled(factor)``: the same law with every duration multiplied by
  ``factor``;
- ``describe()``: a short readable form, such as ``lognormal(mean=4ms, cv=1.5)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

from pydantic import BeforeValidator

from pushsim.quantities import parse_duration, tagged_union

from .empirical import EmpiricalLaw
from .parametric import (
    DeterministicLaw,
    ErlangLaw,
    ExponentialLaw,
    GammaLaw,
    HyperexponentialLaw,
    UniformLaw,
)
from .skewed import BoundedParetoLaw, LognormalLaw, WeibullLaw

__all__ = ["LAWS", "Law", "LawField"]

#: Every continuous law, in the order their names are listed in faults.
LAWS = (
    ExponentialLaw,
    DeterministicLaw,
    UniformLaw,
    ErlangLaw,
    GammaLaw,
    LognormalLaw,
    HyperexponentialLaw,
    WeibullLaw,
    BoundedParetoLaw,
    EmpiricalLaw,
)

if TYPE_CHECKING:
    Law: TypeAlias = (
        ExponentialLaw
        | DeterministicLaw
        | UniformLaw
        | ErlangLaw
        | GammaLaw
        | LognormalLaw
        | HyperexponentialLaw
        | WeibullLaw
        | BoundedParetoLaw
        | EmpiricalLaw
    )
else:
    Law = tagged_union(LAWS, "law")


def _bare_duration_is_deterministic(value: Any) -> Any:
    """A bare duration (a string or a number) stands for a deterministic law.

    It is checked here, so that a fault is reported at the field itself.
    """
    if not isinstance(value, str | int | float):
        return value
    try:
        seconds = parse_duration(value)
    except TypeError as error:
        raise ValueError(str(error)) from None
    if seconds < 0:
        raise ValueError(f"must be >= 0, got {seconds:g}")
    return {"law": "deterministic", "value": seconds}


#: A law in a scenario field: a mapping with ``law``, or a bare duration.
LawField = Annotated[Law, BeforeValidator(_bare_duration_is_deterministic)]
