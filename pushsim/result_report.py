"""The report of one operating point: the answer, the distribution, the tables.

What ``pushsim run --out DIR`` writes beside its CSV and JSON files: the SLO
verdicts and the headline figures first, then the latency distribution
against theory and the queue of the busiest node over one run, then the
summary of every node with theory's figures, then how it was made.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pushsim.quantities import format_duration, format_rate
from pushsim.result import Result
from pushsim.scenario import SYSTEM

__all__ = ["run_answers", "write_run_report"]


def _busiest(result: Result) -> str:
    summary = result.summary
    busy = summary[(summary.metric == "utilisation") & (summary.node != SYSTEM)]
    busy = busy[busy["mean"].notna()]
    if busy.empty:
        return next(iter(result.scenario.queues))
    return str(busy.loc[busy["mean"].idxmax(), "node"])


def _with_interval(result: Result, node: str, metric: str, show: Any) -> str:
    mean, low, high = result.interval(node, metric)
    if math.isnan(low) or math.isnan(high):
        return show(mean)
    return f"{show(mean)} (95% CI {show(low)} to {show(high)})"


def run_answers(result: Result) -> list[tuple[str, str]]:
    """The answer section of a run: verdicts and headline figures, as text pairs."""
    items: list[tuple[str, str]] = []
    for row in result.slo.itertuples():
        items.append((f"SLO {row.slo}", str(row.verdict)))
    items.append(
        ("throughput", _with_interval(result, SYSTEM, "throughput", format_rate))
    )
    items.append(
        ("sojourn p99", _with_interval(result, SYSTEM, "sojourn_p99", format_duration))
    )
    busiest = _busiest(result)
    items.append(
        (
            f"utilisation of {busiest} (the busiest)",
            _with_interval(result, busiest, "utilisation", lambda v: f"{100 * v:.3g}%"),
        )
    )
    items.append(("confidence", result.ci_method))
    if result.partial:
        items.append(("status", "PARTIAL: a run was stopped before its end"))
    return items


def write_run_report(result: Result, folder: Path, *, command: str) -> list[Path]:
    """Write ``report.html``, ``report.md`` and the figures of one point."""
    from pushsim import plots
    from pushsim.report import Report

    report = Report(
        f"Run of {result.scenario.name}", scenario=result.scenario, command=command
    )
    report.answer(run_answers(result))
    busiest = _busiest(result)
    report.figure_of(
        "latency-cdf",
        lambda: plots.latency_cdf(result, node=SYSTEM),
        "Sojourn distribution of every replication after warm-up, against theory",
    )
    report.figure_of(
        "queue-length",
        lambda: plots.queue_length(result, node=busiest),
        f"Messages waiting at {busiest} over replication 0",
    )
    summary = result.summary
    for node in [SYSTEM, *result.scenario.queues]:
        table = summary[summary.node == node].drop(columns="node")
        report.table(table.reset_index(drop=True), caption=f"{node}: every measure")
    return report.write(folder)
