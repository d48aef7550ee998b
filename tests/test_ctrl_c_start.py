"""Ctrl-C as the ``pushsim`` script starts: one line and exit 130, never a traceback.

The script imports numpy, pandas and scipy before a command runs, and each
command imports what it needs as it begins. Each test runs the installed
script with a ``sitecustomize`` module that presses Ctrl-C (a real SIGINT)
as a chosen module starts to be imported, so the press lands at the same
point every time.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, installed, station

#: Seconds a command may take before it is killed and fails.
BOUND = 90.0

#: Imported before the interpreter runs the script: it presses Ctrl-C as the
#: module named by PUSHSIM_TEST_PRESS_AT starts to be imported.
SITECUSTOMIZE = """
import os
import signal
import sys


class PressAt:
    def __init__(self, name):
        self.name = name

    def find_spec(self, fullname, path=None, target=None):
        if fullname == self.name:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None


sys.meta_path.insert(0, PressAt(os.environ["PUSHSIM_TEST_PRESS_AT"]))
"""

#: Where the press lands (the module being imported), the command, its line.
CASES = [
    ("numpy", "run", "while starting: nothing done"),
    ("pushsim.cli.sweep", "sweep", "while starting: nothing done"),
    (
        "pushsim.simulate",
        "run",
        "before any replication finished: nothing printed or written",
    ),
    ("pushsim.sweep", "sweep", "before any run finished: nothing printed or written"),
    (
        "pushsim.plan",
        "plan",
        "before the plan was finished: nothing printed or written",
    ),
]


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    spec = station(50.0, 0.02, 2, messages=2000, replications=2)
    spec["experiment"]["slo"] = ["p99 <= 100ms"]
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


@pytest.mark.parametrize(("module", "command", "doing"), CASES)
def test_a_press_as_the_script_starts_ends_it_with_one_line(
    module: str, command: str, doing: str, scenario: Path, tmp_path: Path
) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(hook), "PUSHSIM_TEST_PRESS_AT": module}
    out = tmp_path / "out"
    done = subprocess.run(
        [installed("pushsim"), command, str(scenario), "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=BOUND,
        check=False,
    )
    assert done.returncode == 130, done.stderr
    assert done.stdout == ""
    assert done.stderr == f"stopped by Ctrl-C {doing}\n"
    assert not out.exists() or list(out.iterdir()) == []
