"""A log of real messages, read from a CSV file or a DataFrame and normalised.

A trace has one row a message. Its columns play five roles, each found under
the role's own name unless ``columns`` maps the role to another column:

- ``arrival`` (required): when the message arrived. Epoch seconds (or any
  plain seconds, at most :data:`EPOCH_CEILING` either way: a timestamp ends
  on 2262-04-11), ISO timestamps (``2024-03-01T07:13:05``, all with a time
  zone or none: ``Z`` or an offset such as ``+05:00``, converted to UTC), or
  clock times (``7:13:05`` or ``7:13``, hours 0 to 23) that a ``date``
  column places on their day;
- ``date``: the day of a clock time (``2024-03-01``);
- ``service``: the service duration in seconds (or a duration such as
  ``250ms``), where the message was served; a duration is at most 10^9
  seconds, about 32 years;
- ``wait``: seconds between arrival and the start of service, or, for a
  message that abandoned, between arrival and abandonment;
- ``outcome``: ``served``, ``abandoned`` or ``lost`` (and a few synonyms:
  see :data:`OUTCOME_WORDS`). Without it, a message with a service time
  counts as served.

The result, :class:`Trace`, holds one float column of seconds per role
(``arrival_at`` from the trace's origin, ``service_time``, ``wait_time``, NaN
where unknown) and ``outcome``, sorted by arrival. Every fault is a
:class:`~pushsim.errors.PushsimError` naming the file, the line, the column,
the value and the rule. A CSV file's header must name each column once, and
no row may have more fields than the header (a row with fewer has its last
values missing).

Limits: a clock time without a date column is taken as seconds after the
midnight of one day, so a trace that crosses midnight needs its dates;
naive ISO timestamps are taken as they are written (no time-zone shift),
so they cannot be mixed with timestamps that have a zone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pushsim.errors import PushsimError
from pushsim.fit.values import (
    CLOCK,
    OUTCOME_WORDS,
    Where,
    bad_value,
    durations,
    missing,
    outcomes,
)

__all__ = ["OUTCOME_WORDS", "ROLES", "Trace", "as_trace", "parse_columns", "read_trace"]

#: The roles a trace column may play.
ROLES = ("arrival", "date", "service", "wait", "outcome")
#: Numbers at least this large in an arrival column are read as Unix epoch seconds.
EPOCH_FLOOR = 1e8
#: The largest number of seconds an arrival time may be: epoch seconds of the last
#: instant a timestamp holds (2262-04-11), and so also about 292 years of plain seconds.
EPOCH_CEILING = math.floor(pd.Timestamp.max.timestamp())
DAY = 86400.0
#: What a clock time of the arrival column must be, as messages say it.
CLOCK_RULE = "a clock time H:MM or H:MM:SS"
_COMPRESSED = (".gz", ".bz2", ".zip", ".xz", ".zst", ".tar")
#: pandas' words for a row with more fields than the header.
_TOO_MANY_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
#: The time zone that ends an ISO timestamp: ``Z`` or an offset such as ``+05:00``.
_ZONE = re.compile(r"[T ]\d.*(?:Z|[+-]\d{2}(?::?\d{2})?)$")


@dataclass(frozen=True)
class Trace:
    """A normalised message log: seconds per role, one row a message.

    ``messages`` has ``arrival_at`` (seconds from ``origin``), ``service_time``,
    ``wait_time`` (seconds, NaN where unknown) and ``outcome`` (``served``,
    ``abandoned``, ``lost`` or ``unknown``). ``origin`` is the instant that
    ``arrival_at`` 0 stands for (the midnight before the first arrival), or
    None for plain seconds. ``columns`` names the trace column of each role
    found; ``source`` names the file or frame.
    """

    messages: pd.DataFrame
    origin: pd.Timestamp | None
    columns: Mapping[str, str]
    source: str = "trace"
    notes: tuple[str, ...] = field(default=())

    @property
    def size(self) -> int:
        """The number of messages."""
        return len(self.messages)

    @property
    def span(self) -> float:
        """Seconds from the first arrival to the last."""
        times = self.messages["arrival_at"]
        return float(times.iloc[-1] - times.iloc[0])

    def has(self, role: str) -> bool:
        """Whether the trace had a column for ``role``."""
        return role in self.columns

    def outcome_counts(self) -> dict[str, int]:
        """How many messages had each outcome."""
        counts = self.messages["outcome"].value_counts()
        return {str(k): int(v) for k, v in counts.items()}

    def unserved_services(self) -> str:
        """The service values on messages not served, in words ("" if none).

        Only a served message's service time is one: these are left out of
        the service fit and of the count in service.
        """
        frame = self.messages
        carried = frame[(frame["outcome"] != "served") & frame["service_time"].notna()]
        if carried.empty:
            return ""
        counts = carried["outcome"].value_counts()
        kinds = " and ".join(f"{int(v)} {k}" for k, v in counts.items() if v)
        column = self.columns.get("service", "service")
        return f"the values of column {column!r} on {kinds} messages"


def parse_columns(text: str | Mapping[str, str] | None) -> dict[str, str]:
    """``role=column`` pairs (``"arrival=q_start,service=ser_time"``) as a mapping."""
    if text is None:
        return {}
    if isinstance(text, Mapping):
        pairs = dict(text)
    else:
        pairs = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            role, sep, column = part.partition("=")
            if not sep or not role.strip() or not column.strip():
                raise PushsimError(
                    f"--columns: each entry must read ROLE=COLUMN, got {part!r}"
                )
            pairs[role.strip()] = column.strip()
    unknown = sorted(set(pairs) - set(ROLES))
    if unknown:
        raise PushsimError(
            f"columns: unknown role {', '.join(map(repr, unknown))}; "
            f"the roles are {', '.join(ROLES)}"
        )
    return pairs


def read_trace(
    source: str | Path | pd.DataFrame,
    *,
    columns: Mapping[str, str] | str | None = None,
    name: str | None = None,
) -> Trace:
    """Read and normalise a trace: a CSV file's path, or a DataFrame.

    ``name`` is what messages and the scenario call the trace (default: the
    path, or ``trace`` for a DataFrame).
    """
    mapping = parse_columns(columns)
    if isinstance(source, pd.DataFrame):
        name = name or "trace"
        _no_repeated_names(list(source.columns), f"{name}: the frame")
        frame, offset = source.reset_index(drop=True), 0
    else:
        frame, offset = _read_csv(Path(source)), 2
        name = name or str(source)
    if frame.empty:
        raise PushsimError(f"{name}: has no messages (a header and no rows)")
    found = _find_columns(frame, mapping, name)
    return _normalise(frame, found, Where(name, offset))


def _read_csv(path: Path) -> pd.DataFrame:
    _check_file(path)
    # the header as written (pandas renames a repeated name), and the first row,
    # which pandas would take for an index if it had more fields than the header
    head = _parse(path, header=None, nrows=2, dtype=str, keep_default_na=False)
    _no_repeated_names(list(head.iloc[0]), f"{path}: the header")
    return _parse(path, index_col=False)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise PushsimError(f"{path}: no such file")
    if path.is_dir():
        raise PushsimError(f"{path}: is a folder, not a CSV file")
    if path.stat().st_size == 0:
        raise PushsimError(f"{path}: the file is empty")
    if not path.name.lower().endswith(_COMPRESSED):
        with path.open("rb") as handle:
            head = handle.read(8192)
        if b"\0" in head:
            raise PushsimError(f"{path}: is not a CSV file (it holds binary data)")


def _parse(path: Path, **options: Any) -> pd.DataFrame:
    """The file read by pandas, its faults said in pushsim's words."""
    try:
        return pd.read_csv(path, skipinitialspace=True, **options)
    except pd.errors.EmptyDataError:
        raise PushsimError(f"{path}: the file is empty") from None
    except (
        pd.errors.ParserError,
        UnicodeDecodeError,
        ValueError,
        OSError,
        EOFError,
    ) as error:
        raise PushsimError(_unreadable(path, str(error))) from None


def _unreadable(path: Path, reason: str) -> str:
    fields = _TOO_MANY_FIELDS.search(reason)
    if fields is not None:
        header, line, row = fields.groups()
        return (
            f"{path} line {line}: has {row} fields where the header has {header}; "
            "a row may not have more fields than the header"
        )
    first = reason.strip().splitlines()[0] if reason.strip() else ""
    return f"{path}: is not a readable CSV file ({first})"


def _no_repeated_names(names: Sequence[Any], what: str) -> None:
    """Refuse a name given to two columns: a role could not tell which is meant."""
    places: dict[Any, list[int]] = {}
    for number, column in enumerate(names, start=1):
        if str(column).strip():
            places.setdefault(column, []).append(number)
    repeated = [(column, at) for column, at in places.items() if len(at) > 1]
    if repeated:
        shown = ", ".join(
            f"{str(column)!r} (columns {', '.join(map(str, at[:-1]))} and {at[-1]})"
            for column, at in repeated
        )
        plural = "s" if len(repeated) > 1 else ""
        raise PushsimError(
            f"{what} repeats the column name{plural} {shown}; each column needs a "
            "name of its own"
        )


def _find_columns(
    frame: pd.DataFrame, mapping: Mapping[str, str], name: str
) -> dict[str, str]:
    """The column of each role: the one mapped, else the role's own name."""
    by_lower = {str(c).strip().lower(): c for c in frame.columns}
    found: dict[str, str] = {}
    for role in ROLES:
        wanted = mapping.get(role, role)
        column = wanted if wanted in frame.columns else by_lower.get(wanted.lower())
        if column is not None:
            found[role] = column
        elif role in mapping or role == "arrival":
            have = ", ".join(map(str, frame.columns[:12]))
            hint = (
                " (is it a CSV file with a header line?)" if frame.shape[1] == 1 else ""
            )
            how = "" if role in mapping else f"; name it with --columns {role}=COLUMN"
            raise PushsimError(
                f"{name}: no column {wanted!r} for the {role}{how}; the columns are: "
                f"{have}{hint}"
            )
    return found


def _normalise(frame: pd.DataFrame, found: dict[str, str], where: Where) -> Trace:
    notes: list[str] = []
    arrival, origin = _arrival_seconds(frame, found, where)
    data = {"arrival_at": arrival}
    for role in ("service", "wait"):
        if role in found:
            data[f"{role}_time"] = durations(frame[found[role]], role, where)
        else:
            data[f"{role}_time"] = np.full(len(frame), np.nan)
    if "outcome" in found:
        outcome = outcomes(frame[found["outcome"]], where)
    else:
        known = ~np.isnan(data["service_time"])
        outcome = np.where(known, "served", "unknown")
        if "service" in found:
            notes.append(
                "no outcome column: a message with a service time counts as served"
            )
    messages = pd.DataFrame(data)
    messages["outcome"] = pd.Categorical(
        outcome, categories=["served", "abandoned", "lost", "unknown"]
    )
    messages = messages.sort_values("arrival_at", kind="stable").reset_index(drop=True)
    return Trace(messages, origin, dict(found), where.source, tuple(notes))


def _arrival_seconds(
    frame: pd.DataFrame, found: dict[str, str], where: Where
) -> tuple[np.ndarray, pd.Timestamp | None]:
    """Arrival times as seconds from the midnight before the first, and that midnight.

    The first row decides the format (seconds, clock time or timestamp); a
    later row in another format is reported as the fault.
    """
    column = found["arrival"]
    values = frame[column]
    _no_blanks(values, column, where)
    days = (
        _dates(frame[found["date"]], found["date"], where) if "date" in found else None
    )
    text = values.astype(str).str.strip()
    if CLOCK.match(text.iloc[0]):
        clock = text.str.match(CLOCK.pattern).to_numpy()
        if not clock.all():
            index = int(np.flatnonzero(~clock)[0])
            bad_value(
                where, index, column, values, f"{CLOCK_RULE}, as the first row is"
            )
        seconds = _clock_seconds(text, column, where)
    elif _is_number(text.iloc[0]) or pd.api.types.is_numeric_dtype(values):
        numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
        if np.isnan(numbers).any():
            index = int(np.flatnonzero(np.isnan(numbers))[0])
            bad_value(
                where, index, column, values, "a number of seconds, as the first row is"
            )
        _finite(numbers, column, where)
        seconds = numbers
    else:
        if days is not None:
            bad_value(
                where, 0, column, values, f"{CLOCK_RULE} (there is a date column)"
            )
        stamps = _timestamps(text, column, where)
        first = stamps.min().normalize()
        return (stamps - first).dt.total_seconds().to_numpy(), first
    return _plain_seconds(seconds) if days is None else _on_days(days, seconds)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _no_blanks(
    values: pd.Series, column: str, where: Where, what: str = "an arrival time"
) -> None:
    empty = missing(values)
    if empty.any():
        index = int(np.flatnonzero(empty)[0])
        raise PushsimError(
            f"{where.row(index)}: column {column!r} is empty; every message needs "
            f"{what} ({_rows_have_none(int(empty.sum()))})"
        )


def _rows_have_none(count: int) -> str:
    return "1 row has none" if count == 1 else f"{count} rows have none"


def _finite(seconds: np.ndarray, column: str, where: Where) -> None:
    bad = ~np.isfinite(seconds)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise PushsimError(
            f"{where.row(index)}: column {column!r} is {seconds[index]}; "
            "an arrival time must be a finite number of seconds"
        )
    far = np.abs(seconds) > EPOCH_CEILING
    if far.any():
        index = int(np.flatnonzero(far)[0])
        raise PushsimError(
            f"{where.row(index)}: column {column!r} is {seconds[index]:g}, out of the "
            f"range of a timestamp; an arrival time in seconds must be between "
            f"-{EPOCH_CEILING} and {EPOCH_CEILING} (as epoch seconds, up to 2262-04-11)"
        )


def _plain_seconds(seconds: np.ndarray) -> tuple[np.ndarray, pd.Timestamp | None]:
    """Seconds as given; epoch seconds are shifted to start on their first UTC day."""
    if float(np.min(seconds)) >= EPOCH_FLOOR:
        midnight = math.floor(float(np.min(seconds)) / DAY) * DAY
        return seconds - midnight, pd.Timestamp(midnight, unit="s")
    return seconds, None


def _on_days(
    days: pd.Series, seconds: np.ndarray
) -> tuple[np.ndarray, pd.Timestamp | None]:
    first = days.min()
    offset = (days - first).dt.total_seconds().to_numpy()
    return offset + seconds, first


def _clock_seconds(text: pd.Series, column: str, where: Where) -> np.ndarray:
    """Seconds after midnight of clock times; an hour past 23 is refused."""
    parts = text.str.extract(CLOCK.pattern)
    hours = parts[0].astype(float)
    late = (hours >= 24).to_numpy()
    if late.any():
        bad_value(
            where,
            int(np.flatnonzero(late)[0]),
            column,
            text,
            f"{CLOCK_RULE}: its hour must be 0 to 23 (a time that crosses midnight "
            "goes on the next date)",
        )
    minutes = parts[1].astype(float)
    secs = parts[2].fillna("0").astype(float)
    return (hours * 3600.0 + minutes * 60.0 + secs).to_numpy()


def _dates(values: pd.Series, column: str, where: Where) -> pd.Series:
    _no_blanks(values, column, where, "a date")
    parsed = pd.to_datetime(values.astype(str), format="ISO8601", errors="coerce")
    bad = parsed.isna().to_numpy()
    if bad.any():
        bad_value(
            where, int(np.flatnonzero(bad)[0]), column, values, "a date YYYY-MM-DD"
        )
    if not bool((parsed == parsed.dt.normalize()).all()):
        index = int(np.flatnonzero((parsed != parsed.dt.normalize()).to_numpy())[0])
        bad_value(where, index, column, values, "a date without a time of day")
    return parsed


def _timestamps(text: pd.Series, column: str, where: Where) -> pd.Series:
    rule = "an ISO timestamp such as 2024-03-01T07:13:05, as the first row is"
    try:
        stamps = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    except (ValueError, TypeError):
        stamps = pd.Series(pd.NaT, index=text.index)
    bad = stamps.isna().to_numpy()
    if bad.any():
        bad_value(where, int(np.flatnonzero(bad)[0]), column, text, rule)
    _one_kind_of_zone(text, column, where)
    return stamps.dt.tz_convert(None)


def _one_kind_of_zone(text: pd.Series, column: str, where: Where) -> None:
    """Refuse zoned timestamps among plain ones: a plain one's zone is unknown."""
    zoned = text.str.contains(_ZONE).to_numpy(dtype=bool)
    other = np.flatnonzero(zoned != zoned[0])
    if other.size:
        kind = "with" if zoned[0] else "without"
        bad_value(
            where,
            int(other[0]),
            column,
            text,
            f"a timestamp {kind} a time zone, as the first row is; the timestamps "
            "must all have a time zone (such as Z or +05:00), or none have one",
        )


def as_trace(source: Any, columns: Mapping[str, str] | str | None = None) -> Trace:
    """A :class:`Trace` as it is, or read from a path or a DataFrame."""
    if isinstance(source, Trace):
        if columns:
            raise PushsimError(
                "columns: give them when reading the trace, not with a Trace"
            )
        return source
    if isinstance(source, str | Path | pd.DataFrame):
        return read_trace(source, columns=columns)
    raise TypeError(
        f"trace: must be a CSV path, a pandas DataFrame or a Trace, got {type(source).__name__}"
    )
