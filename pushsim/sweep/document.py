"""The report of a sweep: the answer first, then the curves, the tables, the making.

The answer is what a capacity planner came for: the saturation throughput,
the knee, the highest load meeting each SLO and the bottleneck, each with its
interval (the rules are those of :mod:`pushsim.sweep.curves`). Then come the
figures, one table per node of the main figures at every point, and the
record of how the sweep was made, so it can be made again. Beside the
report, the table as CSV and, with the answer, as JSON (:func:`sweep_json`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from pushsim.errors import PushsimError
from pushsim.quantities import format_rate
from pushsim.scenario import SYSTEM
from pushsim.sweep.curves import Estimate, knee, saturation_throughput, slo_limits
from pushsim.sweep.run import SweepResult
from pushsim.sweep.theory import theory_curve

__all__ = ["answers", "node_table", "write_sweep_report", "write_sweep_results"]

#: The figures each node's table shows, in order.
TABLE_METRICS = (
    "offered_rate",
    "throughput",
    "utilisation",
    "drop_rate",
    "expiry_rate",
    "wait_mean",
    "sojourn_mean",
    "sojourn_p50",
    "sojourn_p99",
)


def answers(result: SweepResult) -> list[tuple[str, str]]:
    """The answer section: saturation, knee, SLO limits, bottleneck, as text pairs."""
    frame = result.frame
    items: list[tuple[str, str]] = []
    if result.partial:
        items.append(
            ("status", "PARTIAL: the sweep was stopped before every run ended")
        )
    try:
        name = frame.attrs["vary"][0]
        saturation = saturation_throughput(frame)
        items.append(
            (
                "saturation throughput",
                f"{format_rate(saturation.value)} (95% CI {format_rate(saturation.low)} "
                f"to {format_rate(saturation.high)}); {saturation.note}",
            )
        )
        bend = knee(frame)
        items.append(("knee (mean wait = mean service)", _estimate(name, bend)))
        for row in slo_limits(frame).itertuples():
            shown = (
                row.note
                if math.isnan(row.value)
                else _estimate(name, Estimate(row.value, row.low, row.high))
            )
            items.append((f"highest {name} meeting {row.slo}", shown))
    except PushsimError as error:
        items.append(("curves", f"not read: {error}"))
    items.append(
        ("bottleneck", f"{frame.attrs.get('bottleneck')} (by the traffic equations)")
    )
    saturated = [p.label for p in result.points if p.saturated]
    if saturated:
        items.append(("past saturation", "; ".join(saturated) + " (run and marked)"))
    return items


def _estimate(name: str, estimate: Estimate) -> str:
    if math.isnan(estimate.value):
        return estimate.note
    return f"{name} {estimate.value:.3g} (95% CI {estimate.low:.3g} to {estimate.high:.3g})"


def node_table(frame: pd.DataFrame, node: str) -> pd.DataFrame:
    """One row per point: the main figures of ``node`` with their intervals."""
    names = list(frame.attrs.get("vary") or [])
    rows = frame[(frame.node == node) & frame.metric.isin(TABLE_METRICS)]
    table = rows.pivot_table(
        index=[*names, "point"], columns="metric", values="mean", aggfunc="first"
    )
    ordered = [m for m in TABLE_METRICS if m in table.columns]
    table = table[ordered].reset_index()
    return table.drop(columns="point")


def write_sweep_results(result: SweepResult, folder: Path) -> list[Path]:
    """Write the table as ``results.csv`` and, with its answers, ``results.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = folder / "results.csv", folder / "results.json"
    result.frame.to_csv(csv_path, index=False)
    json_path.write_text(sweep_json(result) + "\n", encoding="utf-8")
    return [csv_path, json_path]


def write_sweep_report(
    result: SweepResult, folder: Path, *, command: str
) -> list[Path]:
    """Write ``report.html``, ``report.md`` and the figures; the paths written.

    The tables are written by :func:`write_sweep_results`; ``pushsim sweep
    --out`` writes them first, so that a stop while the figures are drawn
    keeps them.
    """
    from pushsim import plots
    from pushsim.report import Report

    frame = result.frame
    title = f"Sweep of {result.scenario.name} over {', '.join(result.vary)}"
    report = Report(title, scenario=result.scenario, command=command)
    report.answer(answers(result))
    try:
        curve = theory_curve(frame)
    except PushsimError:
        curve = None  # the figures then draw theory at the simulated points
    figures: list[tuple[str, Any, str]] = [
        (
            "throughput",
            plots.throughput(frame, theory=curve),
            "Throughput against the varied value",
        ),
        (
            "latency",
            plots.latency(frame, theory=curve),
            "Latency against the varied value",
        ),
        (
            "throughput-latency",
            plots.throughput_latency(frame, theory=curve),
            "p99 sojourn against achieved throughput",
        ),
    ]
    for name, figure, caption in figures:
        report.figure(name, figure, caption=caption)
    _sample_figures(report, result)
    for node in [SYSTEM, *result.scenario.queues]:
        report.table(node_table(frame, node), caption=f"{node}: means at every point")
    if result.warnings:
        report.text("Warnings:\n" + "\n".join(f"- {w}" for w in result.warnings))
    return report.write(folder)


def _sample_figures(report: Any, result: SweepResult) -> None:
    """The queue and the latency distribution of one run, at its sample point."""
    from pushsim import plots

    sample = _sample_point(result)
    if sample is None:
        return
    point, sample_result = sample
    bottleneck = str(result.frame.attrs.get("bottleneck"))
    report.figure_of(
        "queue-length",
        lambda: plots.queue_length(sample_result, node=bottleneck),
        f"Messages waiting at {bottleneck} over one run ({point.label})",
    )
    report.figure_of(
        "latency-cdf",
        lambda: plots.latency_cdf(sample_result, node=SYSTEM),
        f"Sojourn distribution of one run against theory ({point.label})",
    )


def _sample_point(result: SweepResult) -> tuple[Any, Any] | None:
    """The stable point of highest load that ran, with its sample run."""
    ran = [p for p in result.points if p.index in result.samples and not p.saturated]
    if not ran:
        return None
    point = max(ran, key=lambda p: p.offered_load)
    return point, result.samples[point.index]


def sweep_json(result: SweepResult) -> str:
    """The sweep table as a JSON document, with what made it."""
    import json

    from pushsim import __version__
    from pushsim.result import _json_value

    frame = result.frame
    document = {
        "scenario": result.scenario.name,
        "seed": frame.attrs.get("seed"),
        "replications": frame.attrs.get("replications"),
        "version": __version__,
        "vary": result.vary,
        "partial": result.partial,
        "answer": dict(answers(result)),
        "warnings": result.warnings,
        "rows": [
            {key: _json_value(value) for key, value in row.items()}
            for row in frame.to_dict(orient="records")
        ],
    }
    return json.dumps(document, indent=2)
