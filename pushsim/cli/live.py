"""``pushsim live`` and ``pushsim compare``: the reference engine, and all three side by side.

Exit codes as for every command (0 success, 1 bad input, 2 usage), and 130
when Ctrl-C (or SIGTERM) stopped the live run: the partial result is still
printed and written, marked as partial. A run ended by ``--stop-on-failure``
at a failed handler call is printed and written, marked partial, too, and
exits 1 with a line that names the delivery that failed, so that a CI job
fails with it.
"""

from __future__ import annotations

import math
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.progress import BarColumn, Progress, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from pushsim.cli.common import (
    ensure_folder,
    main,
    stderr,
    stdout,
    user_errors,
)
from pushsim.cli.run import _slo_lines, _table, _write
from pushsim.engines.live.clock import LOOPS
from pushsim.errors import PushsimError
from pushsim.quantities import format_duration, format_value

#: Exit code of a run stopped by a signal (128 + SIGINT), after its partial output.
INTERRUPTED = 130

#: The engine figures of the overhead table, with their labels.
OVERHEAD_ROWS = (
    ("timer_lateness_mean", "timer lateness, mean"),
    ("timer_lateness_p99", "timer lateness, p99"),
    ("timer_lateness_max", "timer lateness, max"),
    ("publish_lateness_p99", "publish lateness, p99"),
    ("service_lateness_mean", "service lateness, mean"),
    ("service_lateness_p99", "service lateness, p99"),
    ("loop_lag_mean", "loop lag, mean"),
    ("loop_lag_p99", "loop lag, p99"),
    ("loop_lag_max", "loop lag, max"),
    ("timer_lateness_mean_scaled", "mean lateness in scenario time"),
    ("wall_seconds", "wall time"),
    ("cpu_seconds", "CPU time"),
)

#: The metrics ``pushsim compare`` prints (the JSON and CSV have every one).
COMPARED = (
    "throughput",
    "utilisation",
    "drop_rate",
    "expiry_rate",
    "service_mean",
    "wait_mean",
    "sojourn_mean",
    "sojourn_p50",
    "sojourn_p99",
)


def _live_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``live`` and ``compare`` share."""
    options = [
        click.option("--speed", type=float, default=1.0, show_default=True,
                     help="Scenario seconds per real second (60: an hour in a minute)."),
        click.option("--duration", help="Run length in scenario time ('10min'), "
                     "in place of the scenario's."),
        click.option("--handler", metavar="MODULE:FUNCTION",
                     help="An async function called with each delivery; its real "
                     "duration is the service time."),
        click.option("--seed", type=click.IntRange(min=0),
                     help="Override the scenario's seed."),
        click.option("--loop", "loop_kind", type=click.Choice(LOOPS), default="select",
                     show_default=True, help="The event loop of the live engine."),
        click.option("--format", "fmt", type=click.Choice(["table", "json"]),
                     default="table", show_default=True),
        click.option("--out", type=click.Path(path_type=Path, file_okay=False),
                     help="Write files here."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


@contextmanager
def _live_bar(
    total: int, enabled: bool
) -> Iterator[Callable[[float, float], None] | None]:
    """A progress bar over the live replications, in scenario time."""
    if not enabled:
        yield None
        return
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        "[progress.percentage]{task.percentage:>3.0f}%",
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
    )
    with bar:
        task = bar.add_task("live", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


def _announce(model: Any, speed: float, replications: int) -> None:
    """Say how long the live runs will take, before they start."""
    kind, amount = model.experiment.length
    if kind == "duration":
        span = amount
    else:
        rate = sum(p.arrivals.rate for p in model.producers.values())
        span = amount / rate
    runs = f"{replications} replication{'s' if replications != 1 else ''}"
    stderr.print(
        f"live: {runs} of {format_duration(span)} of scenario time at speed {speed:g}: "
        f"about {format_duration(span / speed * replications)} of real time "
        "(Ctrl-C stops and reports what ran)",
        markup=False,
    )


def _overhead_table(result: Any) -> Table:
    table = Table(title="live engine overhead (real time)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for metric, label in OVERHEAD_ROWS:
        mean, low, high = result.interval("engine", metric)
        text = format_value(mean, "s")
        if not (math.isnan(low) or math.isnan(high)):
            text += f" ±{format_value((high - low) / 2, 's', digits=2)}"
        table.add_row(label, text)
    return table


def _conservation_line(result: Any) -> str:
    counts = result.conservation[0]
    return (
        f"conservation (replication 0): {counts['arrived']} arrived = "
        f"{counts['completed']} completed + {counts['dropped']} dropped + "
        f"{counts['expired']} expired + {counts['failed']} failed + "
        f"{counts['in_system']} in system"
    )


def _print_live(result: Any) -> None:
    stdout.print(_table(result))
    stdout.print(_overhead_table(result))
    if len(result.slo):
        stdout.print("SLOs:")
        for line in _slo_lines(result):
            stdout.print(line)
    warm = result.warmups[0]
    stdout.print(
        f"confidence: {result.ci_method}; warm-up {result.scenario.experiment.warmup.text!r} "
        f"(from {format_duration(warm.instant)} of {format_duration(warm.horizon)})",
        markup=False,
    )
    stdout.print(_conservation_line(result), markup=False)
    if result.partial:
        stdout.print("[yellow]partial: the live run was stopped before its end[/]")


def _write_live(result: Any, folder: Path, command: str) -> list[Path]:
    written = _write(result, folder)
    overhead = folder / "overhead.csv"
    result.overhead.to_csv(overhead, index=False)
    written.append(overhead)
    try:
        from pushsim.result_report import write_run_report
    except ImportError:
        stderr.print("no report.html: pushsim.result_report is not there", markup=False)
        return written
    return written + write_run_report(result, folder, command=command)


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@_live_options
@click.option("--replications", "-r", type=click.IntRange(min=1), default=1,
              show_default=True, help="Live replications (each takes real time).")  # fmt: skip
@click.option(
    "--stop-on-failure",
    is_flag=True,
    help="End at the first failed handler call, and exit 1 after the partial result.",
)
def live(
    scenario: Path,
    speed: float,
    duration: str | None,
    handler: str | None,
    seed: int | None,
    loop_kind: str,
    fmt: str,
    out: Path | None,
    replications: int,
    stop_on_failure: bool,
) -> None:
    """Run a scenario live: real asyncio tasks and queues in scaled wall-clock time."""
    from pushsim.engines.live import check_speed
    from pushsim.live import run_live, with_duration
    from pushsim.scenario import load_scenario

    with user_errors():
        check_speed(speed)
        model = with_duration(load_scenario(scenario), duration)
        if out is not None:
            ensure_folder(out, "--out")
        _announce(model, speed, replications)
        command = shlex.join(["pushsim", *sys.argv[1:]])
        with _live_bar(replications, fmt == "table" and stderr.is_terminal) as bar:
            result = run_live(
                model,
                speed=speed,
                handler=handler,
                replications=replications,
                seed=seed,
                loop=loop_kind,
                stop_on_failure=stop_on_failure,
                progress=bar,
                command=command,
            )
        if fmt == "json":
            click.echo(result.to_json())
        else:
            _print_live(result)
        if out is not None:
            for path in _write_live(result, out, command):
                stderr.print(f"wrote {path}", markup=False)
        if result.stopped_on_failure and not result.interrupted:
            raise PushsimError(_failure_line(result))
    if result.interrupted:
        sys.exit(INTERRUPTED)


def _failure_line(result: Any) -> str:
    """Which delivery's handler call failed first, for the run it stopped."""
    visits = result.messages
    failed = visits[visits.outcome == "failed"]
    if failed.empty:
        which = "a handler call failed"
    else:
        first = failed.sort_values(["replication", "finished_at"]).iloc[0]
        which = (
            f"the handler failed on message {first.message} at queue {first.node} "
            f"(replication {first.replication}, at "
            f"{format_duration(first.finished_at)} of scenario time)"
        )
    return (
        f"--stop-on-failure: {which}; the run stopped at this first failure, and "
        "what ran is printed and written, marked partial"
    )


def _comparison_table(comparison: Any) -> Table:
    table_data = comparison.table
    rows = table_data[table_data.metric.isin(COMPARED)]
    sim, live = comparison.simulated, comparison.live
    speed = live.interval("engine", "speed").mean
    table = Table(
        title=(
            f"{comparison.scenario.name}: simulated ({sim.replications} rep.) vs live "
            f"({live.replications} rep., speed {speed:g}) vs theory, seed {sim.seed}"
        )
    )
    for label in (
        "node",
        "metric",
        "simulated",
        "live",
        "theory",
        "live - sim",
        "overlap",
    ):
        table.add_column(
            label, justify="left" if label in ("node", "metric") else "right"
        )
    for row in rows.itertuples():
        if pd.isna(row.overlap):
            overlap = "-"
        else:
            overlap = "[green]yes[/]" if row.overlap else "[red]no[/]"
        table.add_row(
            row.node,
            row.metric,
            _with_half(row.simulated, row.simulated_low, row.simulated_high, row.unit),
            _with_half(row.live, row.live_low, row.live_high, row.unit),
            format_value(row.theory, row.unit),
            _signed(row.difference, row.difference_low, row.difference_high, row.unit),
            overlap,
        )
    return table


def _with_half(mean: float, low: float, high: float, unit: str) -> str:
    text = format_value(mean, unit)
    if math.isnan(low) or math.isnan(high):
        return text
    return f"{text} ±{format_value((high - low) / 2, unit, digits=2)}"


def _signed(diff: float, low: float, high: float, unit: str) -> str:
    if math.isnan(diff):
        return "-"
    sign = "-" if diff < 0 else "+"
    text = sign + format_value(abs(diff), unit)
    if math.isnan(low) or math.isnan(high):
        return text
    return f"{text} ±{format_value((high - low) / 2, unit, digits=2)}"


def _write_comparison(comparison: Any, folder: Path, command: str) -> list[Path]:
    written = [
        folder / "comparison.csv",
        folder / "comparison.json",
        folder / "overhead.csv",
    ]
    comparison.table.to_csv(written[0], index=False)
    written[1].write_text(comparison.to_json() + "\n", encoding="utf-8")
    comparison.overhead.to_csv(written[2], index=False)
    try:
        from pushsim.report import Report
    except ImportError:
        stderr.print("no report.html: pushsim.report is not there", markup=False)
        return written
    report = Report(
        f"Simulation, live engine and theory: {comparison.scenario.name}",
        scenario=comparison.scenario,
        command=command,
        partial=comparison.partial,
    )
    report.answer(_answers(comparison))
    report.text("\n\n".join(comparison.explanations()))
    report.figure(
        "latency-cdf",
        comparison.figure(),
        caption="End-to-end sojourn: simulated, live and theory (where it has a law)",
    )
    report.table(comparison.table, caption="every node and metric, side by side")
    report.table(comparison.overhead, caption="the live engine's own overhead (real s)")
    return written + report.write(folder)


def _answers(comparison: Any) -> list[tuple[str, str]]:
    table = comparison.table
    known = table[table.overlap.notna()]
    agree = int(known.overlap.sum())
    items = [("intervals that overlap", f"{agree} of {len(known)} figures")]
    gaps = known[~known.overlap.astype(bool)]
    relative = (gaps.difference.abs() / gaps.simulated.abs()).replace(
        math.inf, math.nan
    )
    if relative.notna().any():
        worst = gaps.loc[relative.idxmax()]
        items.append(
            (
                "largest gap",
                f"{worst.node} {worst.metric}: live {format_value(worst.live, worst.unit)} "
                f"vs simulated {format_value(worst.simulated, worst.unit)}",
            )
        )
    late = comparison.live.interval("engine", "timer_lateness_mean").mean
    items.append(("timer lateness, mean (real)", format_value(late, "s")))
    if comparison.partial:
        items.append(("status", "PARTIAL: the live run was stopped before its end"))
    return items


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@_live_options
@click.option("--replications", "-r", type=click.IntRange(min=1),
              help="Override the simulator's replications.")  # fmt: skip
@click.option("--live-replications", type=click.IntRange(min=1), default=1,
              show_default=True, help="Live replications (each takes real time).")  # fmt: skip
def compare(
    scenario: Path,
    speed: float,
    duration: str | None,
    handler: str | None,
    seed: int | None,
    loop_kind: str,
    fmt: str,
    out: Path | None,
    replications: int | None,
    live_replications: int,
) -> None:
    """Simulation, the live engine and theory on one scenario and seed, side by side."""
    from pushsim.compare import compare as run_compare
    from pushsim.engines.live import check_speed
    from pushsim.live import with_duration
    from pushsim.scenario import load_scenario

    with user_errors():
        check_speed(speed)
        model = with_duration(load_scenario(scenario), duration)
        if out is not None:
            ensure_folder(out, "--out")
        _announce(model, speed, live_replications)
        command = shlex.join(["pushsim", *sys.argv[1:]])
        with _live_bar(live_replications, fmt == "table" and stderr.is_terminal) as bar:
            comparison = run_compare(
                model,
                speed=speed,
                replications=replications,
                live_replications=live_replications,
                seed=seed,
                handler=handler,
                loop=loop_kind,
                progress=bar,
                command=command,
            )
        if fmt == "json":
            click.echo(comparison.to_json())
        else:
            stdout.print(_comparison_table(comparison))
            stdout.print(_overhead_table(comparison.live))
            for line in comparison.explanations():
                stdout.print(line, markup=False)
            stdout.print(_conservation_line(comparison.live), markup=False)
        if out is not None:
            for path in _write_comparison(comparison, out, command):
                stderr.print(f"wrote {path}", markup=False)
    if comparison.live.interrupted:
        sys.exit(INTERRUPTED)
