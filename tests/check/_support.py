"""Scenarios and engines shared by the tests of ``pushsim check``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from pushsim.engines.base import Run
from pushsim.engines.des import DesEngine
from pushsim.scenario import Scenario, load_scenario
from tests.conftest import ROOT, installed, station

#: Poisson arrivals at 400/s on exponential service of mean 10 ms: load 0.67 on
#: six consumers, 0.8 on five.
RATE, MEAN_SERVICE = 400.0, 0.01


def push(
    consumers: int = 6, *slo: str, mean_service: float = MEAN_SERVICE, seed: int = 1
) -> dict[str, Any]:
    """An M/M/c scenario, short enough for a test: 4 replications of 20 000 messages."""
    scenario = station(
        RATE, mean_service, consumers, messages=20_000, replications=4, seed=seed
    )
    scenario["name"] = "push"
    scenario["experiment"]["slo"] = list(slo)
    return scenario


def write_scenario(folder: Path, name: str, scenario: dict[str, Any]) -> Path:
    """Write a scenario mapping as a YAML file (JSON is YAML)."""
    path = folder / f"{name}.yaml"
    path.write_text(json.dumps(scenario, indent=1) + "\n", encoding="utf-8")
    return path


class ChangedEngine:
    """An engine whose results changed: it runs ``model`` whatever it is given.

    Handed a scenario, it returns the runs of another of the same topology
    (say, with slower service), as an engine with a fault would: the same
    scenario and seed give other numbers.
    """

    name = "des"

    def __init__(self, model: dict[str, Any]) -> None:
        self.model = load_scenario(model)
        self.inner = DesEngine()

    def run(self, scenario: Scenario, replication: int) -> Run:
        return self.inner.run(self.model, replication)


def pushsim(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the installed ``pushsim`` command."""
    return subprocess.run(
        [installed("pushsim"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
