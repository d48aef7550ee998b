"""``compare``: the simulator, the live engine and the theory on one scenario.

The same scenario and seed run on the simulator (the scenario's
replications) and on the live engine (one replication unless asked), and
theory predicts what it covers. :class:`Comparison` puts them side by side
per node and metric: the three values, the live-minus-simulated difference
with its 95 % interval, and whether the two 95 % intervals overlap; beside
them, the live engine's own overhead (timer lateness, loop lag), which is
what a gap between live and simulated figures is read against.

The difference's interval is Welch's: the standard errors of the two
estimates (each from its own Student-t interval, over replications or batch
means) add in quadrature, with the Welch-Satterthwaite degrees of freedom
(Welch 1947). The two engines draw from the same random streams, so their
estimates are positively correlated and this interval is conservative: wider
than the true uncertainty of the difference.

Limits: the CDF figure and the report need matplotlib; the table and the
JSON document do not.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from pushsim.engines.base import Outcome
from pushsim.engines.live.handler import Handler
from pushsim.errors import PushsimError
from pushsim.live import ENGINE, LiveResult, run_live, with_duration
from pushsim.result import Result
from pushsim.scenario import Scenario, load_scenario
from pushsim.simulate import simulate, with_overrides

__all__ = ["COLUMNS", "Comparison", "compare"]

#: The columns of :attr:`Comparison.table`.
COLUMNS = [
    "node",
    "metric",
    "unit",
    "simulated",
    "simulated_low",
    "simulated_high",
    "live",
    "live_low",
    "live_high",
    "theory",
    "theory_model",
    "difference",
    "difference_low",
    "difference_high",
    "overlap",
]
_Z95 = 0.975


@dataclass(frozen=True)
class Comparison:
    """The simulated, live and theoretical figures of one scenario, side by side."""

    scenario: Scenario
    simulated: Result
    live: LiveResult

    def _repr_html_(self) -> str:
        shown = self.table.to_html(index=False, float_format=lambda v: f"{v:.4g}")
        return f"<p>{self.scenario.name}: simulation, live and theory</p>{shown}"

    @cached_property
    def table(self) -> pd.DataFrame:
        """One row per node and metric; see :data:`COLUMNS`."""
        sim, live = self.simulated.summary, self.live.summary
        live = live[live.node != ENGINE]
        both = sim.merge(
            live[["node", "metric", "mean", "ci_low", "ci_high"]],
            on=["node", "metric"],
            how="inner",
            suffixes=("_sim", "_live"),
            sort=False,
        )
        dof_sim, dof_live = _dof(self.simulated), _dof(self.live)
        rows = []
        for row in both.itertuples(index=False):
            s = (row.mean_sim, row.ci_low_sim, row.ci_high_sim)
            v = (row.mean_live, row.ci_low_live, row.ci_high_live)
            diff, low, high = difference(s, dof_sim, v, dof_live)
            head = [row.node, row.metric, row.unit, *s, *v]
            theory = [row.theory, row.theory_model]
            rows.append([*head, *theory, diff, low, high, _overlap(s, v)])
        frame = pd.DataFrame(rows, columns=COLUMNS)
        frame["overlap"] = frame["overlap"].astype("boolean")
        return frame

    @property
    def overhead(self) -> pd.DataFrame:
        """The live engine's own figures (the summary's ``engine`` rows)."""
        summary = self.live.summary
        return summary[summary.node == ENGINE].reset_index(drop=True)

    @property
    def partial(self) -> bool:
        """Whether the live run was stopped before its end."""
        return self.live.partial

    def explanations(self) -> list[str]:
        """Plain sentences on where live and simulated part, and how much lateness explains."""
        out = []
        late = self.live.interval(ENGINE, "timer_lateness_mean").mean
        scaled = self.live.interval(ENGINE, "timer_lateness_mean_scaled").mean
        speed = self.live.interval(ENGINE, "speed").mean
        if self.live.runs[0].diagnostics.get("virtual_clock"):
            out.append(
                "The live engine ran on its virtual clock: its timers are exact and "
                "it draws what the simulator draws, so its replication 0 is the "
                "simulator's replication 0; differences come from the simulator's "
                "other replications."
            )
        elif math.isfinite(late):
            out.append(
                f"The live engine's timers woke {late * 1e3:.3g} ms late on average "
                f"(real time); at speed {speed:g} that is {scaled * 1e3:.3g} ms of "
                "scenario time added to each wait and each simulated service."
            )
        for name in self.scenario.queues:
            sim = self.simulated.interval(name, "service_mean").mean
            live = self.live.interval(name, "service_mean").mean
            if not (math.isfinite(sim) and math.isfinite(live) and sim > 0):
                continue
            gap = live / sim - 1
            line = (
                f"At {name} a live service took {live * 1e3:.4g} ms on average against "
                f"{sim * 1e3:.4g} ms simulated ({gap:+.1%})"
            )
            service_late = self.live.interval(ENGINE, "service_lateness_mean").mean
            if math.isfinite(service_late):
                share = service_late * speed / sim
                line += f"; the service sleeps' lateness accounts for {share:+.1%}"
            out.append(line + ".")
        return out

    def to_dict(self) -> dict[str, Any]:
        """The comparison as a JSON-ready document."""
        return {
            "scenario": self.scenario.name,
            "seed": self.simulated.seed,
            "simulated": {
                "replications": self.simulated.replications,
                "confidence": self.simulated.ci_method,
            },
            "live": {
                "replications": self.live.replications,
                "confidence": self.live.ci_method,
                "partial": self.live.partial,
            },
            "rows": _records(self.table),
            "overhead": _records(self.overhead),
            "explanations": self.explanations(),
            "warnings": [*self.simulated.notes, *self.live.notes],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The comparison as JSON (NaN as null)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def sojourns(self) -> dict[str, np.ndarray]:
        """End-to-end sojourns of completed deliveries in the measuring window."""
        return {
            "simulated": _sojourns(self.simulated),
            "live": _sojourns(self.live),
        }

    def figure(self) -> Any:
        """The latency CDFs of simulation, live and theory on one plot (matplotlib)."""
        return _cdf_figure(self)


def difference(
    simulated: tuple[float, float, float],
    dof_simulated: int,
    live: tuple[float, float, float],
    dof_live: int,
) -> tuple[float, float, float]:
    """Live minus simulated, with Welch's 95 % interval from the two intervals."""
    diff = live[0] - simulated[0]
    se_s = _standard_error(simulated, dof_simulated)
    se_l = _standard_error(live, dof_live)
    if not (math.isfinite(se_s) and math.isfinite(se_l)):
        return diff, math.nan, math.nan
    variance = se_s**2 + se_l**2
    if variance == 0:
        return diff, diff, diff
    dof = variance**2 / (se_s**4 / dof_simulated + se_l**4 / dof_live)
    half = float(stats.t.ppf(_Z95, dof)) * math.sqrt(variance)
    return diff, diff - half, diff + half


def _standard_error(estimate: tuple[float, float, float], dof: int) -> float:
    mean, low, high = estimate
    if dof < 1 or not all(math.isfinite(v) for v in (mean, low, high)):
        return math.nan
    return (high - low) / (2 * float(stats.t.ppf(_Z95, dof)))


def _dof(result: Result) -> int:
    """Degrees of freedom of a result's intervals: replications or batches, less one."""
    if result.replications > 1:
        return result.replications - 1
    _ = result.ci_method  # settles the number of batches
    return max(result.batches - 1, 0)


def _overlap(a: tuple[float, float, float], b: tuple[float, float, float]) -> Any:
    if not all(math.isfinite(v) for v in (*a[1:], *b[1:])):
        return pd.NA
    return bool(a[1] <= b[2] and b[1] <= a[2])


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    def value(v: Any) -> Any:
        if v is pd.NA:
            return None
        if isinstance(v, float | np.floating):
            return float(v) if math.isfinite(v) else None
        if isinstance(v, np.bool_ | bool):
            return bool(v)
        if isinstance(v, np.integer):
            return int(v)
        return v

    return [{k: value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _sojourns(result: Result) -> np.ndarray:
    parts = []
    for run, warm in zip(result.runs, result.warmups, strict=True):
        c = run.columns
        done = (c["outcome"] == Outcome.COMPLETED) & (c["created_at"] >= warm.instant)
        parts.append(c["finished_at"][done] - c["created_at"][done])
    return np.concatenate(parts) if parts else np.zeros(0)


#: Probabilities at which the figure reads the empirical laws: the body, and the tail.
_LEVELS = np.unique(
    np.concatenate([np.linspace(0.0, 1.0, 801), 1.0 - np.logspace(-5, -2, 120)])
)


def _time_unit(values: np.ndarray) -> tuple[float, str]:
    typical = float(np.median(values)) if values.size else 1.0
    if typical < 1e-3:
        return 1e6, "µs"
    if typical < 1.0:
        return 1e3, "ms"
    return 1.0, "s"


def _cdf_figure(comparison: Comparison) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise PushsimError(
            "the comparison figure needs matplotlib: pip install matplotlib"
        ) from None
    samples = comparison.sojourns()
    pooled = np.concatenate(list(samples.values()))
    factor, unit = _time_unit(pooled)
    figure = Figure(figsize=(9.5, 3.8), layout="constrained")
    body, tail = figure.subplots(1, 2)
    for (label, values), colour in zip(samples.items(), ("C0", "C1"), strict=True):
        if values.size == 0:
            continue
        x = np.quantile(values, _LEVELS) * factor
        name = f"{label} ({values.size} deliveries)"
        body.plot(x, _LEVELS, color=colour, label=name)
        keep = _LEVELS < 1.0
        tail.plot(x[keep], 1.0 - _LEVELS[keep], color=colour, label=name)
    top = max(
        (float(np.quantile(v, 0.999)) for v in samples.values() if v.size), default=1.0
    )
    _theory_curves(comparison, body, tail, top, factor)
    body.set_xlim(0, top * factor)
    body.set(xlabel=f"sojourn ({unit}, scenario time)", ylabel="share of deliveries",
             title="CDF of the end-to-end sojourn")  # fmt: skip
    tail.set_yscale("log")
    tail.set(xlabel=f"sojourn ({unit}, scenario time)", ylabel="share above",
             title="the tail: 1 - CDF")  # fmt: skip
    body.legend(loc="lower right", fontsize="small")
    for axes in (body, tail):
        axes.grid(True, alpha=0.3)
    return figure


def _theory_curves(
    comparison: Comparison, body: Any, tail: Any, top: float, factor: float
) -> None:
    system = comparison.simulated.prediction.system
    law = system.sojourn_distribution if system.covered else None
    if law is None:
        return
    grid = np.linspace(0.0, top * 1.5, 400)
    cdf = np.array([law.cdf(float(t)) for t in grid])
    if not np.all(np.isfinite(cdf)):
        return
    name = f"theory: {system.model}"
    body.plot(grid * factor, cdf, "k--", linewidth=1, label=name)
    survival = 1.0 - cdf
    keep = survival > 1e-6
    tail.plot(grid[keep] * factor, survival[keep], "k--", linewidth=1, label=name)


def compare(
    scenario: Scenario | Mapping[str, Any] | str | Path,
    *,
    speed: float = 1.0,
    duration: float | str | None = None,
    replications: int | None = None,
    live_replications: int | None = None,
    seed: int | None = None,
    handler: Handler | str | None = None,
    clock: str = "real",
    loop: str = "select",
    progress: Callable[[float, float], None] | None = None,
    command: str = "",
) -> Comparison:
    """Run a scenario on the simulator and the live engine, and compare them.

    ``duration`` (scenario time) replaces the run length of both;
    ``replications`` overrides the simulator's count and
    ``live_replications`` the live engine's (1 by default); ``seed``,
    ``speed``, ``handler``, ``clock`` and ``loop`` are those of
    :func:`pushsim.live.run_live`. ``progress(done, total)`` follows the
    live runs.
    """
    model = with_duration(load_scenario(scenario), duration)
    model = with_overrides(model, replications=replications, seed=seed)
    simulated = simulate(model)
    simulated.command = command
    live = run_live(
        model,
        speed=speed,
        handler=handler,
        replications=live_replications,
        clock=clock,
        loop=loop,
        progress=progress,
        command=command,
    )
    return Comparison(model, simulated, live)
