"""``check``: the SLO gate and the drift gate over scenario files, for CI.

Each scenario is run once (all its replications) and judged by three kinds
of check:

- ``run``: every replication ran to its end and the conservation identity
  (arrived = completed + dropped + expired + in system) holds in each;
- ``slo``: each of its SLOs, pass, fail or inconclusive from the 95 %
  interval (see :mod:`pushsim.check.slo_gate`);
- with a baseline folder, ``model``: whether the scenario is still the one
  the baseline was measured on (see :mod:`pushsim.check.baseline`), and
  ``drift``: each tracked metric against its baseline (see
  :mod:`pushsim.check.drift`). A metric that moved under an unchanged
  scenario and seed means that the engine changed; under a changed scenario,
  that the model did. Both are said.

A check gates (decides ``passed``) unless the ``gate`` leaves it out; an
inconclusive SLO fails unless ``allow_inconclusive``, which makes it a pass
with a warning. ``update_baseline`` writes each scenario's baseline (after
comparing with the old one, for the record, without gating on it).

Limits: see :mod:`pushsim.check.sources` for how files and folders are read
and named.
"""

from __future__ import annotations

import importlib
import logging
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pushsim.check._format import format_amount, format_delta
from pushsim.check.baseline import Baseline, Estimate, changed_parts, estimate
from pushsim.check.drift import Drift, Tolerance, compare
from pushsim.check.result import CheckResult, CheckRow, ScenarioCheck
from pushsim.check.slo_gate import slo_verdicts
from pushsim.check.sources import Source, load_all
from pushsim.engines.base import Engine
from pushsim.errors import PushsimError, PushsimWarning
from pushsim.quantities import format_value
from pushsim.result import Result
from pushsim.scenario import Scenario
from pushsim.simulate import simulate

__all__ = ["GATES", "check"]

log = logging.getLogger("pushsim.check")

#: Which checks decide the outcome: all of them, only the SLOs, only drift.
GATES = ("all", "slo", "drift")
Progress = Callable[[float, float], None]
Runner = Callable[[Scenario, Progress | None], Result]


def _live_runner(options: Mapping[str, Any]) -> Runner:
    try:
        module = importlib.import_module("pushsim.live")
        run_live = module.run_live
    except (ImportError, AttributeError) as error:
        raise PushsimError(
            f"engine live: the live engine is not available in this installation "
            f"(pushsim.live.run_live: {error}); use the des engine"
        ) from None

    def run(model: Scenario, progress: Progress | None) -> Result:
        # The scenario's own replications, so that both engines judge alike.
        replications = model.experiment.replications
        result = run_live(
            model, replications=replications, progress=progress, **options
        )
        if not isinstance(result, Result):
            raise PushsimError(
                f"engine live: run_live returned {type(result).__name__}, not a Result"
            )
        return result

    return run


def _runner(engine: str | Engine, live: Mapping[str, Any] | None) -> Runner:
    if live and engine != "live":
        raise PushsimError("live options apply to the live engine only")
    if engine == "live":
        return _live_runner(live or {})
    if isinstance(engine, str) and engine != "des":
        raise PushsimError(f"engine: must be des or live, got {engine!r}")
    chosen = None if isinstance(engine, str) else engine
    return lambda model, progress: simulate(model, engine=chosen, progress=progress)


def _run_row(result: Result) -> CheckRow:
    broken = [
        f"replication {r}: {c['arrived']} arrived, {c['accounted']} accounted for"
        for r, c in enumerate(result.conservation)
        if c["accounted"] != c["arrived"] or c["duplicates"]
    ]
    if result.partial:
        broken.append("the run was interrupted before its end")
    counts = result.conservation[0]
    if broken:
        return CheckRow("run", "", "fail", True, "; ".join(broken))
    message = (
        f"{result.replications} replication(s) on {result.engine}; conservation holds "
        f"(replication 0: {counts['arrived']} arrived = {counts['completed']} "
        f"completed + {counts['dropped']} dropped + {counts['expired']} expired + "
        f"{counts['in_system']} in system)"
    )
    return CheckRow("run", "", "pass", True, message)


def _slo_rows(result: Result, gated: bool, old: Baseline | None) -> list[CheckRow]:
    rows = []
    for v in slo_verdicts(result):
        base = old.metrics.get(f"{v.node}.{v.metric}") if old is not None else None
        reference = base.mean if base is not None else float("nan")
        rows.append(
            CheckRow(
                "slo",
                v.slo,
                v.verdict,
                gated,
                v.message,
                measured=v.mean,
                ci_low=v.ci_low,
                ci_high=v.ci_high,
                limit=v.limit,
                baseline=reference,
                delta=v.mean - reference,
                unit=v.unit,
            )
        )
    return rows


def _model_row(old: Baseline, new: Baseline, gated: bool) -> CheckRow:
    if old.scenario_hash == new.scenario_hash:
        message = f"the scenario is the one the baseline was measured on ({old.scenario_hash[:19]})"
        return CheckRow("model", "", "pass", gated, message)
    changes = [
        f"seed {old.seed} -> {new.seed}" if change == "seed changed" else change
        for change in changed_parts(old.parts, new.parts)
    ] or ["its content changed"]
    if old.replications != new.replications:
        changes.append(f"replications {old.replications} -> {new.replications}")
    message = (
        f"the model changed since its baseline: {'; '.join(changes)}; if that is "
        "intended, write the baseline again with --update-baseline and commit it"
    )
    return CheckRow("model", "; ".join(changes), "fail", gated, message)


def _cause(old: Baseline, new: Baseline) -> str:
    if old.scenario_hash != new.scenario_hash:
        return "under a changed model"
    if old.engine != new.engine:
        return f"baseline measured on {old.engine}, this run on {new.engine}"
    versions = (
        f" (pushsim {old.version} -> {new.version})"
        if old.version != new.version
        else ""
    )
    return (
        f"the same scenario and seed give other results on {new.engine}: "
        f"the engine changed{versions}"
    )


def _drift_rows(
    result: Result, old: Baseline, new: Baseline, tolerance: Tolerance, gated: bool
) -> tuple[list[CheckRow], list[str]]:
    available = set(zip(result.summary.node, result.summary.metric, strict=True))
    names = list(old.metrics)
    rows, notes, moved = [], [], False
    for name in names:
        base = old.metrics[name]
        node, _, metric = name.partition(".")
        if (node, metric) not in available:
            message = f"{name}: in the baseline but no longer measured"
            rows.append(CheckRow("drift", name, "fail", gated, message, unit=base.unit))
            continue
        now: Estimate = estimate(result, node, metric)
        drift = compare(base, now, tolerance, len(names))
        moved = moved or not drift.identical
        rows.append(_drift_row(name, base, now, drift, gated, _cause(old, new)))
    if moved and old.scenario_hash == new.scenario_hash:
        notes.append(f"results differ from the baseline: {_cause(old, new)}")
    return rows, notes


def _drift_row(
    name: str, base: Estimate, now: Estimate, drift: Drift, gated: bool, cause: str
) -> CheckRow:
    unit = base.unit
    figures = (
        f"{name}: {format_value(now.mean, unit)} against {format_value(base.mean, unit)} "
        f"in the baseline, {format_delta(drift.delta, base.mean, unit)}; tolerance "
        f"{format_amount(drift.allowed, unit)}"
    )
    if drift.verdict == "fail":
        figures += f", standard error of the change {format_amount(drift.se, unit)}"
        figures += f"; {drift.note}; {cause}"
    else:
        figures += f"; {drift.note}"
    return CheckRow(
        "drift",
        name,
        drift.verdict,
        gated,
        figures,
        measured=now.mean,
        baseline=base.mean,
        delta=drift.delta,
        allowed=drift.allowed,
        unit=unit,
    )


@dataclass(frozen=True)
class _Plan:
    """What every scenario of one check is judged by."""

    gate: str
    folder: Path | None
    update: bool
    tolerance: Tolerance
    metrics: Sequence[str] | None

    def baseline_of(self, key: str) -> tuple[Path | None, Baseline | None]:
        """The baseline file of a scenario and what it holds, if it exists."""
        if self.folder is None:
            return None, None
        path = self.folder / f"{key}.json"
        return path, Baseline.read(path) if path.is_file() else None


def _judge(
    scenario: Scenario,
    key: str,
    label: str,
    run: Runner,
    progress: Progress | None,
    plan: _Plan,
    stored: tuple[Path | None, Baseline | None],
) -> ScenarioCheck:
    log.info("checking %s", label)
    started = time.perf_counter()
    result = run(scenario, progress)
    elapsed = time.perf_counter() - started
    path, old = stored
    new = Baseline.from_result(result, plan.metrics)
    drift_gated = plan.gate != "slo" and not plan.update
    rows = [_run_row(result), *_slo_rows(result, plan.gate != "drift", old)]
    notes: list[str] = []
    if old is not None:
        rows.append(_model_row(old, new, drift_gated))
        drift, notes = _drift_rows(result, old, new, plan.tolerance, drift_gated)
        rows += drift
    elif path is not None and not plan.update:
        message = (
            f"no baseline at {path}; write one with "
            f"pushsim check {label} --baseline {plan.folder} --update-baseline"
        )
        rows.append(CheckRow("drift", "", "fail", drift_gated, message))
    if plan.update and path is not None:
        new.write(path)
        notes.append(f"wrote the baseline {path}")
    return ScenarioCheck(
        scenario=scenario.name,
        source=label,
        key=key,
        rows=rows,
        warnings=list(result.notes),
        notes=notes,
        elapsed=elapsed,
        result=result,
        baseline_path=path,
    )


def check(
    sources: Source | Sequence[Source],
    *,
    baseline: str | Path | None = None,
    update_baseline: bool = False,
    engine: str | Engine = "des",
    allow_inconclusive: bool = False,
    gate: str = "all",
    tolerance: Tolerance | None = None,
    metrics: Sequence[str] | None = None,
    live: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Check scenarios against their SLOs and, with ``baseline``, for drift.

    ``sources`` are scenario files, folders of them, mappings or
    :class:`Scenario` records. ``baseline`` is the folder of baseline files
    (one ``<file name>.json`` per scenario); ``update_baseline`` writes them.
    ``engine`` is ``des``, ``live`` or an engine object. ``gate`` is
    ``all``, ``slo`` or ``drift``. ``tolerance`` sets the drift test (default
    5 % relative with floors by kind, alpha 0.01; see
    :class:`~pushsim.check.drift.Tolerance`); ``metrics`` the ``node.metric``
    names a new baseline tracks. ``live`` holds keyword arguments for
    :func:`pushsim.live.run_live` (``speed``, ``clock``, ...); the live engine
    runs the scenario's own replications. ``progress(done, total)`` is called
    as replications finish. Bad input (a scenario, a baseline file, an
    option) raises :class:`~pushsim.errors.PushsimError` before anything runs.
    """
    if gate not in GATES:
        raise PushsimError(f"gate: must be one of {', '.join(GATES)}, got {gate!r}")
    if update_baseline and baseline is None:
        raise PushsimError("update_baseline needs a baseline folder to write into")
    folder = Path(baseline) if baseline is not None else None
    if folder is not None and not update_baseline and not folder.is_dir():
        raise PushsimError(
            f"baseline {folder}: no such folder; write the baselines first with "
            "--update-baseline"
        )
    plan = _Plan(gate, folder, update_baseline, tolerance or Tolerance(), metrics)
    loaded = load_all(sources)
    stored = [plan.baseline_of(key) for _, key, _ in loaded]
    run = _runner(engine, live)
    total = sum(s.experiment.replications for s, _, _ in loaded)
    done = 0
    checked = []
    for (scenario, key, label), baseline_file in zip(loaded, stored, strict=True):

        def step(count: float, _total: float, offset: int = done) -> None:
            if progress is not None:
                progress(offset + count, total)

        checked.append(_judge(scenario, key, label, run, step, plan, baseline_file))
        done += scenario.experiment.replications
    outcome = CheckResult(checked, allow_inconclusive=allow_inconclusive, gate=gate)
    _warn_inconclusive(outcome)
    return outcome


def _warn_inconclusive(outcome: CheckResult) -> None:
    if not outcome.allow_inconclusive:
        return
    for scenario in outcome.scenarios:
        for row in scenario.rows:
            if row.gated and row.verdict == "inconclusive":
                warnings.warn(
                    f"{scenario.source}: {row.message} (counted as a pass)",
                    PushsimWarning,
                    stacklevel=3,
                )
