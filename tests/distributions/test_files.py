"""Laws and processes read from CSV files named relative to the scenario's folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from pushsim.distributions import ArrivalProcess, EmpiricalLaw, LawField, TraceArrivals

LAW = TypeAdapter(LawField)
PROCESS = TypeAdapter(ArrivalProcess)


def _csv(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_empirical_law_from_a_file_in_the_base_dir(tmp_path: Path) -> None:
    _csv(tmp_path, "latency.csv", "id,service_ms\n1,2.0\n2,4.5\n3,0\n4,9.5\n")
    spec = {
        "law": "empirical",
        "file": "latency.csv",
        "column": "service_ms",
        "unit": "ms",
    }
    law = LAW.validate_python(spec, context={"base_dir": tmp_path})
    assert isinstance(law, EmpiricalLaw)
    assert law.values.tolist() == pytest.approx([0.002, 0.0045, 0.0, 0.0095])
    assert law.mean == pytest.approx(0.004)
    assert "file 'latency.csv', column 'service_ms': 4 values" in law.describe()
    sample = law.sample(np.random.default_rng(0), 1000)
    assert set(sample.tolist()) <= set(law.values.tolist())
    with pytest.raises(ValueError, match="read-only"):
        law.values[0] = 1.0


def test_without_a_base_dir_files_are_relative_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _csv(tmp_path, "s.csv", "t\n1\n2\n")
    monkeypatch.chdir(tmp_path)
    law = LAW.validate_python({"law": "empirical", "file": "s.csv", "column": "t"})
    assert law.mean == 1.5


def test_scaled_empirical_law_keeps_its_file(tmp_path: Path) -> None:
    _csv(tmp_path, "s.csv", "t\n1\n3\n")
    spec = {"law": "empirical", "file": "s.csv", "column": "t"}
    law = LAW.validate_python(spec, context={"base_dir": tmp_path})
    assert isinstance(law, EmpiricalLaw)
    slower = law.time_scaled(2)
    assert slower.mean == 4.0 and slower.scale == 2.0 and slower.file == "s.csv"
    again = LAW.validate_python(
        slower.model_dump(exclude_none=True), context={"base_dir": tmp_path}
    )
    assert again == slower


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "t\n1\nabc\n",
            r"column: file 's.csv', column 't', line 3: 'abc' is not a finite number",
        ),
        ("t\n1\n\n2\n", r"column: file 's.csv', column 't', line 3 is empty"),
        ("t\n1\n-2\n", r"line 3: durations must be >= 0, got -2"),
        ("t\n1\ninf\n", r"line 3: 'inf' is not a finite number"),
        ("x,y\n1,2\n", r"column: 's.csv' has no column 't'; it has 'x', 'y'"),
        ("t\n", r"column: file 's.csv', column 't' has no values"),
        ("", r"file: 's.csv' is empty"),
    ],
)
def test_bad_sample_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    _csv(tmp_path, "s.csv", text)
    with pytest.raises(ValidationError, match=message):
        LAW.validate_python(
            {"law": "empirical", "file": "s.csv", "column": "t"},
            context={"base_dir": tmp_path},
        )


def test_a_missing_file_is_named_with_where_it_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(
        ValidationError, match=r"file: 'none.csv' not found \(looked for .*none.csv\)"
    ):
        LAW.validate_python(
            {"law": "empirical", "file": "none.csv", "column": "t"},
            context={"base_dir": tmp_path},
        )


def test_a_folder_is_not_taken_for_a_missing_file(tmp_path: Path) -> None:
    (tmp_path / "adir.csv").mkdir()
    for spec in (
        {"law": "empirical", "file": "adir.csv", "column": "t"},
        {"process": "trace", "file": "adir.csv", "column": "t"},
    ):
        adapter = LAW if "law" in spec else PROCESS
        with pytest.raises(
            ValidationError,
            match=r"file: 'adir.csv' is a folder, not a file \(looked at ",
        ):
            adapter.validate_python(spec, context={"base_dir": tmp_path})


def test_trace_replays_numeric_timestamps(tmp_path: Path) -> None:
    _csv(tmp_path, "arrivals.csv", "at_ms\n1000\n1000\n1500\n3000\n5000\n")
    spec = {"process": "trace", "file": "arrivals.csv", "column": "at_ms", "unit": "ms"}
    trace = PROCESS.validate_python(spec, context={"base_dir": tmp_path})
    assert isinstance(trace, TraceArrivals)
    assert trace.times.tolist() == [0.0, 0.0, 0.5, 2.0, 4.0]
    assert trace.rate == pytest.approx(4 / 4.0)
    intervals = np.array([0.0, 0.5, 1.5, 2.0])
    assert trace.scv == pytest.approx(intervals.var() / intervals.mean() ** 2)

    blocks = list(trace.stream(np.random.default_rng(0), block=2))
    assert [b.tolist() for b in blocks] == [[0.0, 0.0], [0.5, 2.0], [4.0]]

    faster = trace.scaled(2)
    assert faster.rate == pytest.approx(2 * trace.rate) and faster.scv == trace.scv
    assert np.concatenate(list(faster.stream(np.random.default_rng(0)))).tolist() == [
        0.0,
        0.0,
        0.25,
        1.0,
        2.0,
    ]


def test_trace_replays_clock_times(tmp_path: Path) -> None:
    _csv(tmp_path, "log.csv", "when,user\n9:59:58.5,a\n10:00:00,b\n10:00:03,c\n")
    spec = {"process": "trace", "file": "log.csv", "column": "when"}
    trace = PROCESS.validate_python(spec, context={"base_dir": tmp_path})
    assert isinstance(trace, TraceArrivals)
    assert trace.times.tolist() == [0.0, 1.5, 4.5]
    assert "3 arrivals over 4.5s" in trace.describe()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "t\n3\n1\n",
            r"must be sorted in time, but line 3 \('1'\) is earlier than line 2 \('3'\)",
        ),
        ("t\n5\n", r"must hold at least two distinct times, got 1 row"),
        ("t\n5\n5\n", r"must hold at least two distinct times, got 2 rows"),
        (
            "t\n10:00:00\n10:00:01\nnoon\n",
            r"line 4: 'noon' is not a clock time H:MM:SS",
        ),
        ("t\n1\n10:00:00\n", r"line 3: '10:00:00' is not a finite number"),
    ],
)
def test_bad_traces_are_refused(tmp_path: Path, text: str, message: str) -> None:
    _csv(tmp_path, "t.csv", text)
    with pytest.raises(ValidationError, match=message):
        PROCESS.validate_python(
            {"process": "trace", "file": "t.csv", "column": "t"},
            context={"base_dir": tmp_path},
        )


def test_a_renewal_process_reads_its_interarrival_file(tmp_path: Path) -> None:
    _csv(tmp_path, "gaps.csv", "gap\n0.001\n0.003\n")
    spec = {
        "process": "renewal",
        "interarrival": {"law": "empirical", "file": "gaps.csv", "column": "gap"},
    }
    process = PROCESS.validate_python(spec, context={"base_dir": str(tmp_path)})
    assert process.rate == pytest.approx(500.0)
    assert process.scaled(2).rate == pytest.approx(1000.0)
