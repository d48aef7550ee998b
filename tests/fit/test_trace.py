"""Reading traces: the time formats that work, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pushsim.errors import PushsimError
from pushsim.fit import read_trace
from pushsim.fit.trace import parse_columns
from pushsim.fit.values import Where, bad_value

ROWS = ["7:13:05", "7:14:00", "9:00:30"]
SECONDS = np.array(
    [7 * 3600 + 13 * 60 + 5, 7 * 3600 + 14 * 60, 9 * 3600 + 30], dtype=float
)


def _write(tmp_path: Path, text: str, name: str = "trace.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_clock_times_with_a_date_epoch_seconds_and_iso_agree(tmp_path: Path) -> None:
    clock = _write(
        tmp_path, "date,arrival\n" + "".join(f"2024-03-01,{t}\n" for t in ROWS)
    )
    midnight = pd.Timestamp("2024-03-01").timestamp()
    epoch = pd.DataFrame({"arrival": midnight + SECONDS})
    iso = pd.DataFrame(
        {"arrival": [f"2024-03-01T0{t}" if len(t) == 7 else t for t in ROWS]}
    )
    offset = pd.DataFrame({"arrival": [f"2024-03-01T0{t}+02:00" for t in ROWS]})
    for source in (clock, epoch, iso):
        trace = read_trace(source)
        assert trace.messages["arrival_at"].to_numpy() == pytest.approx(SECONDS)
        assert trace.origin == pd.Timestamp("2024-03-01")
    shifted = read_trace(offset)  # converted to UTC: two hours earlier, same spacing
    assert np.diff(shifted.messages["arrival_at"]) == pytest.approx(np.diff(SECONDS))


def test_a_second_day_is_counted_from_the_first_midnight(tmp_path: Path) -> None:
    path = _write(tmp_path, "date,arrival\n2024-03-02,0:00:10\n2024-03-01,23:59:50\n")
    trace = read_trace(path)
    assert trace.messages["arrival_at"].tolist() == [86390.0, 86410.0]


def test_columns_map_roles_and_durations_take_units(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "t,svc,q,result\n0,250ms,0,served\n1.5,2s,0:01:05,ABANDONED\n3,,1,dropped\n",
    )
    trace = read_trace(path, columns="arrival=t,service=svc,wait=q,outcome=result")
    frame = trace.messages
    assert frame["service_time"].tolist()[:2] == [0.25, 2.0]
    assert np.isnan(frame["service_time"].iloc[2])
    assert frame["wait_time"].tolist() == [0.0, 65.0, 1.0]
    assert frame["outcome"].tolist() == ["served", "abandoned", "lost"]
    assert trace.origin is None


@pytest.mark.parametrize(
    ("text", "columns", "message"),
    [
        (
            "time,service\n1,2\n",
            None,
            "no column 'arrival' for the arrival; name it with "
            "--columns arrival=COLUMN; the columns are: time, service",
        ),
        ("arrival,service\n1,2\n", "service=svc", "no column 'svc' for the service"),
        (
            "arrival\n1\nsoon\n",
            None,
            "line 3: column 'arrival' has 'soon', which is not "
            "a number of seconds, as the first row is",
        ),
        (
            "arrival\n2024-03-01T07:00\n2024-13-01T07:00\n",
            None,
            "line 3: column "
            "'arrival' has '2024-13-01T07:00', which is not an ISO timestamp",
        ),
        (
            "date,arrival\n2024-03-01,7:00:00\n2024-03-01,7h\n",
            None,
            "line 3: column 'arrival' has '7h', which is not a clock time",
        ),
        (
            "date,arrival,service\n2024-01-01,23:00:00,32\n2024-01-01,25:00:00,32\n",
            None,
            "line 3: column 'arrival' has '25:00:00', which is not a clock time H:MM "
            "or H:MM:SS: its hour must be 0 to 23 (a time that crosses midnight goes "
            "on the next date)",
        ),
        (
            "arrival,service\n99:00:00,32\n10:00:00,3\n",
            None,
            "line 2: column 'arrival' has '99:00:00', which is not a clock time H:MM "
            "or H:MM:SS: its hour must be 0 to 23",
        ),
        (
            "date,arrival\n2024-03-01,24:00\n",
            None,
            "line 2: column 'arrival' has '24:00', which is not a clock time",
        ),
        (
            "date,arrival\n2024-03-01,10:00\n2024-03-01,10:61:00\n",
            None,
            "line 3: column 'arrival' has '10:61:00', which is not a clock time H:MM "
            "or H:MM:SS, as the first row is",
        ),
        (
            "date,arrival\n2024-03-01,7:00:00\n,7:00:01\n",
            None,
            "line 3: column 'date' is empty; every message needs a date (1 row has "
            "none)",
        ),
        (
            "arrival,service,wait,outcome\n1700000000,32,0,served\n"
            "1700000010,30,5,served\n1700000020,32\n",
            None,
            "line 4: column 'outcome' is empty, which is no outcome (1 empty row); the "
            "outcomes are served: served,",
        ),
        (
            "date,arrival\n2024-03-01,7:00:00\nMonday,7:00:01\n",
            None,
            "line 3: column 'date' has 'Monday', which is not a date",
        ),
        (
            "arrival,service\n1,2\n2,-3\n",
            None,
            "line 3: column 'service' (service) is -3; "
            "a duration must be >= 0 (1 rows are negative)",
        ),
        (
            "arrival,service\n1e20,1\n1e20,2\n",
            None,
            "line 2: column 'arrival' is 1e+20, out of the range of a timestamp; an "
            "arrival time in seconds must be between -9223372036 and 9223372036",
        ),
        (
            "arrival,service\n0,1\n1e20,2\n",
            None,
            "line 3: column 'arrival' is 1e+20, out of the range of a timestamp",
        ),
        (
            "arrival,service\n1700000000,1\n1700000010,1e308\n",
            None,
            "line 3: column 'service' (service) is 1e+308; a duration must be at most "
            "1000000000 seconds, about 32 years (1 rows are longer)",
        ),
        (
            "arrival,wait\n1,2\n2,5e9\n",
            None,
            "line 3: column 'wait' (wait) is 5e+09; a duration must be at most",
        ),
        (
            "arrival,wait\n1,fast\n",
            None,
            "line 2: column 'wait' has 'fast', which is not a duration",
        ),
        ("arrival,service\n1,2\n,3\n", None, "line 3: column 'arrival' is empty"),
        (
            "arrival\n1\n2,3\n",
            None,
            "line 3: has 2 fields where the header has 1; a row may not have more "
            "fields than the header",
        ),
        ('arrival\n1\n"2\n', None, "is not a readable CSV file"),
        (
            "arrival,outcome\n1,served\n2,maybe\n",
            None,
            "line 3: column 'outcome' has 'maybe', which is no outcome",
        ),
        ("arrival\n", None, "has no messages (a header and no rows)"),
        ("", None, "the file is empty"),
        ("name: a scenario\nseed: 1\n", None, "(is it a CSV file with a header line?)"),
    ],
)
def test_bad_traces_are_refused_with_their_place(
    tmp_path: Path, text: str, columns: str | None, message: str
) -> None:
    with pytest.raises(PushsimError) as caught:
        read_trace(_write(tmp_path, text), columns=columns)
    assert message in str(caught.value)
    assert str(tmp_path / "trace.csv") in str(caught.value)


def _rows(count: int, extra: range) -> str:
    """Rows of arrival and service, those in ``extra`` with a third field."""
    return "".join(
        f"{10 * k},{2.5 + k % 3},{1001 + k}\n" if k in extra else f"{10 * k},3.5\n"
        for k in range(count)
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            # pandas would take the first field of every row for an index
            "arrival,service\n" + _rows(30, range(30)),
            "line 2: has 3 fields where the header has 2; a row may not have more "
            "fields than the header",
        ),
        ("arrival,service\n" + _rows(30, range(1)), "line 2: has 3 fields"),
        (
            "arrival,service\n" + _rows(30, range(20, 21)),
            "line 22: has 3 fields where the header has 2",
        ),
        (
            "arrival,arrival,service\n1,1,2\n2,2,3\n",
            "the header repeats the column name 'arrival' (columns 1 and 2); each "
            "column needs a name of its own",
        ),
        (
            "service,arrival,service,arrival,service\n1,2,3,4,5\n",
            "the header repeats the column names 'service' (columns 1, 3 and 5), "
            "'arrival' (columns 2 and 4)",
        ),
        (
            "arrival\n2024-03-01T07:00:00+05:00\n2024-03-01T07:01:00Z\n"
            "2024-03-01T07:02:00\n",
            "line 4: column 'arrival' has '2024-03-01T07:02:00', which is not a "
            "timestamp with a time zone, as the first row is; the timestamps must all "
            "have a time zone (such as Z or +05:00), or none have one",
        ),
        (
            "arrival\n2024-03-01 07:00:00\n2024-03-01 07:01:00\n2024-03-01 07:02Z\n",
            "line 4: column 'arrival' has '2024-03-01 07:02Z', which is not a "
            "timestamp without a time zone, as the first row is",
        ),
    ],
)
def test_rows_and_headers_pandas_would_misread_are_refused(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(PushsimError) as caught:
        read_trace(_write(tmp_path, text))
    assert str(caught.value).startswith(str(tmp_path / "trace.csv"))
    assert message in str(caught.value)


def test_a_row_with_fewer_fields_misses_its_last_values(tmp_path: Path) -> None:
    trace = read_trace(_write(tmp_path, "arrival,service\n1,2\n3\n4,5\n"))
    assert trace.messages["service_time"].tolist()[::2] == [2.0, 5.0]
    assert trace.messages["outcome"].tolist() == ["served", "unknown", "served"]
    with pytest.raises(PushsimError, match="line 3: column 'arrival' is empty"):
        read_trace(_write(tmp_path, "service,arrival\n2,1\n3\n5,4\n"))


def test_timestamps_in_different_zones_share_one_timeline() -> None:
    trace = read_trace(
        pd.DataFrame({"arrival": ["2024-03-01T07:00:00+05:00", "2024-03-01T02:00:30Z"]})
    )
    assert trace.messages["arrival_at"].tolist() == [7200.0, 7230.0]


def test_a_frame_that_repeats_a_column_name_is_refused() -> None:
    frame = pd.DataFrame([[1.0, 1.0, 2.0]], columns=["arrival", "arrival", "service"])
    with pytest.raises(PushsimError) as caught:
        read_trace(frame)
    assert str(caught.value) == (
        "trace: the frame repeats the column name 'arrival' (columns 1 and 2); "
        "each column needs a name of its own"
    )


def test_binary_and_missing_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    with pytest.raises(PushsimError, match="is not a CSV file"):
        read_trace(binary)
    with pytest.raises(PushsimError, match="no such file"):
        read_trace(tmp_path / "nowhere.csv")
    with pytest.raises(PushsimError, match="is a folder"):
        read_trace(tmp_path)


def test_frame_rows_are_named_by_index() -> None:
    with pytest.raises(PushsimError, match="trace row 1: column 'service'"):
        read_trace(pd.DataFrame({"arrival": [1.0, 2.0], "service": [1.0, -1.0]}))


def test_column_text_is_checked() -> None:
    assert parse_columns("arrival=q_start, service=ser_time") == {
        "arrival": "q_start",
        "service": "ser_time",
    }
    with pytest.raises(PushsimError, match="must read ROLE=COLUMN"):
        parse_columns("arrival")
    with pytest.raises(PushsimError, match="unknown role 'start'"):
        parse_columns("start=q_start")


def test_clock_times_may_leave_out_the_seconds(tmp_path: Path) -> None:
    path = _write(tmp_path, "date,arrival\n2024-03-01,7:13\n2024-03-01,23:59\n")
    arrival_at = read_trace(path).messages["arrival_at"].tolist()
    assert arrival_at == [7 * 3600 + 13 * 60, 23 * 3600 + 59 * 60]


def test_missing_values_are_said_to_be_empty() -> None:
    cases = [
        (
            {"arrival": ["2024-03-01T07:00:00", " "]},
            "trace row 1: column 'arrival' is empty; every message needs an arrival "
            "time (1 row has none)",
        ),
        (
            {"arrival": [1.0, 2.0, 3.0, 4.0], "outcome": ["served", None, "maybe", ""]},
            "trace row 1: column 'outcome' is empty, which is no outcome (other "
            "values: maybe; 2 empty rows); the outcomes are",
        ),
    ]
    for columns, message in cases:
        with pytest.raises(PushsimError) as caught:
            read_trace(pd.DataFrame(columns))
        assert str(caught.value).startswith(message)
    with pytest.raises(PushsimError) as caught:
        bad_value(Where("t.csv", 2), 0, "date", pd.Series([np.nan]), "a date")
    assert (
        str(caught.value) == "t.csv line 2: column 'date' is empty, which is not a date"
    )
    blank = read_trace(pd.DataFrame({"arrival": [1.0, 2.0], "service": ["", "2s"]}))
    assert blank.messages["service_time"].isna().tolist() == [True, False]
