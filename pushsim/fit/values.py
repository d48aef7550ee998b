"""The values of a trace's columns: durations and outcomes, checked row by row.

A duration is a number of seconds, a duration with a unit (``250ms``,
``1.5min``) or a clock-like span (``H:MM:SS`` or ``H:MM``, any number of
hours: ``0:01:05``); it must be >= 0 and at most :data:`LONGEST` (about 32
years: a longer one is a fault in the data, and would overflow the fits of
the laws). A blank cell is a duration not known (NaN).
An outcome is one of the words of :data:`OUTCOME_WORDS`, compared without
case or surrounding blanks. A fault names the file, the line, the column, the
value and the rule; a missing value (a blank cell, a row with fewer fields than
the header, NaN) is said to be empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pushsim.errors import PushsimError
from pushsim.quantities import parse_duration

__all__ = [
    "CLOCK",
    "LONGEST",
    "OUTCOME_WORDS",
    "Where",
    "bad_value",
    "durations",
    "is_missing",
    "missing",
    "outcomes",
]

#: The longest duration a trace may hold, in seconds (about 32 years).
LONGEST = 1e9

#: The words of each outcome (compared without case or surrounding blanks).
OUTCOME_WORDS: dict[str, tuple[str, ...]] = {
    "served": ("served", "completed", "complete", "done", "ok", "success"),
    "abandoned": ("abandoned", "abandon", "reneged", "expired", "timeout", "hangup"),
    "lost": ("lost", "dropped", "rejected", "failed", "other"),
}
#: A clock time: hours (any number: a span; :mod:`.trace` holds an arrival's
#: clock time to hours 0 to 23), minutes, and optionally seconds.
CLOCK = re.compile(r"^\s*(\d{1,3}):([0-5]\d)(?::([0-5]\d(?:\.\d*)?))?\s*$")
_SHOWN = 5


@dataclass(frozen=True)
class Where:
    """Where a row came from, for messages: the source and the line of row 0."""

    source: str
    offset: int

    def row(self, index: int) -> str:
        """The place of row ``index``: a file's line, or a frame's row."""
        if self.offset:
            return f"{self.source} line {index + self.offset}"
        return f"{self.source} row {index}"


def missing(values: pd.Series) -> np.ndarray:
    """Which cells of a column hold nothing: NaN, None, NA, NaT or blank text."""
    empty = values.isna().to_numpy(dtype=bool)
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        blank = values.astype("string").str.strip() == ""
        empty = empty | blank.fillna(True).to_numpy(dtype=bool)
    return empty


def is_missing(value: object) -> bool:
    """Whether a cell holds nothing: None, NaN, NA, NaT or blank text."""
    if isinstance(value, str):
        return not value.strip()
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def _holds(value: object) -> str:
    """How a message says a cell: ``is empty``, or ``has`` and its value."""
    return "is empty" if is_missing(value) else f"has {value!r}"


def bad_value(
    where: Where, index: int, column: str, values: pd.Series, rule: str
) -> None:
    """Refuse the value at row ``index`` of ``values``: it breaks ``rule``."""
    raise PushsimError(
        f"{where.row(index)}: column {column!r} {_holds(values.iloc[index])}, "
        f"which is not {rule}"
    )


def durations(values: pd.Series, role: str, where: Where) -> np.ndarray:
    """Seconds, NaN where blank; refuses text that is no duration and negatives."""
    column = str(values.name)
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        seconds = values.to_numpy(dtype=np.float64)
    else:
        seconds = _parse_durations(values, column, where)
    negative = seconds < 0
    if negative.any():
        index = int(np.flatnonzero(negative)[0])
        raise PushsimError(
            f"{where.row(index)}: column {column!r} ({role}) is {seconds[index]:g}; a "
            f"duration must be >= 0 ({int(negative.sum())} rows are negative)"
        )
    if np.isinf(seconds).any():
        index = int(np.flatnonzero(np.isinf(seconds))[0])
        raise PushsimError(
            f"{where.row(index)}: column {column!r} ({role}) is infinite; a duration "
            "must be a finite number of seconds"
        )
    long = seconds > LONGEST
    if long.any():
        index = int(np.flatnonzero(long)[0])
        raise PushsimError(
            f"{where.row(index)}: column {column!r} ({role}) is {seconds[index]:g}; a "
            f"duration must be at most {LONGEST:.0f} seconds, about 32 years "
            f"({int(long.sum())} rows are longer)"
        )
    return seconds


def _parse_durations(values: pd.Series, column: str, where: Where) -> np.ndarray:
    seconds = np.full(len(values), np.nan)
    for index, value in enumerate(values.to_numpy()):
        if is_missing(value):
            continue
        text = str(value)
        clock = CLOCK.match(text)
        try:
            if clock is not None:
                h, m, s = clock.groups()
                seconds[index] = int(h) * 3600 + int(m) * 60 + float(s or 0)
            else:
                seconds[index] = parse_duration(text.strip())
        except ValueError:
            bad_value(
                where,
                index,
                column,
                values,
                "a duration (seconds, '250ms', H:MM or H:MM:SS)",
            )
    return seconds


def outcomes(values: pd.Series, where: Where) -> np.ndarray:
    """Each row's outcome word as ``served``, ``abandoned`` or ``lost``; refuses others."""
    column = str(values.name)
    words = {w: kind for kind, group in OUTCOME_WORDS.items() for w in group}
    text = values.astype("string").str.strip().str.lower()
    mapped = text.map(words)
    unknown = mapped.isna().to_numpy()
    if unknown.any():
        index = int(np.flatnonzero(unknown)[0])
        allowed = "; ".join(f"{k}: {', '.join(g)}" for k, g in OUTCOME_WORDS.items())
        raise PushsimError(
            f"{where.row(index)}: column {column!r} {_holds(values.iloc[index])}, "
            f"which is no outcome ({_not_outcomes(values[unknown])}); the outcomes "
            f"are {allowed}"
        )
    return mapped.to_numpy(dtype=object).astype(str)


def _not_outcomes(values: pd.Series) -> str:
    """The values that are no outcome, the empty cells counted apart."""
    empty = missing(values)
    odd = sorted({str(v) for v in values[~empty]})[:_SHOWN]
    parts = [f"other values: {', '.join(odd)}"] if odd else []
    if empty.any():
        parts.append(f"{int(empty.sum())} empty {'rows' if empty.sum() > 1 else 'row'}")
    return "; ".join(parts)
