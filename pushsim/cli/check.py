"""``pushsim check``: SLOs and drift of scenarios, with an exit code for CI.

Exit codes: 0 every gated check passed; 1 a check failed (or an SLO was
inconclusive, unless allowed); 2 bad input (a scenario with faults, a
missing baseline folder, an unknown option value) or a usage error. Bad input
is refused before any scenario runs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from pushsim.cli.common import main, progress_bar, stderr, stdout, user_errors
from pushsim.errors import PushsimError, ScenarioError

#: Exit code of a failed check, and of bad input or a usage error.
FAILED, BAD_INPUT = 1, 2

_COLOURS = {"pass": "green", "fail": "red", "inconclusive": "yellow"}


@contextmanager
def _bad_input_exits_2() -> Iterator[None]:
    """Bad input ends the command with its message and exit code 2, never a traceback."""
    with user_errors():
        try:
            yield
        except ScenarioError as error:
            stderr.print(str(error), markup=False)
            sys.exit(BAD_INPUT)
        except PushsimError as error:
            stderr.print(f"error: {error}", markup=False)
            sys.exit(BAD_INPUT)


def _prepare(path: Path | None, option: str) -> None:
    """Make the folder of an output file now, so a bad path fails before the run."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PushsimError(
            f"{option} {path}: cannot make its folder: {error.strerror}"
        ) from None


def _write(path: Path, text: str, option: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise PushsimError(f"{option} {path}: cannot write: {error.strerror}") from None
    stderr.print(f"wrote {path}", markup=False)


def _floors(values: tuple[str, ...]) -> dict[str, str]:
    floors = {}
    for value in values:
        kind, sep, amount = value.partition("=")
        if not sep or not kind.strip() or not amount.strip():
            raise PushsimError(
                f"--floor {value!r}: must read KIND=AMOUNT, such as time=50us or "
                "share=0.1%"
            )
        floors[kind.strip()] = amount.strip()
    return floors


def _table(outcome: Any) -> Table:
    from pushsim.check.output import (
        baseline_text,
        delta_text,
        measured_text,
        summary_rows,
        verdict_text,
    )

    state = "passed" if outcome.passed else "failed"
    table = Table(title=f"pushsim check: {state}")
    for label in ("scenario", "check", "verdict", "measured", "baseline", "delta"):
        table.add_column(label, justify="right" if label == "delta" else "left")
    for scenario in outcome.scenarios:
        for row in summary_rows(scenario):
            colour = _COLOURS.get(row.verdict, "white")
            verdict = f"[{colour}]{verdict_text(outcome, row)}[/]"
            table.add_row(
                scenario.key,
                row.name or row.check,
                verdict,
                measured_text(row),
                baseline_text(row),
                delta_text(row),
            )
    return table


def _report(outcome: Any) -> None:
    stdout.print(_table(outcome))
    for scenario, row in outcome.failures:
        stdout.print(f"[red]fail[/] {scenario.source}: {row.message}", markup=True)
    for scenario in outcome.scenarios:
        for note in scenario.notes:
            stderr.print(f"{scenario.source}: {note}", markup=False)


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--baseline",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of baseline files (one <scenario file name>.json each).",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Write the baselines instead of gating on them.",
)
@click.option(
    "--junit",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write JUnit XML here.",
)
@click.option(
    "--summary",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write a Markdown summary here (for a CI job page).",
)
@click.option(
    "--engine", type=click.Choice(["des", "live"]), default="des", show_default=True
)
@click.option(
    "--speed",
    type=click.FloatRange(min=0, min_open=True),
    help="Live engine only: how much faster than real time to run (60: an hour "
    "in a minute).",
)
@click.option(
    "--allow-inconclusive",
    is_flag=True,
    help="Count an inconclusive SLO as a pass, with a warning.",
)
@click.option(
    "--gate",
    type=click.Choice(["all", "slo", "drift"]),
    default="all",
    show_default=True,
    help="Which checks decide the exit code (the others are still shown).",
)
@click.option(
    "--tolerance",
    default="5%",
    show_default=True,
    help="How far a tracked metric may move from its baseline, relative.",
)
@click.option(
    "--floor",
    "floors",
    multiple=True,
    metavar="KIND=AMOUNT",
    help="Absolute floor of the tolerance for a kind of metric "
    "(time, rate, share, number), such as time=50us; repeatable.",
)
def check(
    sources: tuple[Path, ...],
    baseline: Path | None,
    update_baseline: bool,
    junit: Path | None,
    summary: Path | None,
    engine: str,
    speed: float | None,
    allow_inconclusive: bool,
    gate: str,
    tolerance: str,
    floors: tuple[str, ...],
) -> None:
    """Check scenarios' SLOs and, against baselines, their drift; exit 0, 1 or 2."""
    from pushsim.check import Tolerance
    from pushsim.check import check as run_checks
    from pushsim.check.sources import load_all

    with _bad_input_exits_2():
        if update_baseline and baseline is None:
            raise PushsimError("--update-baseline needs --baseline DIR to write into")
        if speed is not None and engine != "live":
            raise PushsimError("--speed applies to --engine live only")
        limits = Tolerance.parse(tolerance, _floors(floors), alpha=0.01)
        _prepare(junit, "--junit")
        _prepare(summary, "--summary")
        scenarios = [scenario for scenario, _, _ in load_all(sources)]
        total = sum(s.experiment.replications for s in scenarios)
        with progress_bar(total, stderr.is_terminal) as bar:

            def progress(done: float, of: float) -> None:
                if bar is not None:
                    bar(int(done), int(of))

            outcome = run_checks(
                scenarios,
                baseline=baseline,
                update_baseline=update_baseline,
                engine=engine,
                allow_inconclusive=allow_inconclusive,
                gate=gate,
                tolerance=limits,
                live={"speed": speed} if speed is not None else None,
                progress=progress,
            )
        _report(outcome)
        if junit is not None:
            _write(junit, outcome.to_junit(), "--junit")
        if summary is not None:
            _write(summary, outcome.to_markdown(), "--summary")
    sys.exit(outcome.exit_code)
