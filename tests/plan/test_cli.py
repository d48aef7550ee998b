"""``pushsim plan`` as a user runs it: the answer first, the evidence, clean errors."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner, Result

from pushsim import __version__ as pushsim_version
from pushsim.cli import main
from pushsim.theory import required_servers
from tests.conftest import ROOT, SCENARIOS, installed, station


def pushsim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [installed("pushsim"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def invoke(*args: str) -> Result:
    """The command in this process (the installed script is run by the day test)."""
    return CliRunner().invoke(main, list(args))


def _fact(stdout: str, what: str) -> str:
    """The figure beside ``what`` in the answer table."""
    for line in stdout.splitlines():
        cells = [c.strip() for c in re.split(r"[│|]", line) if c.strip()]
        if len(cells) >= 2 and cells[0] == what:
            return cells[1]
    raise AssertionError(f"no {what!r} in the answer:\n{stdout}")


@pytest.fixture
def mmc_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    data = station(720.0, 0.01, 8, messages=20_000, replications=4)
    path.write_text(yaml.safe_dump(data))
    return path


def test_plan_prints_erlang_c_s_count_first_then_the_evidence(mmc_file: Path) -> None:
    done = invoke("plan", str(mmc_file), "--slo", "wait_mean<=5ms", "--no-headroom")
    assert done.exit_code == 0, done.output
    expected = required_servers(arrival_rate=720, service_rate=100, mean_wait=0.005)
    assert _fact(done.stdout, "consumers needed") == str(expected.servers)
    assert "Erlang C" in _fact(done.stdout, "theory says")
    assert done.stdout.index("consumers needed") < done.stdout.index("evidence")
    assert _fact(done.stdout, "wait_mean<=5ms").endswith("pass")


def test_plan_out_writes_the_report_and_the_table(
    mmc_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    done = invoke(
        "plan",
        str(mmc_file),
        "--slo",
        "wait_mean<=5ms",
        "--no-headroom",
        "--cost",
        "0.5",
        "--seed",
        "7",
        "--out",
        str(out),
    )
    assert done.exit_code == 0, done.output
    for name in ("report.html", "report.md", "slo-1.png", "plan.csv", "plan.json"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "plan.csv")
    assert set(table.source) == {"simulation", "theory"}
    text = (out / "report.md").read_text()
    assert "consumers needed" in text and "How this was made" in text
    assert "shrinks as 1/sqrt(n)" in text
    assert "- **seed**: 7\n" in text  # the seed the plan ran with, not the file's


def test_plan_json_holds_the_answer_and_the_rows_of_plan_csv(
    mmc_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    args = ["--slo", "wait_mean<=5ms", "--no-headroom", "-r", "3", "--seed", "7"]
    done = invoke("plan", str(mmc_file), *args, "--out", str(out))
    assert done.exit_code == 0, done.output
    document = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert document["kind"] == "plan" and document["scenario"] == "station"
    assert document["seed"] == 7 and document["replications"] == 3
    assert document["command"].startswith("pushsim")
    assert document["version"] == pushsim_version
    assert document["vary"] == "queues.q.consumers.count"
    assert document["answer"]["consumers needed"] == str(document["value"])
    assert document["answer"]["consumers needed"] == _fact(
        done.stdout, "consumers needed"
    )
    _same_rows(document["rows"], pd.read_csv(out / "plan.csv"))
    theory = [row for row in document["rows"] if row["source"] == "theory"]
    assert theory and all(row["ci_low"] is None for row in theory)  # NaN
    assert all(row["replications_needed"] is None for row in theory)  # pandas NA


def test_plan_json_values_are_valid_json() -> None:
    from pushsim.plan.document import _rows

    frame = pd.DataFrame(
        {
            "count": pd.array([3, None], dtype="Int64"),
            "mean": [np.float64("nan"), np.float64("inf")],
            "numpy": pd.Series([np.int64(4), np.bool_(True)], dtype=object),
        }
    )
    rows = json.loads(json.dumps(_rows(frame), allow_nan=False))
    assert rows == [
        {"count": 3, "mean": None, "numpy": 4},
        {"count": None, "mean": "inf", "numpy": True},
    ]


def _same_rows(rows: list[dict[str, Any]], table: pd.DataFrame) -> None:
    """The JSON rows hold the CSV's: the same columns in order, the same values."""
    assert len(rows) == len(table) > 0
    for row, expected in zip(rows, table.to_dict(orient="records"), strict=True):
        assert list(row) == list(expected)
        for key, value in row.items():
            _same_value(value, expected[key], key)


def _same_value(value: Any, expected: Any, key: str) -> None:
    if value is None or value == "":  # no figure, or no text: an empty CSV cell
        assert pd.isna(expected), key
    elif value in ("inf", "-inf") and isinstance(expected, float):
        assert expected == float(value), key
    elif isinstance(value, float):
        assert value == pytest.approx(expected, rel=1e-12), key
    else:
        assert value == expected, key


def test_a_profile_gets_a_plan_per_interval(tmp_path: Path) -> None:
    out = tmp_path / "day"
    done = invoke(
        "plan", str(SCENARIOS / "staffing.yaml"), "-r", "2", "--out", str(out)
    )
    assert done.exit_code == 0, done.output
    assert "day plan for staffing" in done.stdout
    assert "check of the naive plan" in done.stdout
    schedule = pd.read_csv(out / "schedule.csv")
    assert len(schedule) == 24 and {"naive", "mol", "naive_check", "mol_check"} <= set(
        schedule
    )
    assert (out / "staffing.png").is_file() and (out / "report.html").is_file()
    # the report shows the rate per hour, the CSV keeps it per second
    report = (out / "report.md").read_text()
    header = next(line for line in report.splitlines() if "arrival_rate" in line)
    shown = header.split(" | ").index("arrival_rate_per_hour")
    first = next(line for line in report.splitlines() if line.startswith("| 0 |"))
    per_hour = float(first.split(" | ")[shown])
    assert per_hour == pytest.approx(schedule.arrival_rate[0] * 3600, rel=1e-3)
    document = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert document["kind"] == "day plan" and document["queue"] == "render"
    assert document["replications"] == 2
    assert document["answer"]["intervals"] == _fact(done.stdout, "intervals")
    assert "check of the naive plan" in document["answer"]
    _same_rows(document["schedule"], schedule)
    _same_rows(document["check"], pd.read_csv(out / "check.csv"))


def test_the_installed_command_refuses_bad_input_without_a_traceback(
    mmc_file: Path,
) -> None:
    done = pushsim(
        "plan", str(mmc_file), "--slo", "p99<=1s", "--vary", "queues.q.count"
    )
    assert done.returncode == 1
    assert "queues.q.count" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--slo", "p99<=1s", "--vary", "queues.q.consumer.count"],
            "queues.q.consumer.count",
        ),
        (["--slo", "p99<=1s", "--bounds", "two"], "--bounds 'two': give LOW:HIGH"),
        (
            ["--slo", "sojourn_mean<=5ms", "--bounds", "1:3"],
            "no queues.q.consumers.count",
        ),
        (["--slo", "p99 < fast"], "slo 'p99 < fast'"),
    ],
)
def test_bad_requests_exit_1_with_the_reason(
    mmc_file: Path, args: list[str], message: str
) -> None:
    done = invoke("plan", str(mmc_file), "--no-headroom", *args)
    assert done.exit_code == 1, done.output
    assert message in done.stderr, done.stderr
    assert isinstance(done.exception, SystemExit)  # a clean exit, not a traceback


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-r", "1"], "--replications must be at least 2 for a plan"),
        (
            ["--max-replications", "1"],
            "--max-replications must be a whole number >= the replications per "
            "point (4), got 1",
        ),
        (["--confidence", "1.5"], "--confidence must be a number between 0.5 and 1"),
        (["--confidence", "nan"], "--confidence must be a number between 0.5 and 1"),
        (["--cost", "-1"], "--cost must be a number >= 0 (per consumer-hour)"),
        (["--load", "0"], "--load must be a finite number > 0, got 0.0"),
        (["--vary", "load", "--load", "2"], "--load: give a rate factor"),
        (["--bounds", "5:2"], "--bounds must satisfy 1 <= low < high"),
        (["--bounds", "1.5:3"], "--bounds of queues.q.consumers.count must be whole"),
        (["--vary", "queues.q.discipline"], "--vary 'queues.q.discipline': the field"),
        (
            ["--vary", "queues.zz.consumers.count"],
            "--vary must be 'load' or the path of a field of this scenario, got "
            "'queues.zz.consumers.count': queues has no 'zz'",
        ),
        (["--slo", "p99 < fast"], "--slo 'p99 < fast'"),
    ],
)
def test_a_bad_option_is_named_as_the_user_typed_it(
    mmc_file: Path, args: list[str], message: str
) -> None:
    slo = [] if "--slo" in args else ["--slo", "p99<=1s"]
    done = invoke("plan", str(mmc_file), "--no-headroom", *slo, *args)
    assert done.exit_code == 1, done.output
    assert done.stderr.startswith(f"error: {message}"), done.stderr
    assert "_replications" not in done.stderr and len(done.stderr.splitlines()) == 1


def test_a_plan_without_an_slo_asks_for_the_option(mmc_file: Path) -> None:
    done = invoke("plan", str(mmc_file))
    assert done.exit_code == 1, done.output
    assert "error: --slo: no SLO to plan against" in done.stderr
    assert "slo=" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-r", "1"], "--replications must be a whole number >= 2 for the day check"),
        (["--load", "0"], "--load must be a finite number > 0"),
        (
            ["--vary", "load"],
            "--vary load: a day plan varies a queue's consumer count",
        ),
        (
            ["--vary", "queues.zz.consumers.count"],
            "--vary queues.zz.consumers.count: queue 'zz': no such queue",
        ),
        (["--bounds", "1:2"], "--bounds: applies to the plan of one value"),
        (
            ["--max-replications", "9", "--no-headroom"],
            "--max-replications, --no-headroom: apply to the plan of one value",
        ),
    ],
)
def test_the_day_plan_names_the_options_too(args: list[str], message: str) -> None:
    done = invoke("plan", str(SCENARIOS / "staffing.yaml"), "--day", *args)
    assert done.exit_code == 1, done.output
    assert done.stderr.startswith(f"error: {message}"), done.stderr
    assert isinstance(done.exception, SystemExit)


@pytest.mark.parametrize("args", [["--confidence", "2"], ["-r", "1"], ["--cost", "-5"]])
def test_a_bad_day_option_gets_no_advice_to_plan_one_count(args: list[str]) -> None:
    done = invoke("plan", str(SCENARIOS / "shifts.yaml"), *args)
    assert done.exit_code == 1, done.output
    assert "--constant" not in done.stderr, done.stderr


@pytest.mark.slow
def test_the_shipped_mmc_scenario_plans_erlang_c_s_count() -> None:
    done = pushsim(
        "plan", "scenarios/mmc.yaml", "--slo", "p99<=60ms", "-r", "3", "--no-headroom"
    )
    assert done.returncode == 0, done.stderr
    expected = required_servers(
        arrival_rate=720, service_rate=100, sojourn_within=0.06, probability=0.99
    )
    assert _fact(done.stdout, "consumers needed") == str(expected.servers)
