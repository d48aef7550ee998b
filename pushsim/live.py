"""``run_live``: run a scenario on the live engine and measure it like a simulation.

The live engine (:mod:`pushsim.engines.live`) runs the scenario as real
asyncio code in scaled wall-clock time; its runs have the simulator's shape,
so the result is a :class:`~pushsim.result.Result` with every measure,
interval, SLO verdict and theory column of a simulated one. The result is a
:class:`LiveResult`, which adds the engine's own overhead: its summary has
extra rows with node ``engine`` (timer lateness and loop lag, in real
seconds; ``timer_lateness_mean_scaled`` in scenario seconds; wall and CPU
time; failed handler calls), and :attr:`LiveResult.overhead` has them per
replication.

A live replication takes its length in real time (divided by ``speed``), so
``run_live`` runs one replication unless ``replications`` asks for more.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from pushsim.engines.base import Run
from pushsim.engines.live import LiveEngine
from pushsim.engines.live.handler import Handler, load_handler
from pushsim.errors import PushsimError
from pushsim.quantities import format_duration, parse_duration
from pushsim.result import Result
from pushsim.scenario import Scenario, load_scenario
from pushsim.simulate import with_overrides
from pushsim.stats import Interval, t_interval

__all__ = ["ENGINE", "ENGINE_METRICS", "LiveResult", "run_live", "with_duration"]

#: The node name of the engine's own rows in a live summary.
ENGINE = "engine"

#: The engine's figures shown in a live summary, with their units.
ENGINE_METRICS = (
    ("timer_lateness_mean", "s"),
    ("timer_lateness_p99", "s"),
    ("timer_lateness_max", "s"),
    ("timer_lateness_mean_scaled", "s"),
    ("publish_lateness_p99", "s"),
    ("service_lateness_mean", "s"),
    ("service_lateness_p99", "s"),
    ("loop_lag_mean", "s"),
    ("loop_lag_p99", "s"),
    ("loop_lag_max", "s"),
    ("wall_seconds", "s"),
    ("cpu_seconds", "s"),
    ("handler_failures", "messages"),
    ("speed", ""),
)

#: The share of a mean service time above which timer lateness is warned of.
LATENESS_SHARE = 0.05

#: ``progress(replications done, of how many)``, the first possibly fractional.
Progress = Callable[[float, float], None]


class LiveResult(Result):
    """A :class:`Result` of live runs, with the engine's overhead beside the measures."""

    def __init__(
        self,
        scenario: Scenario,
        runs: Sequence[Run],
        *,
        command: str = "",
        notes: Sequence[str] = (),
        interrupted: bool = False,
        stopped_on_failure: bool = False,
    ) -> None:
        super().__init__(scenario, runs, command=command)
        #: Whether the runs were stopped from outside (Ctrl-C, ``LiveEngine.stop``).
        self.interrupted = interrupted
        #: Whether a handler call failed in a run asked to stop on the first failure.
        self.stopped_on_failure = stopped_on_failure
        for note in notes:
            self._warn(note)
        self._check_lateness()

    def _check_lateness(self) -> None:
        """Warn when the service sleeps' lateness is a sizeable share of a service."""
        late = self._engine_intervals["service_lateness_mean"].mean
        if not math.isfinite(late):
            return  # no service sleeps: a handler did the work, its time is real
        speed = self._engine_intervals["speed"].mean
        means = {n: q.consumers.service.mean for n, q in self.scenario.queues.items()}
        name = min(means, key=means.__getitem__)
        share = late * speed / means[name]
        if share > LATENESS_SHARE:
            self._warn(
                f"the consumers' sleeps woke {late * 1e3:.3g} ms late on average (real "
                f"time), {late * speed * 1e3:.3g} ms of scenario time at speed "
                f"{speed:g}: {share:.1%} of the mean service time at queue {name} "
                f"({format_duration(means[name])}); live services and latencies read "
                "high by that much and more; lower the speed"
            )

    @cached_property
    def overhead(self) -> pd.DataFrame:
        """The engine's diagnostics, one row per replication (see :mod:`.meter`)."""
        rows = [
            {"replication": run.replication, **run.diagnostics} for run in self.runs
        ]
        return pd.DataFrame(rows)

    @cached_property
    def _engine_intervals(self) -> dict[str, Interval]:
        return {
            metric: t_interval(
                [run.diagnostics.get(metric, math.nan) for run in self.runs]
            )
            for metric, _ in ENGINE_METRICS
        }

    @cached_property
    def summary(self) -> pd.DataFrame:
        """The measures of :attr:`Result.summary`, then the engine's own rows."""
        frame = super().summary
        rows = [
            {
                "node": ENGINE,
                "metric": metric,
                "mean": iv.mean,
                "ci_low": iv.low,
                "ci_high": iv.high,
                "unit": unit,
                "theory": math.nan,
                "theory_model": "",
                "theory_exact": False,
            }
            for (metric, unit), iv in zip(
                ENGINE_METRICS, self._engine_intervals.values(), strict=True
            )
        ]
        engine = pd.DataFrame(rows, columns=frame.columns)
        return pd.concat([frame, engine], ignore_index=True)

    def interval(self, node: str, metric: str) -> Interval:
        """The estimate and interval of one metric, the engine's rows included."""
        if node == ENGINE:
            try:
                return self._engine_intervals[metric]
            except KeyError:
                known = [m for m, _ in ENGINE_METRICS]
                raise KeyError(
                    f"no metric {metric!r} for node {ENGINE!r}; known: {known}"
                ) from None
        return super().interval(node, metric)

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-ready document, with the overhead per replication."""
        document = super().to_dict()
        document["overhead"] = [
            {"replication": run.replication, **_finite(run.diagnostics)}
            for run in self.runs
        ]
        return document


def _finite(values: Mapping[str, float]) -> dict[str, float | None]:
    return {k: (v if math.isfinite(v) else None) for k, v in values.items()}


def with_duration(scenario: Scenario, duration: Any) -> Scenario:
    """The scenario with its run length set to ``duration`` of scenario time."""
    if duration is None:
        return scenario
    try:
        seconds = parse_duration(duration)
    except (TypeError, ValueError) as error:
        raise PushsimError(f"duration: {error}") from None
    if not seconds > 0:
        raise PushsimError(f"duration: must be > 0, got {duration!r}")
    warmup = scenario.experiment.warmup
    if warmup.kind == "duration" and warmup.value >= seconds:
        raise PushsimError(
            f"duration: must be longer than the scenario's warm-up {warmup.text!r}, "
            f"got {format_duration(seconds)}"
        )
    experiment = scenario.experiment.model_copy(
        update={"messages": None, "duration": seconds}
    )
    return scenario.model_copy(update={"experiment": experiment})


def run_live(
    scenario: Scenario | Mapping[str, Any] | str | Path,
    *,
    speed: float = 1.0,
    duration: float | str | None = None,
    handler: Handler | str | None = None,
    replications: int | None = None,
    seed: int | None = None,
    clock: str = "real",
    loop: str = "select",
    stop_on_failure: bool = False,
    progress: Progress | None = None,
    command: str = "",
) -> LiveResult:
    """Run a scenario on the live engine and return its measures.

    ``speed`` scales time (60: an hour of traffic in a minute); ``duration``
    (scenario time, ``"10min"`` or seconds) replaces the scenario's run
    length; ``handler`` is an async callable, or ``"module:function"``, that
    does each consumer's work in place of the drawn service time;
    ``replications`` defaults to 1 (each takes real time); ``seed``
    overrides the scenario's. ``clock="virtual"`` runs on virtual time
    (exact, as fast as the work allows); ``loop`` picks the real event loop
    (``select``, ``default`` or ``uvloop``). With ``stop_on_failure`` the
    first failed handler call ends the run: its replication stops there, no
    further one starts, and the result, marked partial, says so in
    :attr:`LiveResult.stopped_on_failure`. On Ctrl-C the run in progress
    stops and the result holds the replications so far, the last one
    marked partial.
    """
    model = with_duration(load_scenario(scenario), duration)
    model = with_overrides(
        model, replications=1 if replications is None else replications, seed=seed
    )
    if isinstance(handler, str):
        handler = load_handler(handler)
    total = model.experiment.replications

    def report(replication: int, share: float) -> None:
        if progress is not None:
            progress(replication + share, total)

    engine = LiveEngine(
        speed=speed,
        handler=handler,
        clock=clock,
        loop=loop,
        stop_on_failure=stop_on_failure,
        progress=report,
    )
    runs: list[Run] = []
    failed = False
    for replication in range(total):
        runs.append(engine.run(model, replication))
        report(replication, 1.0)
        failed = stop_on_failure and runs[-1].diagnostics.get("handler_failures", 0) > 0
        if engine.interrupted or failed:
            break
    return LiveResult(
        model,
        runs,
        command=command,
        notes=engine.notes,
        interrupted=engine.interrupted,
        stopped_on_failure=failed,
    )
