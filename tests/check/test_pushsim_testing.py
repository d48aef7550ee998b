"""``pushsim.testing``: assert_slo, and the pytest plugin's marker and fixtures."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import pushsim
from pushsim.errors import PushsimError, PushsimWarning
from pushsim.testing import assert_slo
from tests.check._support import push, write_scenario


def test_assert_slo_passes_and_returns_the_result() -> None:
    # Erlang C puts the mean wait at 1.42 ms on six consumers: far below 3 ms.
    result = assert_slo(push(6), "wait_mean <= 3ms")
    assert isinstance(result, pushsim.Result) and result.replications == 4


def test_assert_slo_fails_with_the_figures() -> None:
    # On five consumers Erlang C puts it at 5.54 ms: far above 3 ms.
    with pytest.raises(AssertionError) as caught:
        assert_slo(push(5), "wait_mean <= 3ms", "p99 <= 1s")
    message = str(caught.value)
    assert message.startswith("push (seed 1, 4 replication(s) on des) misses its SLOs:")
    assert "fail: wait_mean <= 3ms: measured 5." in message
    assert "misses the limit 3ms by" in message
    assert "p99 <= 1s" not in message  # that one holds


def test_assert_slo_on_a_result_and_an_open_verdict() -> None:
    result = pushsim.simulate(push(6))
    mean, _, high = result.interval("system", "wait_mean")
    limit = (
        f"wait_mean <= {(mean + (high - mean) / 2) * 1e3:.9g}ms"  # inside the interval
    )
    with pytest.raises(AssertionError, match=r"inconclusive: .*replications"):
        assert_slo(result, limit)
    with pytest.warns(PushsimWarning, match=r"inconclusive.*\(allowed\)"):
        assert_slo(result, limit, allow_inconclusive=True)
    with pytest.raises(AssertionError, match=r"no figure for system\.sojourn_p42"):
        assert_slo(result, "p42 <= 1s")  # a percentile this result did not measure
    with pytest.raises(PushsimError, match="replications and seed apply to a scenario"):
        assert_slo(result, "p99 <= 1s", seed=3)
    with pytest.raises(PushsimError, match="SLO 'p99 <== 1s'"):
        assert_slo(result, "p99 <== 1s")


def test_assert_slo_uses_the_scenarios_own_slos() -> None:
    with pytest.raises(AssertionError, match="wait_mean <= 3ms"):
        assert_slo(push(5, "wait_mean <= 3ms"))
    with pytest.raises(PushsimError, match="has no SLOs and none were given"):
        assert_slo(push(6))


_CONFTEST = 'pytest_plugins = ["pushsim.testing"]\n'

_TESTS = """
import pytest
from pushsim.testing import assert_slo, scenario_files

@pytest.mark.scenario("scenarios/fast.yaml", replications=2)
def test_marker(scenario, scenario_result):
    assert scenario.experiment.replications == 2
    assert scenario_result.replications == 2
    assert_slo(scenario_result, "wait_mean <= 3ms")

@pytest.mark.scenario("scenarios/fast.yaml", replications=2)
def test_the_result_is_made_once(scenario_result):
    assert scenario_result is RESULTS.setdefault("fast", scenario_result)

RESULTS = {}

@pytest.mark.parametrize("scenario", scenario_files("scenarios"), indirect=True)
def test_every_scenario(scenario):
    assert_slo(scenario)
"""


def test_the_plugin_gives_a_marker_fixtures_and_parameters(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    write_scenario(folder, "fast", push(6, "wait_mean <= 3ms"))
    write_scenario(folder, "slow", push(5, "wait_mean <= 3ms"))
    (tmp_path / "conftest.py").write_text(_CONFTEST)
    (tmp_path / "test_scenarios.py").write_text(textwrap.dedent(_TESTS))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--strict-markers",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "1 failed, 3 passed" in out, out
    assert "test_every_scenario[slow.yaml]" in out
    assert "fail: wait_mean <= 3ms: measured 5." in out
