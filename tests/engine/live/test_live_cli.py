"""``pushsim live`` and ``pushsim compare`` as a user runs them."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from pushsim.cli import main
from pushsim.engines.live import LiveEngine
from tests.conftest import station

pytestmark = pytest.mark.filterwarnings("ignore::pushsim.errors.PushsimWarning")


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """M/M/1 at load 0.5 with 20 ms services: 2 s of it is 0.1 s at speed 20."""
    scenario = station(25.0, 0.02, messages=1, replications=3, seed=9)
    scenario["name"] = "small"
    scenario["experiment"] = {"duration": "2s", "warmup": 0, "replications": 3}
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(scenario), encoding="utf-8")
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_live_prints_the_measures_and_the_engine_overhead(small: Path) -> None:
    code, out, err = invoke("live", str(small), "--speed", "20")
    assert code == 0, err
    assert "small: live, seed 9" in out
    assert "live engine overhead (real time)" in out and "timer lateness, p99" in out
    assert "failed +" in out  # the conservation line counts failed deliveries
    assert "about 100ms of real time" in err


def test_live_json_has_the_engine_rows_and_the_overhead(small: Path) -> None:
    code, out, err = invoke(
        "live", str(small), "--speed", "20", "--format", "json", "-r", "2"
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["engine"] == "live" and document["replications"] == 2
    assert document["partial"] is False
    rows = {(r["node"], r["metric"]) for r in document["rows"]}
    assert ("engine", "loop_lag_p99") in rows and ("q", "sojourn_p99") in rows
    assert [o["replication"] for o in document["overhead"]] == [0, 1]
    assert all(o["speed"] == 20.0 for o in document["overhead"])


def test_live_out_writes_the_run_files_and_the_overhead(
    small: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, _, err = invoke("live", str(small), "--speed", "20", "--out", str(out))
    assert code == 0, err
    assert (out / "summary.csv").exists() and (out / "summary.json").exists()
    assert (out / "report.html").exists()
    overhead = pd.read_csv(out / "overhead.csv")
    assert list(overhead.replication) == [0]
    assert {"timer_lateness_p99", "loop_lag_max"} <= set(overhead.columns)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--speed", "0"], "error: speed: must be a finite number > 0, got 0.0"),
        (["--duration", "soon"], "error: duration: must be a duration such as"),
        (
            ["--handler", "nowhere"],
            "error: --handler nowhere: must read module:function",
        ),
        (["--loop", "tokio"], "Invalid value for '--loop'"),
    ],
)
def test_bad_live_options_are_refused_without_a_traceback(
    small: Path, args: list[str], message: str
) -> None:
    code, _, err = invoke("live", str(small), *args)
    assert code in (1, 2)
    assert message in err and "Traceback" not in err


def test_compare_puts_simulation_live_and_theory_side_by_side(small: Path) -> None:
    code, out, err = invoke("compare", str(small), "--speed", "20", "-r", "3")
    assert code == 0, err
    assert "simulated (3 rep.) vs live (1 rep., speed 20) vs theory" in out
    for header in ("simulated", "live", "theory", "live - sim", "overlap"):
        assert header in out
    assert "live engine overhead (real time)" in out


def test_compare_json_and_out(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    code, text, err = invoke(
        "compare", str(small), "--speed", "20", "--format", "json", "--out", str(out)
    )
    assert code == 0, err
    document = json.loads(text)
    assert document["simulated"]["replications"] == 3
    assert document["live"]["replications"] == 1
    row = next(
        r for r in document["rows"] if (r["node"], r["metric"]) == ("q", "sojourn_mean")
    )
    assert row["theory"] == pytest.approx(1 / (50 - 25))
    table = pd.read_csv(out / "comparison.csv")
    assert {"difference_low", "difference_high", "overlap"} <= set(table.columns)
    assert (out / "report.html").exists() and (out / "latency-cdf.png").exists()


FAILING_HANDLER = """
import asyncio

async def third_fails(delivery):
    await asyncio.sleep(0)
    if delivery.message == 3:
        raise ValueError("push 3 refused")
"""


@pytest.mark.live
def test_stop_on_failure_exits_1_naming_the_delivery_after_the_partial_result(
    small: Path, tmp_path: Path
) -> None:
    handler = tmp_path / "failing.py"
    handler.write_text(FAILING_HANDLER, encoding="utf-8")
    out = tmp_path / "out"
    args = ("live", str(small), "--speed", "20", "-r", "3", "--format", "json")
    args += ("--handler", f"{handler}:third_fails")
    code, text, err = invoke(*args, "--stop-on-failure", "--out", str(out))
    assert code == 1, err
    last = err.strip().splitlines()[-1]
    assert last.startswith(
        "error: --stop-on-failure: the handler failed on message 3 at queue q "
        "(replication 0, at "
    ), err
    assert "the run stopped at this first failure" in last
    document = json.loads(text)  # what ran is still printed and written
    assert document["partial"] is True and document["replications"] == 1
    assert json.loads((out / "summary.json").read_text())["partial"] is True
    code, _, err = invoke(*args)  # without the flag the run goes on and succeeds
    assert code == 0, err


@pytest.mark.live
def test_ctrl_c_prints_the_partial_result_and_exits_130(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = small.read_text(encoding="utf-8").replace("duration: 2s", "duration: 10min")
    small.write_text(text, encoding="utf-8")
    catch = LiveEngine._catch_signals

    def catch_then_interrupt(
        engine: LiveEngine, loop: asyncio.AbstractEventLoop
    ) -> list[int]:
        caught = catch(engine, loop)  # the engine listens now: press Ctrl-C
        loop.call_later(0.3, os.kill, os.getpid(), signal.SIGINT)
        return caught

    monkeypatch.setattr(LiveEngine, "_catch_signals", catch_then_interrupt)
    code, out, err = invoke("live", str(small), "--format", "json")
    assert code == 130, err
    document = json.loads(out)
    assert document["partial"] is True
    counts = document["conservation"][0]
    assert counts["accounted"] == counts["arrived"] > 0
