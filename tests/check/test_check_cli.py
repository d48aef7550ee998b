"""``pushsim check`` as CI runs it: exit codes 0, 1 and 2, and the files it writes."""

from __future__ import annotations

import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

import pushsim
from pushsim.check import check
from pushsim.cli import main
from pushsim.errors import PushsimError
from tests.check._support import push, write_scenario
from tests.check._support import pushsim as run_pushsim


def test_exit_0_writes_the_baseline_junit_and_summary(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "push", push(6, "p99 <= 100ms"))
    folder = tmp_path / "baselines"
    done = run_pushsim(
        "check", str(path), "--baseline", str(folder), "--update-baseline"
    )
    assert done.returncode == 0, done.stderr
    assert (folder / "push.json").is_file()
    assert "wrote the baseline" in done.stderr

    junit, summary = tmp_path / "out" / "check.xml", tmp_path / "out" / "summary.md"
    done = run_pushsim(
        "check",
        str(path),
        "--baseline",
        str(folder),
        "--junit",
        str(junit),
        "--summary",
        str(summary),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pushsim check: passed" in done.stdout and "p99 <= 100ms" in done.stdout
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0"
    assert "| push | p99 <= 100ms | pass |" in summary.read_text()


def test_exit_1_for_a_failed_slo_with_its_figures(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "push", push(5, "wait_mean <= 1ms"))
    done = run_pushsim("check", str(path))
    assert done.returncode == 1
    assert "misses the limit 1ms" in done.stdout and "Traceback" not in done.stderr


def test_exit_2_for_bad_input_before_anything_runs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("producers: {a: {arrivals: {process: poisson, rate: -5}, to: q}}\n")
    good = write_scenario(tmp_path, "push", push(6))
    done = run_pushsim("check", str(good), str(bad))
    assert done.returncode == 2
    assert "producers.a.arrivals.rate" in done.stderr and "Traceback" not in done.stderr
    assert "pushsim check" not in done.stdout  # nothing ran


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--baseline", "{tmp}/nowhere"], "no such folder"),
        (["--update-baseline"], "needs --baseline"),
        (["--speed", "10"], "--speed applies to --engine live only"),
        (["--floor", "fast"], "must read KIND=AMOUNT"),
        (["--tolerance", "lots"], "tolerance 'lots'"),
        (["--junit", "{tmp}"], "is a directory"),
        (["--summary", "{tmp}/push.yaml/summary.md"], "cannot make its folder"),
        (["{tmp}/missing.yaml"], "no such file"),
    ],
)
def test_each_bad_option_exits_2_with_its_rule(
    tmp_path: Path, args: list[str], message: str
) -> None:
    good = write_scenario(tmp_path, "push", push(6))
    done = CliRunner().invoke(
        main, ["check", str(good), *(a.format(tmp=tmp_path) for a in args)]
    )
    assert done.exit_code == 2, done.output
    assert message in done.stderr
    assert done.exception is None or isinstance(done.exception, SystemExit)


def test_exit_2_for_a_usage_error() -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["check"]).exit_code == 2
    assert runner.invoke(main, ["check", "x.yaml", "--engine", "fast"]).exit_code == 2
    assert runner.invoke(main, ["check", "x.yaml", "--gate", "some"]).exit_code == 2


def test_a_folder_is_read_one_level_deep(tmp_path: Path) -> None:
    write_scenario(tmp_path, "a", push(6))
    write_scenario(tmp_path, "b", push(6, seed=2))
    (tmp_path / "notes.txt").write_text("not a scenario")
    outcome = check(tmp_path)
    assert [s.key for s in outcome.scenarios] == ["a", "b"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(PushsimError, match="no scenario files here"):
        check(empty)


def test_the_live_engine_is_imported_only_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pushsim.live", None)  # as if not installed
    with pytest.raises(PushsimError, match="the live engine is not available"):
        check(push(6), engine="live")
    assert check(push(6)).passed  # the des engine needs nothing of it


def test_the_live_engine_runs_the_scenarios_own_replications(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict] = []

    def run_live(model: pushsim.Scenario, **options: object) -> pushsim.Result:
        calls.append(options)
        return pushsim.simulate(model)  # a stand-in with the live engine's signature

    fake = types.ModuleType("pushsim.live")
    fake.run_live = run_live  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pushsim.live", fake)
    outcome = check(push(6), engine="live", live={"speed": 30.0})
    assert outcome.passed
    assert calls[0]["replications"] == 4 and calls[0]["speed"] == 30.0
