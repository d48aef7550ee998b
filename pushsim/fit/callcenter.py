"""The records of a bank's call centre, turned into a trace of the agents' queue.

The records are the "Anonymous Bank" call-centre data of the Technion's
service-engineering group (Guedj and Mandelbaum), studied in L. Brown et al.,
"Statistical analysis of a telephone call center: a queueing-science
perspective", JASA 100 (2005): one row a call, with the columns ``date``,
``vru_entry``, ``vru_exit``, ``q_start``, ``q_time``, ``outcome``,
``ser_start``, ``ser_time`` and ``server`` among others. The queue modelled
is the agents' queue, so a call enters the trace when it reaches it:

- arrival: ``q_start`` where the call queued (``q_time > 0``), else
  ``vru_exit`` (it went straight to an agent); a clock time earlier than
  ``vru_entry`` is on the next day (the call crossed midnight);
- a call that hung up in the voice-response unit (``HANG`` with
  ``q_time == 0``) never reached the queue and is left out;
- outcome: ``AGENT`` is served, ``HANG`` (having queued) abandoned, and
  ``PHANTOM`` (a call the system lost track of) lost;
- wait: ``q_time``, seconds; for an abandoned call it is its patience, for a
  served one a right-censored patience (the caller would have waited longer);
- service: ``ser_time``, seconds, for the served calls.

The trace keeps ``date``, ``arrival`` (a clock time), ``wait``, ``service``,
``outcome``, and ``server`` (the agent, for counting the agents at work);
:func:`pushsim.fit.read_trace` reads it with its default column names.

Limits: the priority and the type of each call are dropped, so the fitted
queue serves every call alike in arrival order.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pushsim.errors import PushsimError

__all__ = ["RECORD_COLUMNS", "callcenter_trace"]

#: The columns of the records that the conversion reads.
RECORD_COLUMNS = (
    "date",
    "vru_entry",
    "vru_exit",
    "q_start",
    "q_time",
    "outcome",
    "ser_time",
    "server",
)
_OUTCOMES = {"AGENT": "served", "HANG": "abandoned", "PHANTOM": "lost"}
DAY = 86400


def _clock(values: pd.Series, column: str, source: str) -> np.ndarray:
    parts = values.astype(str).str.extract(r"^\s*(\d{1,2}):(\d{2}):(\d{2})\s*$")
    bad = parts[0].isna().to_numpy()
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise PushsimError(
            f"{source} line {index + 2}: column {column!r} has "
            f"{values.iloc[index]!r}, which is not a clock time H:MM:SS"
        )
    numbers = parts.astype(int)
    return (numbers[0] * 3600 + numbers[1] * 60 + numbers[2]).to_numpy()


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise PushsimError(f"{path}: no such file")
    try:
        records = pd.read_csv(path, dtype={"server": str, "outcome": str})
    except (
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        UnicodeDecodeError,
    ) as error:
        raise PushsimError(f"{path}: is not a readable CSV file ({error})") from None
    missing = [c for c in RECORD_COLUMNS if c not in records.columns]
    if missing:
        raise PushsimError(
            f"{path}: is not in the call-centre layout: no column "
            f"{', '.join(missing)} (it needs {', '.join(RECORD_COLUMNS)})"
        )
    return records


def callcenter_trace(
    path: str | Path, *, dates: Sequence[str] | None = None
) -> pd.DataFrame:
    """The agents' queue of the call-centre records as a trace, sorted by arrival.

    ``dates`` keeps only the calls of those days (``["2010-08-02"]``).
    """
    source = Path(path)
    records = _read(source)
    if dates is not None:
        records = records[records["date"].isin(list(dates))]
        if records.empty:
            raise PushsimError(f"{source}: no call on {', '.join(dates)}")
    records = records.reset_index(drop=True)
    unknown = sorted(set(records["outcome"]) - set(_OUTCOMES))
    if unknown:
        raise PushsimError(
            f"{source}: column 'outcome' has {', '.join(unknown)}; the layout knows "
            f"{', '.join(_OUTCOMES)}"
        )
    queued = records["q_time"].to_numpy() > 0
    reached = queued | (records["outcome"] == "AGENT").to_numpy()
    records = records[reached].reset_index(drop=True)
    queued = queued[reached]
    arrival = np.where(
        queued,
        _clock(records["q_start"], "q_start", str(source)),
        _clock(records["vru_exit"], "vru_exit", str(source)),
    )
    entry = _clock(records["vru_entry"], "vru_entry", str(source))
    day = pd.to_datetime(records["date"], format="%Y-%m-%d")
    late = arrival < entry  # past midnight: the date is the call's entry day
    day = day + pd.to_timedelta(late.astype(int), unit="D")
    served = (records["outcome"] == "AGENT").to_numpy()
    trace = pd.DataFrame(
        {
            "date": day.dt.strftime("%Y-%m-%d"),
            "arrival": [_text(s) for s in arrival],
            "wait": records["q_time"].astype(int),
            "service": np.where(served, records["ser_time"], np.nan),
            "outcome": records["outcome"].map(_OUTCOMES),
            "server": np.where(served, records["server"], ""),
        }
    )
    order = np.lexsort((arrival, day.to_numpy()))
    trace = trace.iloc[order].reset_index(drop=True)
    trace["service"] = trace["service"].astype("Int64")
    return trace


def _text(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
