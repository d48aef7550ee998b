"""``pushsim sweep``: the load curves of a scenario, their answers, a report."""

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
    ensure_folder,
    main,
    progress_bar,
    stderr,
    stdout,
    stopped_by_ctrl_c,
    user_errors,
)
from pushsim.errors import PushsimError
from pushsim.quantities import format_value

#: The figures of the terminal table, per point, for the system.
_COLUMNS = (
    ("throughput", "throughput"),
    ("sojourn_mean", "sojourn mean"),
    ("sojourn_p99", "sojourn p99"),
    ("drop_rate", "dropped"),
)


def _values(text: str | None) -> list[Any] | None:
    """``0.5,0.9`` or ``4,8`` or ``jsq,random`` as a list of numbers or words."""
    if text is None:
        return None
    out: list[Any] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            raise PushsimError(f"--values {text!r}: an empty item between commas")
        try:
            out.append(int(part))
        except ValueError:
            try:
                out.append(float(part))
            except ValueError:
                out.append(part)
    return out


def _table(result: Any) -> Table:
    frame = result.frame
    names = result.vary
    system = frame[frame.node == "system"]
    table = Table(title=f"{result.scenario.name}: sweep, seed {frame.attrs['seed']}")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("offered load", justify="right")
    for _, label in _COLUMNS:
        table.add_column(label, justify="right")
    for point in result.points:
        rows = system[system.point == point.index]
        if rows.empty:
            continue
        cells = []
        for metric, _ in _COLUMNS:
            row = rows[rows.metric == metric]
            if row.empty:
                cells.append("-")
                continue
            mean, low, high, unit = row.iloc[0][["mean", "ci_low", "ci_high", "unit"]]
            text = format_value(mean, unit)
            if not (math.isnan(low) or math.isnan(high)):
                text += f" ±{format_value((high - low) / 2, unit, digits=2)}"
            cells.append(text)
        load = f"{point.offered_load:.3g}" + (
            " [red](saturated)[/]" if point.saturated else ""
        )
        table.add_row(*(str(point.values[n]) for n in names), load, *cells)
    return table


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--vary", help="What to vary: 'load' (default) or a field path.")
@click.option(
    "--values", "values_text", help="Comma-separated values, e.g. 0.5,0.8,0.9."
)
@click.option("--replications", "-r", type=click.IntRange(min=1), help="Per point.")
@click.option(
    "--seed", type=click.IntRange(min=0), help="Override the scenario's seed."
)
@click.option("--workers", "-w", type=click.IntRange(min=1), help="Default: all cores.")
@click.option(
    "--executor",
    type=click.Choice(["processes", "dask", "serial"]),
    default="processes",
    show_default=True,
)
@click.option("--scheduler", help="A Dask scheduler address, e.g. tcp://HOST:8786.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write the report here.",
)
def sweep(
    scenario: Path,
    vary: str | None,
    values_text: str | None,
    replications: int | None,
    seed: int | None,
    workers: int | None,
    executor: str,
    scheduler: str | None,
    out: Path | None,
) -> None:
    """Run a scenario over a range of loads (or of a field) and read its curves.

    Ctrl-C stops it: the runs finished are printed and written, marked
    partial, and the command exits 130. Once everything is printed and
    written, Ctrl-C is ignored.
    """
    stop = Stop("before any run finished: nothing printed or written")
    with user_errors(), stopped_by_ctrl_c(stop):
        from pushsim.scenario import load_scenario
        from pushsim.simulate import with_overrides
        from pushsim.sweep import run_sweep

        values = _values(values_text)
        if values is not None and vary is None:
            vary = "load"
        model = with_overrides(
            load_scenario(scenario), replications=replications, seed=seed
        )
        if out is not None:
            ensure_folder(out, "--out")
        with progress_bar(None, stderr.is_terminal, "runs") as progress:
            result = run_sweep(
                model,
                vary=vary,
                values=values,
                executor=executor,
                workers=workers,
                scheduler=scheduler,
                progress=stop.counting(progress),
            )
        stop.deliver(
            "the results",
            lambda: _show(result),
            out,
            data=lambda folder: _results(result, folder),
            report=lambda folder: _report(result, folder),
        )
        if result.partial:
            stderr.print("stopped: the results above are partial", markup=False)
            sys.exit(INTERRUPTED)


def _show(result: Any) -> None:
    """The table of the points, then the answers read from the curves."""
    from pushsim.sweep.document import answers

    stdout.print(_table(result))
    for label, text in answers(result):
        stdout.print(f"{label}: {text}", markup=False)


def _results(result: Any, folder: Path) -> list[Path]:
    """The result files, written into ``folder``."""
    from pushsim.sweep.document import write_sweep_results

    return write_sweep_results(result, folder)


def _report(result: Any, folder: Path) -> list[Path]:
    """The report and its figures, written into ``folder``."""
    from pushsim.sweep.document import write_sweep_report

    command = shlex.join(["pushsim", *sys.argv[1:]])
    return write_sweep_report(result, folder, command=command)
