"""The user's handler as the consumers' work: its time, its failures, loading it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

import pushsim
from pushsim.engines.base import Outcome
from pushsim.engines.live import Delivery, LiveEngine
from pushsim.engines.live.handler import load_handler
from pushsim.errors import PushsimError, PushsimWarning
from pushsim.live import run_live
from pushsim.measures import conservation
from tests.engine.live.builders import line


async def half_a_second(delivery: Delivery) -> None:
    await asyncio.sleep(0.5)


def test_a_handler_that_sleeps_a_known_time_gives_that_service_time() -> None:
    model = pushsim.load_scenario(line(service="2s"))  # the drawn time is not used
    run = LiveEngine(clock="virtual", handler=half_a_second).run(model, 0)
    c = run.columns
    done = c["outcome"] == Outcome.COMPLETED
    service = c["finished_at"][done] - c["started_at"][done]
    assert done.sum() == 9
    assert np.allclose(service, 0.5, rtol=0, atol=1e-12)
    # and it is the simulated D/D/1 with 0.5 s of service, instant for instant
    sleep = LiveEngine(clock="virtual").run(pushsim.load_scenario(line()), 0)
    assert np.allclose(c["finished_at"], sleep.columns["finished_at"], equal_nan=True)


def test_real_time_in_a_handler_is_scaled_to_scenario_time() -> None:
    model = pushsim.load_scenario(line(rate=0.1, length={"duration": 100}))
    run = LiveEngine(clock="virtual", speed=10, handler=half_a_second).run(model, 0)
    c = run.columns
    done = c["outcome"] == Outcome.COMPLETED
    assert np.allclose(c["finished_at"][done] - c["started_at"][done], 5.0, atol=1e-9)


def test_the_handler_is_told_about_the_delivery() -> None:
    seen: list[Delivery] = []

    async def record(delivery: Delivery) -> None:
        seen.append(delivery)

    scenario = line(length={"duration": 3.5})
    scenario["producers"]["src"]["classes"] = [{"name": "alerts", "share": 1.0}]
    LiveEngine(clock="virtual", handler=record).run(pushsim.load_scenario(scenario), 0)
    assert [d.message for d in seen] == [0, 1, 2]
    first = seen[0]
    assert (first.producer, first.message_class, first.queue) == ("src", "alerts", "q")
    assert first.created_at == first.enqueued_at == first.started_at == 1.0


async def odd_ones_fail(delivery: Delivery) -> None:
    await asyncio.sleep(0.1)
    if delivery.message % 2:
        raise ValueError(f"push {delivery.message} refused")


def test_a_handler_that_raises_counts_failed_deliveries_and_the_run_finishes() -> None:
    scenario = line(length={"duration": 10.5})
    scenario["queues"]["q"]["consumers"]["then"] = "next"
    scenario["queues"]["next"] = {"consumers": {"count": 1, "service": "100ms"}}
    with pytest.warns(PushsimWarning, match="5 deliveries failed in the handler; the "
                      "first raised ValueError: push 1 refused"):  # fmt: skip
        result = run_live(scenario, handler=odd_ones_fail, clock="virtual")
    assert not result.partial
    counts = result.conservation[0]
    assert (counts["arrived"], counts["failed"], counts["completed"]) == (10, 5, 5)
    assert counts["accounted"] == counts["arrived"]
    visits = result.messages
    failed = visits[visits.outcome == "failed"]
    assert sorted(failed.message) == [1, 3, 5, 7, 9]
    assert set(failed.node) == {"q"}  # a failed delivery goes no further
    assert np.allclose(failed.finished_at - failed.started_at, 0.1)
    assert result.interval("engine", "handler_failures").mean == 5


def test_stop_on_failure_ends_the_run_at_the_first_failure() -> None:
    engine = LiveEngine(clock="virtual", handler=odd_ones_fail, stop_on_failure=True)
    run = engine.run(pushsim.load_scenario(line()), 0)
    assert run.partial
    assert run.horizon == pytest.approx(2.1)  # message 1 fails after its 0.1 s
    counts = conservation(run)
    assert (counts["failed"], counts["completed"]) == (1, 1)
    assert counts["accounted"] == counts["arrived"] == 2
    assert any("first failed delivery" in note for note in engine.notes)


def test_stop_on_failure_starts_no_replication_after_the_failed_one() -> None:
    with pytest.warns(PushsimWarning):
        result = run_live(
            line(),
            handler=odd_ones_fail,
            clock="virtual",
            replications=3,
            stop_on_failure=True,
        )
    assert result.stopped_on_failure and result.partial and not result.interrupted
    assert [run.replication for run in result.runs] == [0]
    assert any("stopped at its first failed delivery" in n for n in result.notes)
    with pytest.warns(PushsimWarning):
        going_on = run_live(
            line(), handler=odd_ones_fail, clock="virtual", replications=2
        )
    assert not going_on.stopped_on_failure and len(going_on.runs) == 2


HANDLER_FILE = """
import asyncio

async def send(delivery):
    await asyncio.sleep(0)

def blocking(delivery):
    return None

class Pusher:
    async def __call__(self, delivery):
        return None

pusher = Pusher()
"""


@pytest.fixture
def handler_file(tmp_path: Path) -> Path:
    path = tmp_path / "pushhandler.py"
    path.write_text(HANDLER_FILE, encoding="utf-8")
    return path


def test_a_handler_is_loaded_from_a_file_or_a_module(
    handler_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_handler(f"{handler_file}:send").__name__ == "send"
    assert callable(load_handler(f"{handler_file}:pusher"))
    monkeypatch.chdir(handler_file.parent)
    assert load_handler("pushhandler:send").__name__ == "send"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("pushhandler", "must read module:function"),
        ("no_such_module_here:send", "cannot import no_such_module_here"),
        ("pushhandler:missing", "module pushhandler has no attribute 'missing'"),
        ("pushhandler:blocking", "must be an async function \\(async def ...\\)"),
        ("elsewhere/none.py:send", "no file elsewhere/none.py"),
    ],
)
def test_a_bad_handler_is_refused_with_its_reason(
    spec: str, message: str, handler_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(handler_file.parent)
    with pytest.raises(PushsimError, match=f"--handler {spec}: {message}"):
        load_handler(spec)


def test_a_handler_object_must_be_async() -> None:
    with pytest.raises(PushsimError, match="handler: must be an async function"):
        LiveEngine(handler=lambda delivery: None)  # type: ignore[arg-type,return-value]
