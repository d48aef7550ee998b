"""The tooling gates: ruff's lint and format, and mypy on the package."""

from __future__ import annotations

import subprocess

from tests.conftest import ROOT, installed

SOURCES = ["pushsim", "tests", "benchmarks"]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_check() -> None:
    done = _run(installed("ruff"), "check", *SOURCES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format() -> None:
    done = _run(installed("ruff"), "format", "--check", *SOURCES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy() -> None:
    done = _run(installed("mypy"))
    assert done.returncode == 0, done.stdout + done.stderr
