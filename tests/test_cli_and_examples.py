"""The command line, the README and the shipped scenarios, run as a user runs them."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from pushsim.result import SUMMARY_COLUMNS
from tests.conftest import ROOT, SCENARIOS, installed

README = ROOT / "README.md"


def pushsim(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [installed("pushsim"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_run_json_is_the_result_document() -> None:
    done = pushsim("run", "scenarios/mm1.yaml", "--format", "json", "-r", "2")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["scenario"] == "mm1" and document["replications"] == 2
    assert document["seed"] == 1
    metrics = {(r["node"], r["metric"]) for r in document["rows"]}
    assert ("system", "sojourn_p99") in metrics and ("work", "utilisation") in metrics


def test_run_out_writes_summary_and_records(tmp_path: Path) -> None:
    done = pushsim(
        "run", "scenarios/mm1.yaml", "-r", "2", "--seed", "3", "--out", str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert list(summary.columns[:6]) == SUMMARY_COLUMNS
    assert json.loads((tmp_path / "summary.json").read_text())["seed"] == 3
    messages = pd.read_parquet(tmp_path / "messages.parquet")
    assert set(messages.replication) == {0, 1}
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    answer = report[: report.index("How this was made")]
    assert "SLO p99 &lt;= 250ms" in answer and "throughput" in answer
    assert report.count("<svg") >= 2  # the latency distribution and the queue
    assert "![" in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert (tmp_path / "latency-cdf.png").is_file()


def test_bad_input_exits_1_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("producers: {a: {arrivals: {process: poisson, rate: -5}, to: q}}\n")
    done = pushsim("run", str(bad))
    assert done.returncode == 1
    assert "producers.a.arrivals.rate" in done.stderr and "Traceback" not in done.stderr
    missing = pushsim("run", str(tmp_path / "nowhere.yaml"))
    assert missing.returncode == 1 and "no such file" in missing.stderr


def test_usage_errors_exit_2() -> None:
    assert pushsim("run").returncode == 2
    assert pushsim("run", "scenarios/mm1.yaml", "--format", "xml").returncode == 2


def test_validate_every_shipped_scenario() -> None:
    files = sorted(str(p.relative_to(ROOT)) for p in SCENARIOS.glob("*.yaml"))
    done = pushsim("validate", *files)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(": ok: ") == len(files)


def _fenced(language: str) -> list[str]:
    """The README's fenced blocks in ``language`` ("" for a plain block)."""
    blocks: list[str] = []
    current: list[str] | None = None
    tag = ""
    for line in README.read_text(encoding="utf-8").splitlines():
        if current is None and line.startswith("```"):
            tag, current = line[3:].strip(), []
        elif current is not None and line.startswith("```"):
            if tag == language:
                blocks.append("\n".join(current) + "\n")
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def test_readme_commands_are_the_ci_commands() -> None:
    commands = [line for block in _fenced("sh") for line in block.splitlines() if line]
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci, "the README's test command must be what .ci/run runs"
    assert commands[0].endswith("pushsim run scenarios/mm1.yaml")


def test_readme_output_is_what_the_first_command_prints() -> None:
    shown = _fenced("")[0]
    done = pushsim("run", "scenarios/mm1.yaml")
    assert done.returncode == 0, done.stderr
    table = [line.rstrip() for line in shown.strip().splitlines()]
    printed = [line.rstrip() for line in done.stdout.splitlines()]
    assert printed[: len(table)] == table


@pytest.mark.parametrize(
    "block", _fenced("python"), ids=lambda b: b.splitlines()[-1][:40]
)
def test_readme_python_runs(block: str) -> None:
    code = compile(block, str(README), "exec")
    exec(code, {"__name__": "readme"})  # the README's own example


def _console_blocks() -> list[list[str]]:
    """The ``$ pushsim ...`` commands of each README console block, lines joined."""
    blocks = []
    for block in _fenced("console"):
        commands, line = [], ""
        for part in block.splitlines():
            line += part.rstrip("\\").strip() + " "
            if not part.endswith("\\"):
                if line.startswith("$ "):
                    commands.append(line[2:].strip())
                line = ""
        blocks.append(commands)
    return blocks


@pytest.mark.parametrize("commands", _console_blocks(), ids=lambda c: c[0][:50])
def test_readme_commands_run_as_shown(commands: list[str], tmp_path: Path) -> None:
    """Each README block of commands runs as it is, in order, in a fresh folder."""
    (tmp_path / "scenarios").symlink_to(SCENARIOS)
    for command in commands:
        words = shlex.split(command)
        assert words[0] == "pushsim"
        done = pushsim(*words[1:], cwd=tmp_path)
        assert done.returncode == 0, (command, done.stderr)
        assert "Traceback" not in done.stderr


def test_a_bad_out_folder_fails_before_the_run(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("")
    done = pushsim("run", "scenarios/mm1.yaml", "--out", str(blocker / "sub"))
    assert done.returncode == 1 and "cannot make the folder" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_overloaded_queue_is_flagged(tmp_path: Path) -> None:
    path = tmp_path / "unstable.yaml"
    path.write_text(
        "producers: {a: {arrivals: {process: poisson, rate: 120/s}, to: q}}\n"
        "queues: {q: {consumers: {count: 1, service: 10ms}}}\n"
        "experiment: {messages: 20000, replications: 2}\n"
    )
    done = pushsim("run", str(path), "--format", "json")
    assert done.returncode == 0
    assert "queue q is overloaded" in done.stderr
    assert any("overloaded" in w for w in json.loads(done.stdout)["warnings"])


def test_an_impatient_queue_past_load_1_is_not_called_unbounded() -> None:
    import warnings

    import pushsim
    from tests.conftest import station

    data = station(30.0, 0.05, messages=4_000, replications=2, ttl="200ms")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pushsim.simulate(data)
    assert not [w for w in caught if "grows without bound" in str(w.message)]
