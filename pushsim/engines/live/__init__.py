"""The live reference engine: the scenario run as real concurrent asyncio code.

What it models: the same topology as the simulator, run for real. Producers
are tasks that publish on absolute deadlines of their arrival process;
queues are asynchronous queues with the scenario's capacity, discipline,
overflow rule (``block`` makes the sender really wait) and time-to-live;
balancers are the simulator's own policy code; consumers are tasks that take
from their queue and work: a sleep of the drawn service time divided by
``speed``, or the user's own async handler, whose real duration (times
``speed``) is the service time. Time is scaled: ``speed=60`` runs an hour of
traffic in a minute, and every time recorded is in scenario time, in the
same :class:`~pushsim.engines.base.Run` shape as the simulator's.

Assumptions: with the same seed, the live engine draws the same arrivals,
classes, keys, fan-outs, service times, patience, balancer choices and
routes as the simulator, from the same streams in the same order; on a
virtual clock (``clock="virtual"``) a run is therefore the simulator's run,
visit for visit, wherever no two events fall on the same instant. On a real
clock the differences are the engine's own overhead, which it measures:
timer lateness and event-loop lag go into ``Run.diagnostics`` (see
:mod:`.meter`).

Stopping: at the end of the run's length, on :meth:`LiveEngine.stop`, on
Ctrl-C (SIGINT or SIGTERM, when run from the main thread), when the run's
task is cancelled, or on a handler's failure if asked to stop on one, the
engine stops producing, cancels its tasks and accounts for every delivery it
accepted (completed, dropped, expired, failed, or still in the system). A run
that ended early is marked ``partial``.

Cost: a few asyncio task steps and one timer per message and queue visited;
see ``benchmarks/live.py`` for the highest rate it sustains.

Limits: in-flight handler calls are cancelled at the end of the run (their
visits count as still in the system). ``least_work_left`` reads the drawn
service times even when a handler does the work. Expired messages leave a
queue when it next acts (their records carry the deadline), so a balancer
counts them until then. On a real clock a system that stalls (blocking
queues waiting on each other) runs until its duration ends or it is
stopped; on a virtual clock it ends as stalled. See :mod:`.clock` for the
event loops' limits.
"""

from __future__ import annotations

import asyncio
import logging
import math
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from pushsim.engines.base import Run
from pushsim.engines.live.clock import (
    LOOPS,
    Clock,
    RealClock,
    VirtualClock,
    VirtualLoop,
    new_loop,
)
from pushsim.engines.live.handler import Delivery, Handler, check_handler
from pushsim.engines.live.model import LiveModel
from pushsim.errors import PushsimError
from pushsim.scenario import Scenario

__all__ = ["CLOCKS", "LOOPS", "Delivery", "LiveEngine", "check_speed"]

log = logging.getLogger("pushsim.live")

#: The time sources the engine runs on.
CLOCKS = ("real", "virtual")

#: ``progress(replication, share done)``, called a few times a second.
Progress = Callable[[int, float], None]


class LiveEngine:
    """Runs replications of a scenario live, on the wall clock or a virtual one."""

    name = "live"

    def __init__(
        self,
        *,
        speed: float = 1.0,
        handler: Handler | None = None,
        clock: str = "real",
        loop: str = "select",
        stop_on_failure: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.speed = check_speed(speed)
        if clock not in CLOCKS:
            raise PushsimError(
                f"clock: must be one of {', '.join(CLOCKS)}, got {clock!r}"
            )
        if loop not in LOOPS:
            raise PushsimError(f"loop: must be one of {', '.join(LOOPS)}, got {loop!r}")
        self.handler = None if handler is None else check_handler(handler)
        self.clock = clock
        self.loop = loop
        self.stop_on_failure = stop_on_failure
        self.progress = progress
        #: What the runs said that a reader should know (failures, stalls, stops).
        self.notes: list[str] = []
        #: The last run, also when it ended by an error or a cancellation.
        self.last_run: Run | None = None
        self.interrupted = False
        self._model: LiveModel | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- running ---------------------------------------------------------------------

    def run(self, scenario: Scenario, replication: int) -> Run:
        """Run one replication on a new event loop of its own, and wait for it."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            inside_a_loop = False
        else:
            inside_a_loop = True  # a notebook: run beside its loop, in a thread
        if inside_a_loop:
            return self._run_in_thread(scenario, replication)
        return self._run_here(scenario, replication)

    async def run_async(self, scenario: Scenario, replication: int) -> Run:
        """Run one replication on the running event loop (real clock only there)."""
        loop = asyncio.get_running_loop()
        clock: Clock
        if self.clock == "virtual":
            if not isinstance(loop, VirtualLoop):
                raise PushsimError(
                    "clock 'virtual' needs the engine's own loop: call run(), not "
                    "run_async(), or use clock 'real'"
                )
            clock = VirtualClock(loop, self.speed)
        else:
            clock = RealClock(self.speed)
        model = LiveModel(
            scenario,
            replication,
            clock,
            handler=self.handler,
            stop_on_failure=self.stop_on_failure,
        )
        self._model, self._loop = model, loop
        if self.interrupted:  # stopped before this run began
            model.end("interrupted")
        progress = self.progress
        report = (
            None if progress is None else (lambda share: progress(replication, share))
        )
        began, cpu = time.perf_counter(), time.process_time()
        try:
            await model.run(report)
        finally:
            self.last_run = self._collect(model, replication, began, cpu)
            self._model = None
        if model.error is not None:
            raise model.error
        return self.last_run

    def stop(self) -> None:
        """End the run in progress as interrupted, and run no more (any thread)."""
        self.interrupted = True
        loop, model = self._loop, self._model
        if loop is not None and model is not None and not loop.is_closed():
            loop.call_soon_threadsafe(model.end, "interrupted")

    # -- event loops -----------------------------------------------------------------

    def _run_here(self, scenario: Scenario, replication: int) -> Run:
        loop = VirtualLoop() if self.clock == "virtual" else new_loop(self.loop)
        signals = self._catch_signals(loop)
        try:
            return loop.run_until_complete(self.run_async(scenario, replication))
        finally:
            for number in signals:
                loop.remove_signal_handler(number)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self._loop = None

    def _catch_signals(self, loop: asyncio.AbstractEventLoop) -> list[int]:
        """Ctrl-C and SIGTERM stop the run cleanly (a second Ctrl-C aborts)."""
        if threading.current_thread() is not threading.main_thread():
            return []
        caught: list[int] = []
        for number in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(number, self._on_signal, loop, number)
            except (NotImplementedError, RuntimeError, ValueError):
                continue
            caught.append(number)
        return caught

    def _on_signal(self, loop: asyncio.AbstractEventLoop, number: int) -> None:
        log.info("signal %d: stopping the live run", number)
        loop.remove_signal_handler(number)  # the next one acts as usual
        self.stop()

    def _run_in_thread(self, scenario: Scenario, replication: int) -> Run:
        outcome: dict[str, Any] = {}

        def target() -> None:
            try:
                outcome["run"] = self._run_here(scenario, replication)
            except BaseException as error:
                outcome["error"] = error

        worker = threading.Thread(target=target, name="pushsim-live", daemon=True)
        worker.start()
        while worker.is_alive():
            try:
                worker.join(0.1)
            except KeyboardInterrupt:
                self.stop()
        if "error" in outcome:
            raise outcome["error"]
        run: Run = outcome["run"]
        return run

    # -- results ---------------------------------------------------------------------

    def _collect(
        self, model: LiveModel, replication: int, began: float, cpu: float
    ) -> Run:
        if not model.reason:  # cancelled before it could end by itself
            model.end("interrupted")
        model.close()
        wall = time.perf_counter() - began
        diagnostics = model.meter.diagnostics(self.speed)
        diagnostics.update(
            {
                "speed": self.speed,
                "wall_seconds": wall,
                "cpu_seconds": time.process_time() - cpu,
                "handler_failures": float(model.failures),
                "virtual_clock": float(model.clock.virtual),
            }
        )
        self._note(model, replication)
        return Run(
            engine=self.name,
            replication=replication,
            columns=model.records.columns(),
            horizon=float(model.horizon),
            published=model.counter.published,
            deliveries=model.counter.deliveries,
            nodes=tuple(model.queue_names),
            classes=tuple(model.classes),
            diagnostics=diagnostics,
            partial=model.partial,
        )

    def _note(self, model: LiveModel, replication: int) -> None:
        where = f"live replication {replication}"
        if model.failures:
            self.notes.append(
                f"{where}: {model.failures} deliveries failed in the handler; the "
                f"first raised {model.first_failure}"
            )
        if model.reason == "interrupted":
            self.notes.append(f"{where} was stopped at {model.horizon:.6g}s: partial")
        elif model.reason == "failed":
            self.notes.append(
                f"{where} stopped at its first failed delivery ({model.horizon:.6g}s): "
                "partial"
            )
        elif model.reason == "stalled":
            self.notes.append(
                f"{where} stalled at {model.horizon:.6g}s: every task waits and no "
                "timer is due (blocking queues waiting on each other?)"
            )


def check_speed(speed: Any) -> float:
    """``speed`` as a float, if it is a finite number > 0."""
    if isinstance(speed, bool) or not isinstance(speed, int | float):
        raise PushsimError(f"speed: must be a number > 0, got {speed!r}")
    if not (math.isfinite(speed) and speed > 0):
        raise PushsimError(f"speed: must be a finite number > 0, got {speed!r}")
    return float(speed)
