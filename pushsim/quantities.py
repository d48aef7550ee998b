"""Durations, rates and shares as people write them, and their pydantic types.

A duration is a number with a unit: ``250us``, ``4ms``, ``2s``, ``1.5min``,
``1h``, ``1d``; a bare number is seconds. A rate is a count per unit of time:
``800/s``, ``3k/min``, ``50/h``, ``1.2M/d``; a bare number is per second. A
share is a fraction, written ``0.1%`` or as a bare number (``0.001``). Every
value comes back as a float in seconds, per second, or as a fraction, and
:func:`format_value` writes a figure back in its unit (``228.2ms``, ``80/s``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Annotated, Any, Union, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Tag,
)

__all__ = [
    "DURATION_UNITS",
    "RATE_UNITS",
    "Count",
    "Duration",
    "Model",
    "PositiveDuration",
    "PositiveRate",
    "Probability",
    "Rate",
    "WholeNumber",
    "format_duration",
    "format_rate",
    "format_value",
    "parse_count",
    "parse_duration",
    "parse_rate",
    "parse_share",
    "tagged_union",
]

#: Seconds in each duration unit that a scenario may use.
DURATION_UNITS: dict[str, float] = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}

#: Seconds in each unit that may stand after the slash of a rate.
RATE_UNITS: dict[str, float] = {
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}

_MULTIPLIERS = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9}
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_DURATION_RE = re.compile(rf"^\s*({_NUMBER})\s*([a-zµ]*)\s*$")
_RATE_RE = re.compile(rf"^\s*({_NUMBER})\s*([kKMG]?)\s*(?:/\s*([a-z]+))?\s*$")
_SHARE_RE = re.compile(rf"^\s*({_NUMBER})\s*(%?)\s*$")
_COUNT_RE = re.compile(rf"^\s*({_NUMBER})\s*([kKMG]?)\s*$")


def _real(value: object, what: str) -> float:
    """A plain number given where a quantity is expected, refused if not finite."""
    if isinstance(value, bool):
        raise TypeError(f"must be a {what}, got {value!r}")
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise ValueError(f"must be a finite {what}, got {value!r}")
    return number


def parse_duration(value: object) -> float:
    """Seconds in a duration such as ``4ms`` or ``1.5min`` (a bare number: seconds)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _real(value, "duration")
    if not isinstance(value, str):
        raise TypeError(f"must be a duration such as '4ms' or 2.5, got {value!r}")
    match = _DURATION_RE.match(value)
    if match is None:
        raise ValueError(
            f"must be a duration such as '250us', '4ms' or '2s', got {value!r}"
        )
    number, unit = match.groups()
    if unit and unit not in DURATION_UNITS:
        units = ", ".join(DURATION_UNITS)
        raise ValueError(f"unknown time unit {unit!r} in {value!r}; use one of {units}")
    return _real(number, "duration") * DURATION_UNITS.get(unit, 1.0)


def parse_rate(value: object) -> float:
    """Events per second in a rate such as ``800/s`` or ``3k/min`` (a bare number: /s)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _real(value, "rate")
    if not isinstance(value, str):
        raise TypeError(f"must be a rate such as '800/s' or 800, got {value!r}")
    match = _RATE_RE.match(value)
    if match is None:
        raise ValueError(
            f"must be a rate such as '800/s', '3k/min' or '50/h', got {value!r}"
        )
    number, multiplier, unit = match.groups()
    per = 1.0
    if unit is not None:
        if unit not in RATE_UNITS:
            units = ", ".join(RATE_UNITS)
            raise ValueError(
                f"unknown time unit {unit!r} in {value!r}; use one of {units}"
            )
        per = RATE_UNITS[unit]
    return _real(number, "rate") * _MULTIPLIERS[multiplier] / per


def parse_share(value: object) -> float:
    """A fraction written ``0.1%`` or as a bare number (``0.001``)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _real(value, "share")
    if not isinstance(value, str):
        raise TypeError(f"must be a share such as '10%' or 0.1, got {value!r}")
    match = _SHARE_RE.match(value)
    if match is None:
        raise ValueError(f"must be a share such as '10%' or 0.1, got {value!r}")
    number, percent = match.groups()
    return _real(number, "share") / (100.0 if percent else 1.0)


def parse_count(value: object) -> int:
    """A whole number of messages, written ``200000``, ``200k`` or ``1.5M``."""
    if isinstance(value, bool):
        raise TypeError(f"must be a whole number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"must be a whole number, got {value!r}")
        return int(value)
    if not isinstance(value, str):
        raise TypeError(
            f"must be a whole number such as 200000 or '200k', got {value!r}"
        )
    match = _COUNT_RE.match(value)
    if match is None:
        raise ValueError(
            f"must be a whole number such as 200000 or '200k', got {value!r}"
        )
    number = _real(match.group(1), "count") * _MULTIPLIERS[match.group(2)]
    if not number.is_integer():
        raise ValueError(f"must be a whole number, got {value!r}")
    return int(number)


#: The units a duration is shown in, largest first (below the last: ``us``).
_SHOWN_DURATIONS = (("h", 3600.0), ("min", 60.0), ("s", 1.0), ("ms", 1e-3))


def _figure(number: float, digits: int) -> str:
    """``number`` rounded to ``digits`` significant digits: ``230`` at 2 for 228.2.

    Written with up to 4 digits before an exponent, so that a short rounding
    does not turn ``230`` into ``2.3e+02``.
    """
    rounded = float(f"{number:.{digits}g}")
    return f"{rounded:.{max(digits, 4)}g}"


def format_duration(seconds: float, digits: int = 4) -> str:
    """A short readable form of a duration in seconds: ``4ms``, ``1.5s``, ``2h``.

    The unit is the largest in which the figure, rounded to ``digits``
    significant digits, is at least 1, and the rounding is done in that unit:
    392.772 s reads ``6.546min`` and 59.99996 s ``1min``.
    """
    if not math.isfinite(seconds):
        return "inf" if seconds > 0 else str(seconds)
    if seconds == 0:
        return "0s"
    for unit, scale in _SHOWN_DURATIONS:
        figure = _figure(seconds / scale, digits)
        if abs(float(figure)) >= 1:
            return figure + unit
    return _figure(seconds / 1e-6, digits) + "us"


def format_rate(per_second: float, digits: int = 4) -> str:
    """A short readable form of a rate in events per second: ``800/s``, ``12.5k/s``.

    Rounded to ``digits`` significant digits in the unit shown: ``M/s`` from
    a figure of 1 million, ``k/s`` from 10 thousand (9999.6 reads ``10k/s``).
    """
    if not math.isfinite(per_second):
        return f"{per_second}/s"
    millions = _figure(per_second / 1e6, digits)
    if abs(float(millions)) >= 1:
        return millions + "M/s"
    thousands = _figure(per_second / 1e3, digits)
    if abs(float(thousands)) >= 10:
        return thousands + "k/s"
    return _figure(per_second, digits) + "/s"


def format_value(value: float, unit: str, digits: int = 4) -> str:
    """A figure of a summary in its unit, to ``digits`` significant digits.

    ``unit`` is a summary's: ``s`` (``228.2ms``, by :func:`format_duration`),
    ``1/s`` (``80/s``, by :func:`format_rate`), ``ratio`` (a share in percent,
    to at most 3 digits: ``80%``), anything else a plain number. NaN reads ``-``.
    """
    if math.isnan(value):
        return "-"
    if unit == "s":
        return format_duration(value, digits)
    if unit == "1/s":
        return format_rate(value, digits)
    if unit == "ratio":
        return f"{_figure(100 * value, min(digits, 3))}%"
    return _figure(value, digits)


def _for_pydantic(parse: Callable[[object], Any]) -> Callable[[object], Any]:
    """The parser, with a wrong type reported as a validation fault, not raised."""

    def parse_field(value: object) -> Any:
        try:
            return parse(value)
        except TypeError as error:
            raise ValueError(str(error)) from None

    return parse_field


def _non_negative(value: float) -> float:
    if value < 0:
        raise ValueError(f"must be >= 0, got {value:g}")
    return value


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError(f"must be > 0, got {value:g}")
    return value


def _probability(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"must be between 0 and 1 (0% to 100%), got {value:g}")
    return value


#: A duration in seconds, >= 0: ``4ms``, ``2s`` or a bare number of seconds.
Duration = Annotated[
    float, BeforeValidator(_for_pydantic(parse_duration)), AfterValidator(_non_negative)
]
#: A duration in seconds, > 0.
PositiveDuration = Annotated[
    float, BeforeValidator(_for_pydantic(parse_duration)), AfterValidator(_positive)
]
#: A rate in events per second, >= 0: ``800/s``, ``3k/min`` or a bare number.
Rate = Annotated[
    float, BeforeValidator(_for_pydantic(parse_rate)), AfterValidator(_non_negative)
]
#: A rate in events per second, > 0.
PositiveRate = Annotated[
    float, BeforeValidator(_for_pydantic(parse_rate)), AfterValidator(_positive)
]
#: A probability or share in [0, 1]: ``10%`` or ``0.1``.
Probability = Annotated[
    float, BeforeValidator(_for_pydantic(parse_share)), AfterValidator(_probability)
]
#: A whole number written as a count (``200000``, ``200k``), of any sign: for
#: fields with bounds of their own.
WholeNumber = Annotated[int, BeforeValidator(_for_pydantic(parse_count))]
#: A whole number of messages, >= 0: ``200000`` or ``200k``.
Count = Annotated[
    int, BeforeValidator(_for_pydantic(parse_count)), AfterValidator(_non_negative)
]


class Model(BaseModel):
    """Base of every scenario record: immutable, and unknown keys are faults."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


#: The separator of the tags that :func:`tagged_union` puts in a fault's path;
#: the scenario loader drops such path parts, so that a fault reads
#: ``queues.push.consumers.service.cv`` and not ``...service.law=lognormal.cv``.
TAG_SEPARATOR = "="


def tagged_union(models: tuple[type[BaseModel], ...], key: str) -> Any:
    """A pydantic union of ``models`` chosen by the value of their ``key`` field.

    Each model declares ``key`` as a ``Literal`` of one name. A mapping whose
    ``key`` is missing or names no model is refused with the list of names.
    """
    names = [get_args(model.model_fields[key].annotation)[0] for model in models]
    choices = ", ".join(names)

    def choose(value: Any) -> str | None:
        tag = value.get(key) if isinstance(value, dict) else getattr(value, key, None)
        return f"{key}{TAG_SEPARATOR}{tag}" if tag in names else None

    members = tuple(
        Annotated[model, Tag(f"{key}{TAG_SEPARATOR}{name}")]
        for model, name in zip(models, names, strict=True)
    )
    return Annotated[
        Union[members],  # noqa: UP007
        Discriminator(
            choose,
            custom_error_type=f"unknown_{key}",
            custom_error_message=f"must be a mapping with '{key}' set to one of: {choices}",
        ),
    ]
