"""Stopping a live run mid-way loses no message it accepted.

Each test stops a busy system (messages waiting, in service and blocked on
the way in) and checks the accounting identity: every delivery that arrived
is completed, dropped, expired, failed or still in the system, once.
"""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import pytest

import pushsim
from pushsim.engines.base import Run
from pushsim.engines.live import Delivery, LiveEngine
from pushsim.engines.live.clock import VirtualLoop
from pushsim.live import run_live
from pushsim.measures import conservation


def busy(duration: float = 60.0) -> dict[str, Any]:
    """A tandem at load 0.9 with a small blocking queue in front: every state occurs."""
    return {
        "seed": 5,
        "producers": {
            "src": {"arrivals": {"process": "poisson", "rate": 90}, "to": "front"}
        },
        "queues": {
            "front": {
                "capacity": 3,
                "overflow": "block",
                "consumers": {
                    "count": 2,
                    "service": {"law": "exponential", "mean": 0.02},
                    "then": "back",
                },
            },
            "back": {
                "ttl": "50ms",
                "consumers": {
                    "count": 1,
                    "service": {"law": "exponential", "mean": 0.01},
                },
            },
        },
        "experiment": {"duration": duration, "warmup": 0, "replications": 3},
    }


def assert_accounted(run: Run) -> None:
    counts = conservation(run)
    assert counts["arrived"] == run.deliveries > 0
    assert counts["accounted"] == counts["arrived"], counts
    assert counts["duplicates"] == 0
    assert counts["in_system"] > 0  # it was stopped with work in hand


def test_stop_ends_the_run_in_progress() -> None:
    engine: LiveEngine

    async def stop_at_the_200th(delivery: Delivery) -> None:
        await asyncio.sleep(0.02)
        if delivery.message == 200:
            engine.stop()

    engine = LiveEngine(clock="virtual", handler=stop_at_the_200th)
    run = engine.run(pushsim.load_scenario(busy()), 0)
    assert run.partial and engine.interrupted
    assert 0.0 < run.horizon < 60.0
    assert_accounted(run)
    assert any("was stopped at" in note for note in engine.notes)
    # a stopped engine runs no more
    again = engine.run(pushsim.load_scenario(busy()), 1)
    assert again.partial and again.deliveries == 0 and again.horizon == 0.0


def test_cancelling_the_task_accounts_for_every_message() -> None:
    loop = VirtualLoop()
    engine = LiveEngine(clock="virtual")
    model = pushsim.load_scenario(busy())
    try:
        task = loop.create_task(engine.run_async(model, 0))
        loop.call_at(7.5, task.cancel)
        with pytest.raises(asyncio.CancelledError):
            loop.run_until_complete(task)
    finally:
        loop.close()
    run = engine.last_run
    assert run is not None and run.partial
    assert run.horizon == 7.5
    assert_accounted(run)


@pytest.mark.live
@pytest.mark.filterwarnings("ignore::pushsim.errors.PushsimWarning")
def test_ctrl_c_stops_the_run_with_a_partial_result() -> None:
    # A real SIGINT, sent once the run is under way (its first progress report).
    sent: list[float] = []

    def interrupt(done: float, total: float) -> None:
        if not sent:
            sent.append(done)
            os.kill(os.getpid(), signal.SIGINT)

    result = run_live(busy(), replications=3, progress=interrupt)
    assert sent and result.partial and result.interrupted
    assert result.replications == 1
    assert any("live replication 0 was stopped at" in n for n in result.notes)
    run = result.runs[0]
    assert 0.0 < run.horizon < 60.0
    assert_accounted(run)
    # the engine put the usual handler back
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
