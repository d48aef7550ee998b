"""``pushsim validate`` and ``pushsim run``: check files, simulate one point."""

from __future__ import annotations

import math
import shlex
import sys
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from pushsim.cli.common import (
    INTERRUPTED,
    Stop,
    cell,
    ensure_folder,
    main,
    progress_bar,
    stderr,
    stdout,
    stopped_by_ctrl_c,
    user_errors,
)
from pushsim.errors import ScenarioError
from pushsim.measures import unit_of
from pushsim.quantities import format_duration, format_value


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check scenario files; print every fault, or a line for each valid one."""
    from pushsim.scenario import load_scenario

    failed = False
    with user_errors():
        for path in files:
            try:
                scenario = load_scenario(path)
            except ScenarioError as error:
                failed = True
                stderr.print(str(error), markup=False)
                continue
            stdout.print(f"{path}: ok: {scenario.summary_line()}", markup=False)
    sys.exit(1 if failed else 0)


def _table(result: Any) -> Table:
    summary = result.summary
    scenario = result.scenario
    table = Table(title=f"{scenario.name}: {result.engine}, seed {result.seed}")
    columns = [
        ("throughput", "throughput"),
        ("utilisation", "utilisation"),
        ("wait_mean", "wait mean"),
        ("sojourn_p50", "sojourn p50"),
        ("sojourn_p99", "sojourn p99"),
        ("drop_rate", "dropped"),
        ("expiry_rate", "expired"),
    ]
    table.add_column("node")
    for _, label in columns:
        table.add_column(label, justify="right")
    for node in ["system", *scenario.queues]:
        table.add_row(node, *(cell(summary, node, metric) for metric, _ in columns))
    return table


THEORY_METRICS = (
    "throughput",
    "utilisation",
    "drop_rate",
    "expiry_rate",
    "wait_mean",
    "sojourn_mean",
    "sojourn_p99",
)


def _theory_table(result: Any) -> Table | None:
    """Simulated figures beside theory's, where theory has one."""
    summary = result.summary
    rows = summary[summary.metric.isin(THEORY_METRICS) & summary.theory.notna()]
    if rows.empty:
        return None
    table = Table(title="simulation and theory")
    for label in ("node", "metric", "simulated", "theory", "model", "interval covers"):
        table.add_column(
            label, justify="left" if label in ("node", "metric", "model") else "right"
        )
    for row in rows.itertuples():
        covered = bool(row.ci_low <= row.theory <= row.ci_high)
        if math.isnan(row.ci_low) or math.isnan(row.ci_high):
            verdict = "-"
        elif not row.theory_exact:
            verdict = "yes" if covered else "no (approximation)"
        else:
            verdict = "[green]yes[/]" if covered else "[red]no[/]"
        table.add_row(
            row.node,
            row.metric,
            cell(summary, row.node, row.metric),
            format_value(row.theory, row.unit),
            row.theory_model,
            verdict,
        )
    return table


def _slo_lines(result: Any) -> list[str]:
    colours = {"pass": "green", "fail": "red", "inconclusive": "yellow"}
    lines = []
    for row in result.slo.itertuples():
        colour = colours[row.verdict]
        unit = unit_of(row.metric)
        measured = format_value(row.mean, unit)
        if not (math.isnan(row.ci_low) or math.isnan(row.ci_high)):
            low, high = format_value(row.ci_low, unit), format_value(row.ci_high, unit)
            measured += f", 95% interval {low} to {high}"
        lines.append(
            f"  [{colour}]{row.verdict:>12}[/]  {row.slo}  (measured {measured})"
        )
    return lines


def _write(result: Any, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "summary.csv", folder / "summary.json"]
    result.summary.to_csv(written[0], index=False)
    written[1].write_text(result.to_json() + "\n", encoding="utf-8")
    try:
        import pyarrow  # noqa: F401

        path = folder / "messages.parquet"
        result.messages.to_parquet(path, index=False)
    except ImportError:
        path = folder / "messages.csv"
        result.messages.to_csv(path, index=False)
    written.append(path)
    return written


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option(
    "--replications", "-r", type=click.IntRange(min=1), help="Override the count."
)
@click.option(
    "--seed", type=click.IntRange(min=0), help="Override the scenario's seed."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), help="Write files here."
)
def run(
    scenario: Path,
    replications: int | None,
    seed: int | None,
    fmt: str,
    out: Path | None,
) -> None:
    """Simulate one operating point and print its measures.

    Ctrl-C stops it: the replications finished are printed and written,
    marked partial, and the command exits 130. Once everything is printed
    and written, Ctrl-C is ignored.
    """
    stop = Stop("before any replication finished: nothing printed or written")
    with user_errors(), stopped_by_ctrl_c(stop):
        from pushsim.scenario import load_scenario
        from pushsim.simulate import simulate, with_overrides

        model = with_overrides(
            load_scenario(scenario), replications=replications, seed=seed
        )
        if out is not None:
            ensure_folder(out, "--out")
        show_bar = fmt == "table" and stderr.is_terminal
        with progress_bar(model.experiment.replications, show_bar) as progress:
            result = simulate(model, progress=stop.counting(progress), stoppable=True)
        stop.deliver(
            "the result",
            lambda: _show(result, model.experiment.replications, fmt),
            out,
            data=lambda folder: _write(result, folder),
            report=lambda folder: _report(result, folder),
        )
    if result.partial:
        sys.exit(INTERRUPTED)


def _show(result: Any, asked: int, fmt: str) -> None:
    """The result as a table or as JSON, said to be partial if it is."""
    if fmt == "json":
        click.echo(result.to_json())
    else:
        _print_table(result)
    if result.partial:
        _partial_line(result, asked, fmt)


def _report(result: Any, folder: Path) -> list[Path]:
    """The report of the result, written into ``folder``."""
    from pushsim.result_report import write_run_report

    command = shlex.join(["pushsim", *sys.argv[1:]])
    return write_run_report(result, folder, command=command)


def _partial_line(result: Any, asked: int, fmt: str) -> None:
    """Say that the figures are of the replications finished before Ctrl-C."""
    text = (
        f"partial: stopped by Ctrl-C after {result.replications} of {asked} "
        "replications; the figures are theirs (the one in progress was left out)"
    )
    if fmt == "json":
        stderr.print(text, markup=False)
    else:
        stdout.print(f"[yellow]{text}[/]")


def _print_table(result: Any) -> None:
    console = stdout
    console.print(_table(result))
    theory = _theory_table(result)
    if theory is not None:
        console.print(theory)
    else:
        reasons = "; ".join(dict.fromkeys(result.prediction.system.reasons))
        reasons = reasons or "no model applies"
        console.print(f"theory: no figures for this scenario ({reasons})", markup=False)
    if len(result.slo):
        console.print("SLOs:")
        for line in _slo_lines(result):
            console.print(line)
    warm = result.warmups[0]
    console.print(
        f"confidence: {result.ci_method}; warm-up {result.scenario.experiment.warmup.text!r} "
        f"(from {format_duration(warm.instant)} of {format_duration(warm.horizon)})",
        markup=False,
    )
    counts = result.conservation[0]
    console.print(
        "conservation (replication 0): "
        f"{counts['arrived']} arrived = {counts['completed']} completed + "
        f"{counts['dropped']} dropped + {counts['expired']} expired + "
        f"{counts['in_system']} in system",
        markup=False,
    )
