"""``pushsim plan``: consumers needed, load sustained, or staffing over a day."""

from __future__ import annotations

import math
import re
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from pushsim.cli.common import (
    Stop,
    ensure_folder,
    main,
    stderr,
    stdout,
    stopped_by_ctrl_c,
    user_errors,
)
from pushsim.errors import PushsimError, ScenarioError
from pushsim.quantities import format_rate, format_value


def _bounds(text: str | None) -> tuple[float, float] | None:
    """``4:64`` as (4, 64)."""
    if text is None:
        return None
    parts = text.split(":")
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise PushsimError(f"--bounds {text!r}: give LOW:HIGH, such as 4:64") from None
    return low, high


#: The option that sets each parameter of ``plan()`` and ``plan_day()``.
_OPTIONS = {
    "slo": "--slo",
    "vary": "--vary",
    "load": "--load",
    "cost": "--cost",
    "replications": "--replications",
    "max_replications": "--max-replications",
    "bounds": "--bounds",
    "confidence": "--confidence",
}
_LEADING_NAME = re.compile(r"[a-z_]+\b")


@contextmanager
def _named_as_options(given: dict[str, Any]) -> Iterator[None]:
    """The library's errors about a parameter, naming the option the user typed.

    ``given`` holds the options on the command line by parameter name; an error
    that opens with one of them opens with its option instead
    (``--max-replications must be ...``, not ``max_replications must be ...``).
    """
    try:
        yield
    except ScenarioError as error:
        vary = [fault for fault in error.faults if fault.path == "vary"]
        if "vary" not in given or len(vary) != len(error.faults):
            raise
        raise PushsimError(f"--vary {vary[0].message}") from None
    except PushsimError as error:
        raise PushsimError(_as_option(str(error), given)) from None


def _as_option(text: str, given: dict[str, Any]) -> str:
    match = _LEADING_NAME.match(text)
    name = match.group() if match else ""
    if name in _OPTIONS and name in given:
        return _OPTIONS[name] + text[len(name) :]
    if name == "queue" and "vary" in given:  # the day plan's queue comes from --vary
        return f"--vary {given['vary']}: {text}"
    return text


def _facts(title: str, facts: list[tuple[str, str]]) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column("what", style="bold")
    table.add_column("figure")
    for what, figure in facts:
        table.add_row(what, figure)
    return table


_EVIDENCE = (
    "value",
    "load",
    "slo",
    "simulated",
    "verdict",
    "reps",
    "decides at",
    "theory",
)


def _evidence(plan: Any) -> Table:
    """Each SLO's metric at every value judged, simulated (interval) beside theory."""
    frame = plan.summary
    keys = ["value", "rate_factor", "slo"]
    sim = frame[frame.source == "simulation"].set_index(keys)
    theory = frame[frame.source == "theory"].set_index(keys)
    title = f"evidence: simulated points ({plan.confidence:.0%} interval) and theory"
    table = Table(title=title)
    for label in _EVIDENCE:
        table.add_column(
            label, justify="left" if label in ("slo", "verdict") else "right"
        )
    for key in sorted(
        set(sim.index) | set(theory.index), key=lambda k: (k[1], k[0], k[2])
    ):
        table.add_row(*_evidence_row(plan, key, sim, theory))
    return table


def _evidence_row(plan: Any, key: tuple[Any, ...], sim: Any, theory: Any) -> list[str]:
    from pushsim.measures import unit_of

    value, factor, slo = key
    row = sim.loc[key] if key in sim.index else None
    metric = (row if row is not None else theory.loc[key]).metric
    unit = unit_of(metric)
    cells = [
        f"x{value:.4g}" if plan.varies_load else f"{int(value)}",
        f"x{factor:.4g}",
        slo,
    ]
    if row is None:
        cells += ["-", "-", "-", "-"]
    else:
        shown = format_value(row["mean"], unit)
        if not math.isnan(row.ci_low):
            shown += f" [{format_value(row.ci_low, unit)}, {format_value(row.ci_high, unit)}]"
        colour = {"pass": "green", "fail": "red"}.get(row.verdict, "yellow")
        decides = (
            "-" if row.verdict != "inconclusive" else _needed(row.replications_needed)
        )
        cells += [shown, f"[{colour}]{row.verdict}[/]", str(row.replications), decides]
        cells[0] += " *" if row.chosen else ""
    predicted = theory.loc[key]["mean"] if key in theory.index else math.nan
    cells.append("unstable" if predicted == math.inf else format_value(predicted, unit))
    return cells


def _needed(value: Any) -> str:
    """The replications that would decide a point, or "never" (a missing count)."""
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return "never"


#: How the day table heads each schedule's counts and verdicts.
_DAY_TITLES = {"naive": "naive", "mol": "MOL", "current": "current"}


def _rate(rate: float) -> str:
    """A rate per hour below one a second (as staffing is planned), else as usual."""
    return format_rate(rate) if rate >= 1.0 else f"{rate * 3600:.4g}/h"


def _day_table(day: Any) -> Table:
    from pushsim.plan._dayrecord import clock

    verdicts = day.verdicts
    names = list(day.schedules)
    table = Table(title=f"{day.scenario.name}: consumers of {day.queue} by interval")
    labels = ["from", "rate", "offered", "MOL load"]
    labels += [_DAY_TITLES[n] for n in names]
    labels += [f"{_DAY_TITLES[n]} check" for n in names]
    for label in labels:
        table.add_column(label, justify="right")
    colours = {"pass": "green", "fail": "red", "inconclusive": "yellow"}
    for i, row in enumerate(day.schedule.itertuples()):
        checks = []
        for name in names:
            verdict = verdicts[name].iloc[i] if len(verdicts) else "-"
            checks.append(f"[{colours.get(verdict, 'default')}]{verdict}[/]")
        table.add_row(
            clock(row.start),
            _rate(row.arrival_rate),
            f"{row.offered_load:.3g}",
            f"{row.mol_load:.3g}",
            *(str(getattr(row, name)) for name in names),
            *checks,
        )
    return table


def _notes(notes: tuple[str, ...]) -> None:
    for note in notes:
        stderr.print(f"[yellow]note:[/] {note}", markup=True, highlight=False)


def _is_day(model: Any, vary: str | None, day: bool | None) -> bool:
    if day is not None:
        return day
    timed = any(p.arrivals.process == "profile" for p in model.producers.values())
    return timed and (vary is None or vary.endswith("consumers.count"))


def _day_queue(vary: str | None) -> str | None:
    """The queue a day plan staffs: the one of ``--vary queues.NAME.consumers.count``."""
    if vary is None:
        return None
    parts = vary.split(".")
    if len(parts) != 4 or parts[0] != "queues" or parts[2:] != ["consumers", "count"]:
        raise PushsimError(
            f"--vary {vary}: a day plan varies a queue's consumer count, "
            "queues.NAME.consumers.count; give --constant to plan another field"
        )
    return parts[1]


def _progress(text: str) -> None:
    stderr.print(f"simulating {text}", markup=False, highlight=False)


class _Done(Stop):
    """How far the plan has got, for the line that Ctrl-C ends the command with."""

    def __init__(self) -> None:
        super().__init__("before the plan was finished: nothing printed or written")
        self.simulated = 0

    def progress(self, text: str) -> None:
        """Note a point about to be simulated (and show it on a terminal)."""
        before = self.simulated
        self.simulated += 1
        self.doing = (
            f"before the plan was finished, while simulating {text} "
            f"({before} simulation{'' if before == 1 else 's'} finished before it): "
            "nothing printed or written"
        )
        if stderr.is_terminal:
            _progress(text)


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option(
    "--slo", "slos", multiple=True, help="An SLO such as 'p99<=200ms' (repeatable)."
)
@click.option(
    "--vary", help="A whole-number field's path, or 'load' for the highest load."
)
@click.option(
    "--load", type=float, help="Factor on every producer's rate for the plan."
)
@click.option("--cost", type=float, help="Cost of one consumer-hour.")
@click.option("--replications", "-r", type=int, help="Replications per point.")
@click.option(
    "--max-replications",
    type=int,
    help="Run a close point again with up to this many replications "
    "(default: 4 times the replications per point).",
)
@click.option(
    "--seed", type=click.IntRange(min=0), help="Override the scenario's seed."
)
@click.option("--bounds", help="The range searched, LOW:HIGH.")
@click.option("--confidence", type=float, default=0.95, show_default=True)
@click.option(
    "--headroom/--no-headroom", default=True, help="Simulate the headroom too."
)
@click.option(
    "--day/--constant",
    default=None,
    help="Plan per interval of a rate profile (the default when a producer has one).",
)
@click.option(
    "--within",
    type=click.Choice(["peak", "mean"]),
    default="peak",
    show_default=True,
    help="Day plan: staff each interval for the peak or the mean of its MOL load.",
)
@click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), help="Write a report."
)
def plan(
    scenario: Path,
    slos: tuple[str, ...],
    vary: str | None,
    load: float | None,
    cost: float | None,
    replications: int | None,
    max_replications: int | None,
    seed: int | None,
    bounds: str | None,
    confidence: float,
    headroom: bool,
    day: bool | None,
    within: str,
    out: Path | None,
) -> None:
    """Plan capacity: the fewest consumers meeting the SLOs, the highest load, or a day.

    Ctrl-C stops it, exit 130, with a line that says how far it got. Once
    everything is printed and written, Ctrl-C is ignored.
    """
    done = _Done()
    with user_errors(), stopped_by_ctrl_c(done):
        from pushsim.scenario import load_scenario

        model = load_scenario(scenario)
        if not slos and not model.experiment.slo:
            raise PushsimError(
                "--slo: no SLO to plan against; give one (such as --slo 'p99<=200ms') "
                "or write experiment.slo in the scenario"
            )
        if out is not None:
            ensure_folder(out, "--out")
        common: dict[str, Any] = {
            "slo": list(slos) or None,
            "load": load,
            "cost": cost,
            "replications": replications,
            "seed": seed,
            "confidence": confidence,
        }
        result = _make(
            model,
            common,
            done,
            vary=vary,
            bounds=bounds,
            max_replications=max_replications,
            headroom=headroom,
            day=day,
            within=within,
        )
        done.deliver(
            "the plan",
            lambda: _show(result),
            out,
            data=lambda folder: _tables(result, folder),
            report=lambda folder: _report(result, folder),
        )


def _make(
    model: Any,
    common: dict[str, Any],
    done: _Done,
    *,
    vary: str | None,
    bounds: str | None,
    max_replications: int | None,
    headroom: bool,
    day: bool | None,
    within: str,
) -> Any:
    """The plan asked for: a day plan, or a plan of one value."""
    given = {**common, "vary": vary, "bounds": bounds}
    given["max_replications"] = max_replications
    with _named_as_options({k: v for k, v in given.items() if v is not None}):
        if _is_day(model, vary, day):
            _one_value_options(
                bounds=bounds, max_replications=max_replications, headroom=not headroom
            )
            queue = _day_queue(vary)
            return _day(model, common, queue=queue, within=within, chosen=day is None)
        return _constant(
            model,
            common,
            vary=vary,
            bounds=_bounds(bounds),
            headroom=headroom,
            max_replications=max_replications,
            progress=done.progress,
        )


def _show(result: Any) -> None:
    """The answer first, then the schedule beside its check, or the evidence."""
    from pushsim.plan import DayPlan

    if isinstance(result, DayPlan):
        stdout.print(_facts(f"day plan for {result.scenario.name}", result.answer()))
        stdout.print(_day_table(result))
        return
    stdout.print(_facts(f"plan for {result.scenario.name}", result.answer()))
    stdout.print(_evidence(result))
    _notes(result.notes)


def _tables(result: Any, folder: Path) -> list[Path]:
    """The tables and ``plan.json``, written into ``folder``."""
    from pushsim.plan.document import write_tables

    return write_tables(result, folder, command=_command())


def _report(result: Any, folder: Path) -> list[Path]:
    """The report and its figures, written into ``folder``."""
    from pushsim.plan.document import write_report

    return write_report(result, folder, command=_command())


def _command() -> str:
    return shlex.join(["pushsim", *sys.argv[1:]])


def _one_value_options(**given: Any) -> None:
    """Refuse the options of a plan of one value given to a day plan."""
    names = {"bounds": "--bounds", "max_replications": "--max-replications"}
    names["headroom"] = "--no-headroom"
    used = [names[k] for k, v in given.items() if v not in (None, False)]
    if used:
        verb = "apply" if len(used) > 1 else "applies"
        raise PushsimError(
            f"{', '.join(used)}: {verb} to the plan of one value (--constant), not to "
            "a day plan, which staffs each interval and checks it over simulated days"
        )


def _day(
    model: Any, common: dict[str, Any], *, queue: str | None, within: str, chosen: bool
) -> Any:
    """The day plan, with advice where the plan was chosen for the user."""
    from pushsim.plan import plan_day

    try:
        result = plan_day(model, queue=queue, within=within, **common)
    except PushsimError as error:
        fixed = all(q.consumers.staffing is None for q in model.queues.values())
        shape = str(error).startswith("the day plan")
        if chosen and shape and fixed:  # chosen for the user: say how to plan one count
            raise PushsimError(
                f"{error}; give --constant to plan one count for the whole run"
            ) from None
        raise
    return result


def _constant(
    model: Any,
    common: dict[str, Any],
    *,
    progress: Callable[[str], None],
    **options: Any,
) -> Any:
    """The plan of one value."""
    from pushsim.plan import plan as make_plan

    return make_plan(model, progress=progress, **common, **options)
