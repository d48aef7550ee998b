"""Reading one column of a CSV file named in a scenario.

A file is named relative to the scenario file's folder, which the loader puts
in pydantic's validation context as ``base_dir``; without it the name is
relative to the current directory. Every fault names the file, the column and,
for a bad cell, its line (the header is line 1).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationInfo

from pushsim.quantities import DURATION_UNITS

from ._common import FloatArray

__all__ = ["check_unit", "numbers", "read_column", "timestamps", "where"]

_CLOCK_RE = r"^(\d+):([0-5]\d):([0-5]\d(?:\.\d*)?)$"


def check_unit(unit: str) -> str:
    """A time unit for the plain numbers of a file: one of the duration units."""
    if unit not in DURATION_UNITS:
        units = ", ".join(DURATION_UNITS)
        raise ValueError(f"must be one of {units}, got {unit!r}")
    return unit


def where(file: str, column: str) -> str:
    """The place a fault refers to: ``file 'a.csv', column 'latency'``."""
    return f"file {file!r}, column {column!r}"


def _resolve(file: str, info: ValidationInfo) -> Path:
    context = info.context if isinstance(info.context, dict) else {}
    base = context.get("base_dir")
    return (Path(base) if base is not None else Path()) / file


def read_column(file: str, column: str, info: ValidationInfo) -> pd.Series:
    """The cells of ``column`` as stripped strings, refused if absent or empty."""
    path = _resolve(file, info)
    if path.is_dir():
        raise ValueError(
            f"file: {file!r} is a folder, not a file (looked at {path.absolute()})"
        )
    if not path.is_file():
        raise ValueError(f"file: {file!r} not found (looked for {path.absolute()})")
    try:
        table = pd.read_csv(
            path, dtype=str, keep_default_na=False, skip_blank_lines=False
        )
    except pd.errors.EmptyDataError:
        raise ValueError(f"file: {file!r} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as error:
        raise ValueError(f"file: {file!r} cannot be read as CSV: {error}") from None
    if column not in table.columns:
        columns = ", ".join(repr(str(name)) for name in table.columns)
        raise ValueError(f"column: {file!r} has no column {column!r}; it has {columns}")
    cells = table[column].str.strip()
    if cells.empty:
        raise ValueError(f"column: {where(file, column)} has no values")
    return cells


def _line(cells: pd.Series, bad: np.ndarray) -> tuple[int, str]:
    """The file line and text of the first cell flagged in ``bad``."""
    index = int(np.flatnonzero(bad)[0])
    return index + 2, str(cells.iloc[index])


def _refuse_empty(cells: pd.Series, place: str) -> None:
    empty = (cells == "").to_numpy()
    if empty.any():
        line, _ = _line(cells, empty)
        raise ValueError(f"column: {place}, line {line} is empty")


def numbers(cells: pd.Series, place: str) -> FloatArray:
    """The cells as finite floats; an empty, non-numeric or infinite cell is refused."""
    _refuse_empty(cells, place)
    values = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        line, text = _line(cells, bad)
        raise ValueError(
            f"column: {place}, line {line}: {text!r} is not a finite number"
        )
    return values


def timestamps(cells: pd.Series, place: str, unit: str) -> FloatArray:
    """Seconds of numeric timestamps in ``unit``, or of clock times ``H:MM:SS``.

    The first cell decides which: if it reads as a clock time, every cell must;
    a clock time counts from midnight and its seconds may have decimals.
    """
    _refuse_empty(cells, place)
    if re.match(_CLOCK_RE, str(cells.iloc[0])) is None:
        return numbers(cells, place) * DURATION_UNITS[unit]
    parts = cells.str.extract(_CLOCK_RE)
    bad = parts[0].isna().to_numpy()
    if bad.any():
        line, text = _line(cells, bad)
        raise ValueError(
            f"column: {place}, line {line}: {text!r} is not a clock time H:MM:SS"
        )
    hours, minutes, seconds = (parts[k].astype(np.float64).to_numpy() for k in range(3))
    return np.asarray(hours * 3600.0 + minutes * 60.0 + seconds, dtype=np.float64)
