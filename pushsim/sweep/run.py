"""``sweep``: run a scenario at many points and gather one tidy table.

Each point (see :mod:`pushsim.sweep.points`) runs the scenario's
replications; its measures and their intervals are those of
:class:`pushsim.Result` for that point, so a sweep point and a ``simulate``
of the same scenario give the same numbers. Points past saturation (the
bottleneck offered load 1 or more) are run like the others and marked
``saturated``: their queue grows for as long as the run lasts, so their
latencies describe the run, not a steady state.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pushsim.engines.base import Run
from pushsim.errors import PushsimError, PushsimWarning
from pushsim.result import Result
from pushsim.scenario import Scenario, load_scenario
from pushsim.simulate import with_overrides
from pushsim.sweep.executors import Interrupted, Task, execute
from pushsim.sweep.points import LOAD, Point, expand, resolve

__all__ = ["SweepResult", "run_sweep", "sweep"]

Progress = Callable[[int, int], None]

#: The columns after the varied values, in order.
COLUMNS = [
    "point",
    "node",
    "metric",
    "mean",
    "ci_low",
    "ci_high",
    "unit",
    "theory",
    "theory_model",
    "theory_exact",
    "offered_load",
    "saturated",
    "replications",
]


@dataclass
class SweepResult:
    """A finished (or stopped) sweep: the table, its points, a sample of each.

    ``frame`` is what :func:`sweep` returns. ``points`` lists every planned
    point; ``samples[i]`` is the first replication of point ``i`` as a
    :class:`Result` (for one run's queue length or latency distribution);
    ``partial`` is True when the sweep was stopped before every run finished.
    """

    scenario: Scenario
    vary: list[str]
    points: list[Point]
    frame: pd.DataFrame
    samples: dict[int, Result] = field(default_factory=dict)
    partial: bool = False
    warnings: list[str] = field(default_factory=list)


def sweep(
    scenario: Scenario | Mapping[str, Any] | str | Path,
    *,
    vary: Any = None,
    values: Any = None,
    replications: int | None = None,
    executor: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Run the scenario at every point and return one tidy table.

    ``vary`` is ``"load"`` (the default), a field path, a list of them (a
    grid, with ``values`` a list of lists) or a mapping of names to values;
    without ``vary`` and ``values`` the scenario's own ``sweep:`` section is
    used. ``executor`` is ``"processes"`` (the default, ``workers`` of them,
    all cores unless told), ``"serial"``, ``"dask"`` (``scheduler`` an
    address, else a local cluster), a ``concurrent.futures`` executor or a
    Dask client. The table has one row per point, node and metric: a column
    per varied name, then ``point, node, metric, mean, ci_low, ci_high, unit,
    theory, theory_model, theory_exact, offered_load, saturated,
    replications``; ``frame.attrs`` holds the scenario, the varied names, the
    SLOs, the seed and whether the sweep is ``partial``.
    """
    return run_sweep(
        scenario,
        vary=vary,
        values=values,
        replications=replications,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        seed=seed,
        progress=progress,
    ).frame


def run_sweep(
    scenario: Scenario | Mapping[str, Any] | str | Path,
    *,
    vary: Any = None,
    values: Any = None,
    replications: int | None = None,
    executor: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """:func:`sweep`, returning the points and a sample run of each as well.

    Ctrl-C (KeyboardInterrupt) stops the runs: those finished are kept, the
    result marked partial, unless every run had finished; with none
    finished, the KeyboardInterrupt goes on.
    """
    base = with_overrides(load_scenario(scenario), replications=replications, seed=seed)
    grid = resolve(base, vary, values)
    points = expand(base, grid)
    count = base.experiment.replications
    tasks = [Task((p.index, r), p.scenario, r) for p in points for r in range(count)]
    try:
        runs = execute(
            tasks,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
        )
    except Interrupted as stop:
        if not stop.done:
            raise KeyboardInterrupt from None  # nothing finished: nothing to keep
        runs = stop.done
    return _gather(base, list(grid), points, runs, partial=len(runs) < len(tasks))


def _gather(
    base: Scenario,
    names: list[str],
    points: list[Point],
    runs: Mapping[Hashable, Run],
    partial: bool,
) -> SweepResult:
    parts, samples, notes = [], {}, []
    for point in points:
        mine = sorted(
            (key[1], run)
            for key, run in runs.items()
            if isinstance(key, tuple) and key[0] == point.index
        )
        if not mine:
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = Result(point.scenario, [run for _, run in mine])
            summary = result.summary.copy()
        notes += [f"{point.label}: {w.message}" for w in caught]
        with warnings.catch_warnings():
            # the sample is one replication kept for figures; the point's
            # warnings above are those of all its replications
            warnings.simplefilter("ignore", PushsimWarning)
            sample = Result(point.scenario, [mine[0][1]]) if len(mine) > 1 else result
        for name in reversed(names):
            summary.insert(0, name, point.values[name])
        summary.insert(len(names), "point", point.index)
        summary["offered_load"] = point.offered_load
        summary["saturated"] = point.saturated
        summary["replications"] = len(mine)
        parts.append(summary)
        samples[point.index] = sample
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[[*names, *COLUMNS]]
    if partial:
        planned = len(points) * base.experiment.replications
        notes.insert(
            0,
            f"the sweep was stopped: {len(runs)} of {planned} runs had finished, so "
            "the table is partial (see each point's replications)",
        )
    saturated = [p for p in points if p.saturated]
    if saturated:
        where = ", ".join(dict.fromkeys(p.bottleneck for p in saturated))
        notes.insert(
            0,
            f"{len(saturated)} point(s) past saturation "
            f"({'; '.join(p.label for p in saturated)}): {where} is offered more work "
            "than its consumers can do, so its queue grows with the run and the "
            "latencies there describe this run, not a steady state",
        )
    for note in dict.fromkeys(notes):
        warnings.warn(note, PushsimWarning, stacklevel=3)
    frame.attrs.update(
        scenario=base,
        vary=names,
        slo=list(base.experiment.slo),
        seed=base.seed,
        replications=base.experiment.replications,
        partial=partial,
        bottleneck=points[0].bottleneck,
    )
    return SweepResult(base, names, points, frame, samples, partial, notes)


def varied_axis(frame: pd.DataFrame) -> tuple[str, np.ndarray]:
    """The first varied name of a sweep table and its distinct values in order."""
    names = frame.attrs.get("vary") or [LOAD]
    name = names[0]
    if name not in frame:
        raise PushsimError(f"the table has no column {name!r}; is it a sweep table?")
    return name, pd.unique(frame[name])
