"""The ``pushsim`` command.

Exit codes: 0 success; 1 bad input (every fault is printed, never a
traceback); 2 a usage error (an unknown option, a missing argument).
"""

from __future__ import annotations

import logging
import math
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from pushsim import __version__
from pushsim.errors import PushsimError, ScenarioError
from pushsim.measures import unit_of
from pushsim.quantities import format_duration, format_rate

log = logging.getLogger("pushsim.cli")


def _console(**options: Any) -> Console:
    console = Console(highlight=False, soft_wrap=True, emoji=False, **options)
    if not console.is_terminal:
        console.width = max(
            console.width, 140
        )  # a pipe or a file: do not squeeze tables
    return console


stdout = _console()
stderr = _console(stderr=True)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    stderr.print(f"[yellow]warning:[/] {message}", markup=True)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Bad input ends the command with its message and exit code 1, never a traceback."""
    previous = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        yield
    except ScenarioError as error:
        stderr.print(str(error), markup=False)
        sys.exit(1)
    except PushsimError as error:
        stderr.print(f"error: {error}", markup=False)
        sys.exit(1)
    finally:
        warnings.showwarning = previous


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pushsim")
def main() -> None:
    """Queueing simulation and capacity planning for message-push systems."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check scenario files; print every fault, or a line for each valid one."""
    from pushsim.scenario import load_scenario

    failed = False
    with _user_errors():
        for path in files:
            try:
                scenario = load_scenario(path)
            except ScenarioError as error:
                failed = True
                stderr.print(str(error), markup=False)
                continue
            stdout.print(f"{path}: ok: {scenario.summary_line()}", markup=False)
    sys.exit(1 if failed else 0)


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled or total < 2:
        yield None
        return
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    )
    with bar:
        task = bar.add_task("replications", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


def _fmt(value: float, unit: str, digits: int = 4) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    if unit == "s":
        return format_duration(float(f"{value:.{digits}g}"))
    if unit == "1/s":
        return format_rate(float(f"{value:.{digits}g}"))
    if unit == "ratio":
        return f"{100 * value:.{min(digits, 3)}g}%"
    return f"{value:.{digits}g}"


def _cell(summary: Any, node: str, metric: str) -> str:
    row = summary[(summary.node == node) & (summary.metric == metric)]
    if row.empty:
        return "-"
    mean, low, high, unit = row.iloc[0][["mean", "ci_low", "ci_high", "unit"]]
    text = _fmt(mean, unit)
    if math.isnan(low) or math.isnan(high):
        return text
    half = (high - low) / 2
    if abs((mean - low) - half) > 1e-9 * max(abs(half), 1e-300):
        # held to the metric's range at one end: show both ends
        return f"{text} [{_fmt(low, unit, digits=2)}, {_fmt(high, unit, digits=2)}]"
    return f"{text} ±{_fmt(half, unit, digits=2)}"


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
        table.add_row(node, *(_cell(summary, node, metric) for metric, _ in columns))
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
            _cell(summary, row.node, row.metric),
            _fmt(row.theory, row.unit),
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
        measured = _fmt(row.mean, unit)
        if not (math.isnan(row.ci_low) or math.isnan(row.ci_high)):
            measured += (
                f", 95% interval {_fmt(row.ci_low, unit)} to {_fmt(row.ci_high, unit)}"
            )
        lines.append(
            f"  [{colour}]{row.verdict:>12}[/]  {row.slo}  (measured {measured})"
        )
    return lines


def _writable(folder: Path) -> None:
    """Make the output folder now, so a bad --out fails before the simulation runs."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PushsimError(
            f"--out {folder}: cannot make the folder: {error.strerror}"
        ) from None


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
    """Simulate one operating point and print its measures."""
    from pushsim.scenario import load_scenario
    from pushsim.simulate import simulate, with_overrides

    with _user_errors():
        model = with_overrides(
            load_scenario(scenario), replications=replications, seed=seed
        )
        if out is not None:
            _writable(out)
        show_bar = fmt == "table" and stderr.is_terminal
        with _progress(model.experiment.replications, show_bar) as progress:
            result = simulate(model, progress=progress)
        if fmt == "json":
            click.echo(result.to_json())
        else:
            _print_table(result)
        if out is not None:
            for path in _write(result, out):
                stderr.print(f"wrote {path}", markup=False)


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
