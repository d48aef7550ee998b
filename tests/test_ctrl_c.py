"""Ctrl-C in ``pushsim run``, ``sweep`` and ``plan``: exit 130, what was done said.

``run`` and ``sweep`` keep the replications (runs) finished: they print and
write them, marked partial. ``plan`` says in one line how far it got. A stop
while the report is written keeps the data files, written first, and names
them; a stop once everything is written is ignored, and the command exits 0.
So is a press once every run has finished (nothing is missing), and a second
press while a stopped command gathers what it did. None shows a traceback.
The in-process tests press Ctrl-C (a real SIGINT to this process) as a
chosen replication starts or a chosen function is called; the subprocess
tests send it from outside, once the command has said that its second
replication starts or that it wrote its last file, or from the interpreter's
own teardown.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from pushsim.cli import main
from pushsim.engines.des import DesEngine
from tests.conftest import ROOT, installed, station

pytestmark = pytest.mark.filterwarnings("ignore::pushsim.errors.PushsimWarning")

#: Seconds a subprocess test may take before it is killed and fails.
BOUND = 90.0

#: Runs the pushsim command line, saying on stderr when each replication starts
#: (the second starts once the first is kept).
DRIVER = """
import sys
from pushsim.cli import main
from pushsim.engines.des import DesEngine

run = DesEngine.run

def announcing(self, scenario, replication):
    print(f"replication {replication} starts", file=sys.stderr, flush=True)
    return run(self, scenario, replication)

DesEngine.run = announcing
main(sys.argv[1:], prog_name="pushsim")
"""
#: The line after which a subprocess is sent SIGINT.
SECOND = "replication 1 starts"


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    """M/M/2 at load 0.5, 4000 messages a replication: a fraction of a second each."""
    spec = station(50.0, 0.02, 2, messages=4000, replications=5)
    spec["experiment"]["slo"] = ["p99 <= 100ms"]  # a plan simulates 3 and 2
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt here, as in a command run from a shell."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def press() -> None:
    """Press Ctrl-C: a real SIGINT to this process."""
    os.kill(os.getpid(), signal.SIGINT)


@pytest.fixture
def interrupt_at(
    monkeypatch: pytest.MonkeyPatch, ctrl_c_raises: None
) -> Callable[[int], None]:
    """Press Ctrl-C as the n-th replication of the command (from 0) starts."""
    run = DesEngine.run

    def arm(n: int) -> None:
        calls = itertools.count()

        def interrupting(self: DesEngine, model: Any, replication: int) -> Any:
            if next(calls) == n:
                press()
            return run(self, model, replication)

        monkeypatch.setattr(DesEngine, "run", interrupting)

    return arm


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_run_prints_and_writes_the_replications_finished(
    scenario: Path, tmp_path: Path, interrupt_at: Callable[[int], None]
) -> None:
    interrupt_at(2)
    out = tmp_path / "out"
    code, text, err = invoke(
        "run", str(scenario), "--format", "json", "--out", str(out)
    )
    assert code == 130, err
    document = json.loads(text)
    assert document["partial"] is True and document["replications"] == 2
    assert "stopped by Ctrl-C after 2 of 5 replications" in document["warnings"][0]
    assert "partial: stopped by Ctrl-C after 2 of 5 replications" in err
    written = json.loads((out / "summary.json").read_text())
    assert written["partial"] is True and written["replications"] == 2
    assert "PARTIAL" in (out / "report.html").read_text()
    assert "Traceback" not in err and "Aborted" not in err


def test_run_marks_its_table_partial(
    scenario: Path, interrupt_at: Callable[[int], None]
) -> None:
    interrupt_at(1)
    code, text, err = invoke("run", str(scenario))
    assert code == 130, err
    assert "confidence: batch means of one replication" in text
    assert text.rstrip().endswith(
        "partial: stopped by Ctrl-C after 1 of 5 replications; the figures are "
        "theirs (the one in progress was left out)"
    )


def test_run_stopped_before_any_replication_says_so(
    scenario: Path, tmp_path: Path, interrupt_at: Callable[[int], None]
) -> None:
    interrupt_at(0)
    out = tmp_path / "out"
    code, text, err = invoke("run", str(scenario), "--out", str(out))
    assert code == 130
    assert text == ""
    assert err == (
        "stopped by Ctrl-C before any replication finished: nothing printed or "
        "written\n"
    )
    assert list(out.iterdir()) == []


def test_plan_stopped_says_how_far_it_got(
    scenario: Path, tmp_path: Path, interrupt_at: Callable[[int], None]
) -> None:
    interrupt_at(2)  # the first replication of the second point simulated
    out = tmp_path / "out"
    once = ("-r", "2", "--max-replications", "2")  # no point is simulated again
    code, text, err = invoke(
        "plan", str(scenario), *once, "--no-headroom", "--out", str(out)
    )
    assert code == 130
    assert text == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("stopped by Ctrl-C before the plan was finished, while")
    assert lines[0].endswith(
        ": 2 replications (1 simulation finished before it): nothing printed or written"
    )
    assert list(out.iterdir()) == []


def _interrupted(*args: str) -> tuple[int, str, str]:
    """Run the command in a subprocess; send SIGINT once a replication finished."""
    return _pressed_after(SECOND, [sys.executable, "-c", DRIVER, *args])


def _pressed_after(line: str, command: list[str]) -> tuple[int, str, str]:
    """Run ``command``; send SIGINT once it has written ``line`` on stderr."""
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        seen = [process.stderr.readline()]
        while seen[-1] and line not in seen[-1]:
            seen.append(process.stderr.readline())
        assert line in seen[-1], "".join(seen)
        process.send_signal(signal.SIGINT)
        text, err = process.communicate(timeout=BOUND)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, text, "".join(seen) + err


def test_sigint_from_outside_stops_run_with_a_partial_result(
    scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ("run", str(scenario), "-r", "1000", "--format", "json", "--out", str(out))
    code, text, err = _interrupted(*args)
    assert code == 130, err
    document = json.loads(text)
    assert document["partial"] is True and 1 <= document["replications"] < 1000
    assert json.loads((out / "summary.json").read_text())["partial"] is True
    assert "Traceback" not in err and "Aborted" not in err


def test_sigint_from_outside_stops_plan_with_one_line(
    scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ("plan", str(scenario), "-r", "200", "--no-headroom", "--out", str(out))
    code, text, err = _interrupted(*args)
    assert code == 130, err
    assert text == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith("stopped by Ctrl-C before the plan was finished"), err
    assert "Traceback" not in err and "Aborted" not in err
    assert list(out.iterdir()) == []


#: The three commands with ``--out``, each as quick as it can be made.
WRITERS = {
    "run": ["-r", "2"],
    "sweep": ["--values", "0.4,0.8", "-r", "2", "--executor", "serial"],
    "plan": ["-r", "2", "--no-headroom"],
}
#: The file each of them writes last.
LAST = {"run": "queue-length.svg", "sweep": "latency-cdf.svg", "plan": "slo-1.svg"}


@pytest.fixture
def press_in(
    monkeypatch: pytest.MonkeyPatch, ctrl_c_raises: None
) -> Callable[..., None]:
    """Press Ctrl-C (a real SIGINT to this process) as a chosen function is called.

    ``when`` picks the calls: those whose first argument it accepts (every call
    without it).
    """

    def arm(owner: Any, name: str, when: Callable[[Any], bool] | None = None) -> None:
        original = getattr(owner, name)

        def pressing(*args: Any, **kwargs: Any) -> Any:
            if when is None or (args and when(args[0])):
                press()
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, pressing)

    return arm


#: The data files each command writes into ``--out`` before its report.
MESSAGES = "messages.parquet" if importlib.util.find_spec("pyarrow") else "messages.csv"
DATA = {
    "run": ["summary.csv", "summary.json", MESSAGES],
    "sweep": ["results.csv", "results.json"],
    "plan": ["plan.csv", "plan.json"],
}


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_stop_while_the_report_is_written_keeps_the_data_files(
    command: str, scenario: Path, tmp_path: Path, press_in: Callable[..., None]
) -> None:
    from pushsim.report import Report

    press_in(Report, "write")
    out = tmp_path / "out"
    args = [command, str(scenario), *WRITERS[command], "--out", str(out)]
    code, text, err = invoke(*args)
    assert code == 130, err
    assert text.strip(), "what was printed before the report"
    *first, last = DATA[command]
    assert err.strip().splitlines()[-1] == (
        f"stopped by Ctrl-C while writing into {out}: {', '.join(first)} and {last} "
        "are written, the report may be incomplete"
    )
    assert sorted(path.name for path in out.iterdir()) == sorted(DATA[command])
    document = json.loads((out / DATA[command][1]).read_text())
    assert document.get("partial", False) is False
    assert "Traceback" not in err and "Aborted" not in err


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_stop_while_the_data_files_are_written_says_they_may_be_incomplete(
    command: str, scenario: Path, tmp_path: Path, press_in: Callable[..., None]
) -> None:
    import pandas as pd

    press_in(pd.DataFrame, "to_csv")
    out = tmp_path / "out"
    args = [command, str(scenario), *WRITERS[command], "--out", str(out)]
    code, text, err = invoke(*args)
    assert code == 130, err
    assert text.strip(), "what was printed before the files"
    assert err.strip().splitlines()[-1] == (
        f"stopped by Ctrl-C while writing into {out}: its files may be incomplete"
    )
    assert not (out / "report.html").exists()


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_stop_after_everything_is_written_changes_nothing(
    command: str, scenario: Path, tmp_path: Path, press_in: Callable[..., None]
) -> None:
    from pushsim.cli.common import stderr

    press_in(stderr, "print", lambda text: str(text).startswith("wrote "))
    out = tmp_path / "out"
    args = [command, str(scenario), *WRITERS[command], "--out", str(out)]
    code, text, err = invoke(*args)
    assert code == 0, err
    assert text.strip(), "the result printed"
    wrote = [line for line in err.splitlines() if line.startswith("wrote ")]
    assert len(wrote) == len(list(out.iterdir())) > 3
    assert "stopped" not in err and "Aborted" not in err


#: Runs the pushsim command line as the installed script does, then presses
#: Ctrl-C as the interpreter tears this module down: after the command has
#: returned, and after Python has put back SIGINT's default action.
AT_EXIT = """
import os
import signal
import sys
from pushsim.cli import main


class PressAtTeardown:
    def __init__(self):
        self.press = lambda: os.kill(os.getpid(), signal.SIGINT)

    def __del__(self):
        self.press()


_press = PressAtTeardown()
sys.argv[0] = "pushsim"
main()
"""


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_sigint_after_the_last_file_is_written_is_ignored(
    command: str, scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = [command, str(scenario), *WRITERS[command], "--out", str(out)]
    code, text, err = _pressed_after(LAST[command], [installed("pushsim"), *args])
    assert code == 0, err
    assert text.strip() and f"wrote {out / LAST[command]}" in err
    assert "stopped" not in err and "Aborted" not in err


def test_sigint_as_the_finished_command_exits_is_ignored(
    scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["run", str(scenario), "-r", "2", "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-c", AT_EXIT, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BOUND,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"wrote {out / LAST['run']}" in done.stderr
    assert "stopped" not in done.stderr


#: A sweep of two points, two runs each.
SWEEP = ("--values", "0.4,0.8", "-r", "2")


def _module(name: str) -> Any:
    """A module by its dotted name (``pushsim.sweep`` is the function, not it)."""
    return importlib.import_module(name)


def test_a_second_press_while_a_stopped_sweep_gathers_keeps_its_runs(
    scenario: Path,
    tmp_path: Path,
    interrupt_at: Callable[[int], None],
    press_in: Callable[..., None],
) -> None:
    interrupt_at(2)  # the third of four runs starts: two had finished
    press_in(_module("pushsim.sweep.run"), "_gather")  # as `timeout` presses twice
    out = tmp_path / "out"
    args = [*SWEEP, "--executor", "serial", "--out", str(out)]
    code, text, err = invoke("sweep", str(scenario), *args)
    assert code == 130, err
    assert err.strip().splitlines()[-1] == "stopped: the results above are partial"
    assert "status: PARTIAL" in text
    document = json.loads((out / "results.json").read_text())
    assert document["partial"] is True
    assert "the sweep was stopped: 2 of 4 runs had finished" in document["warnings"][0]
    assert {row["replications"] for row in document["rows"]} == {2}
    assert "Traceback" not in err and "nothing printed" not in err


@pytest.mark.parametrize(
    ("executor", "owner", "name"),
    [
        ("serial", "pushsim.sweep.run", "_gather"),
        ("processes", None, "shutdown"),  # the workers wound up once all is done
    ],
)
def test_a_press_once_every_run_has_finished_loses_nothing(
    executor: str,
    owner: str | None,
    name: str,
    scenario: Path,
    tmp_path: Path,
    press_in: Callable[..., None],
) -> None:
    press_in(ProcessPoolExecutor if owner is None else _module(owner), name)
    out = tmp_path / "out"
    args = [*SWEEP, "--executor", executor, "-w", "2", "--out", str(out)]
    code, text, err = invoke("sweep", str(scenario), *args)
    assert code == 0, err
    assert "saturation throughput" in text and "PARTIAL" not in text
    document = json.loads((out / "results.json").read_text())
    assert document["partial"] is False
    assert {(row["point"], row["replications"]) for row in document["rows"]} == {
        (0, 2),
        (1, 2),
    }
    assert "report.html" in {path.name for path in out.iterdir()}
    assert "stopped" not in err and "Traceback" not in err


@contextmanager
def _bar_closed_by_a_press(*args: Any, **options: Any) -> Iterator[None]:
    """No bar, and Ctrl-C pressed as it closes, once the work is done."""
    yield None
    press()


@pytest.mark.parametrize("where", ["the result is assembled", "the bar closes"])
def test_a_press_once_every_replication_has_finished_loses_nothing(
    where: str,
    scenario: Path,
    tmp_path: Path,
    press_in: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if where == "the bar closes":
        monkeypatch.setattr(
            _module("pushsim.cli.run"), "progress_bar", _bar_closed_by_a_press
        )
    else:
        press_in(_module("pushsim.simulate"), "Result")
    out = tmp_path / "out"
    code, text, err = invoke(
        "run", str(scenario), "--format", "json", "--out", str(out)
    )
    assert code == 0, err
    assert json.loads(text)["partial"] is False
    assert json.loads((out / "summary.json").read_text())["replications"] == 5
    assert "stopped" not in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["main", "run"])
def test_a_press_while_the_options_are_read_says_nothing_was_done(
    command: str, scenario: Path, press_in: Callable[..., None]
) -> None:
    import click

    press_in(click.Command, "parse_args", lambda self: self.name == command)
    code, text, err = invoke("run", str(scenario), "-r", "2")
    assert code == 130, err
    assert text == ""
    assert err == "stopped by Ctrl-C while starting: nothing done\n"


def test_a_press_in_a_command_that_keeps_nothing_ends_it_with_one_line(
    scenario: Path, press_in: Callable[..., None]
) -> None:
    press_in(_module("pushsim.scenario"), "load_scenario")
    code, text, err = invoke("validate", str(scenario))
    assert code == 130, err
    assert text == ""
    assert err == "stopped by Ctrl-C before pushsim validate had finished\n"
