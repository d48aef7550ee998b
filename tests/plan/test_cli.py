"""``pushsim plan`` as a user runs it: the answer first, the evidence, clean errors."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner, Result

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
        "--out",
        str(out),
    )
    assert done.exit_code == 0, done.output
    for name in ("report.html", "report.md", "slo-1.png", "plan.csv"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "plan.csv")
    assert set(table.source) == {"simulation", "theory"}
    text = (out / "report.md").read_text()
    assert "consumers needed" in text and "How this was made" in text
    assert "shrinks as 1/sqrt(n)" in text


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
