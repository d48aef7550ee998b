"""``pushsim fit``: a scenario fitted from a log of real messages."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from pushsim.cli.common import ensure_folder, main, stdout, user_errors
from pushsim.errors import PushsimError
from pushsim.quantities import format_duration, format_value

NAMES = {"trace": ("source", "work"), "callcenter": ("calls", "agents")}


@main.command("fit")
@click.argument("trace", type=click.Path(path_type=Path))
@click.option(
    "--columns",
    help="Which column plays each role: arrival=COL,service=COL,wait=COL,outcome=COL,date=COL.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Write the scenario to this YAML file (else it is printed).",
)
@click.option(
    "--interval",
    default="1h",
    show_default=True,
    help="Length of a rate interval; 'none' for one rate.",
)
@click.option(
    "--period",
    help="Fold the intervals over a period (1d: one daily profile from several days).",
)
@click.option("--dates", help="Keep only these days: YYYY-MM-DD,YYYY-MM-DD.")
@click.option(
    "--consumers",
    type=click.IntRange(min=1),
    help="Consumers in the scenario (default: the most in service at once).",
)
@click.option(
    "--layout",
    type=click.Choice(["trace", "callcenter"]),
    default="trace",
    show_default=True,
    help="callcenter: the bank's call records, turned into a trace first.",
)
@click.option(
    "--patience",
    type=click.Choice(["exponential", "best"]),
    default="exponential",
    show_default=True,
    help="The patience law the scenario gets.",
)
@click.option(
    "--slo",
    multiple=True,
    help="An SLO for the scenario (repeatable), e.g. 'wait_p80 <= 60s'.",
)
@click.option("--name", help="The scenario's name (default: the trace's file name).")
@click.option(
    "--producer",
    help="The producer's name (default: source; calls for the callcenter layout).",
)
@click.option(
    "--queue",
    help="The queue's name (default: work; agents for the callcenter layout).",
)
@click.option(
    "--duration", help="The run's length (default: one period, or the trace's span)."
)
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True)
@click.option(
    "--replications", type=click.IntRange(min=1), default=10, show_default=True
)
@click.option(
    "--plots",
    type=click.Path(path_type=Path),
    help="Write rates.png, service.png and patience.png into this folder.",
)
@click.option(
    "--report",
    type=click.Path(path_type=Path),
    help="Write a report of the fit (report.html, report.md, figures) into this folder.",
)
def fit(trace: Path, **options: Any) -> None:
    """Fit arrival rates, the service law and patience from TRACE (a CSV); write a scenario."""
    with user_errors():
        for option in ("plots", "report"):
            if options[option] is not None:
                ensure_folder(options[option], f"--{option}")
        result = _fit(trace, options)
        text = result.to_yaml(command=_command(), **_settings(options))
        scenario = _check(text)
        _show(result)
        if options["plots"] is not None:
            _plots(result, options["plots"])
        out: Path | None = options["out"]
        if out is None:
            stdout.print("\nscenario:\n", markup=False)
            stdout.print(text, markup=False, end="")
        else:
            _write(out, text)
            scenario = _check_file(out)
        if options["report"] is not None:
            _report(result, scenario, options["report"])


def _settings(options: dict[str, Any]) -> dict[str, Any]:
    producer, queue = NAMES[options["layout"]]
    return {
        "duration": options["duration"],
        "consumers": options["consumers"],
        "name": options["name"],
        "seed": options["seed"],
        "replications": options["replications"],
        "producer": options["producer"] or producer,
        "queue": options["queue"] or queue,
        "slo": options["slo"],
    }


def _write(out: Path, text: str) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise PushsimError(f"--out {out}: cannot write: {error.strerror}") from None
    stdout.print(f"wrote {out}", markup=False)


def _check_file(out: Path) -> Any:
    from pushsim.scenario import load_scenario

    return load_scenario(out)


def _report(result: Any, scenario: Any, folder: Path) -> None:
    from pushsim.fit.document import fit_report

    paths = fit_report(result, scenario=scenario, command=_command()).write(folder)
    stdout.print(
        f"wrote the report: {', '.join(p.name for p in paths)} in {folder}",
        markup=False,
    )


def _command() -> str:
    import shlex
    import sys

    words = sys.argv[1:]
    if words[:1] == ["fit"]:
        words = words[1:]
    return " ".join(["pushsim fit", *(shlex.quote(w) for w in words)])


def _fit(trace: Path, options: dict[str, Any]) -> Any:
    from pushsim.fit import callcenter_trace, fit, read_trace

    interval = options["interval"]
    dates = options["dates"].split(",") if options["dates"] else None
    if options["layout"] == "callcenter":
        if options["columns"]:
            raise PushsimError("--columns: the callcenter layout has its own columns")
        data = read_trace(callcenter_trace(trace, dates=dates), name=str(trace))
    else:
        data = read_trace(trace, columns=options["columns"])
    return fit(
        data,
        interval=None if interval.strip().lower() == "none" else interval,
        period=options["period"],
        dates=dates,
        patience=options["patience"],
    )


def _check(text: str) -> Any:
    """The scenario must load before it is shown or written."""
    import yaml

    from pushsim.scenario import load_scenario

    return load_scenario(yaml.safe_load(text))


def _show(result: Any) -> None:
    from pushsim.fit.observed import observed_text

    trace = result.trace
    counts = ", ".join(f"{v} {k}" for k, v in trace.outcome_counts().items() if v)
    stdout.print(
        f"{trace.source}: {trace.size} messages ({counts}) over "
        f"{format_duration(max(trace.span, 0.0))}",
        markup=False,
    )
    stdout.print(_rates_table(result))
    if result.service_candidates is not None:
        stdout.print(_laws_table("service time", result.service_candidates))
    if result.patience is not None:
        p = result.patience
        stdout.print(
            f"patience: {p.abandoned} abandoned, {p.censored} censored waits; exponential "
            f"mean {format_value(p.mean, 's')} (95% {format_value(p.mean_low, 's')} to "
            f"{format_value(p.mean_high, 's')}); the scenario gets {p.law.describe()}",
            markup=False,
        )
        stdout.print(_laws_table("patience (censored)", p.candidates))
    seen = observed_text(trace, result.confidence)
    if seen is not None:
        *first, last = result.observed_metrics
        metrics = f"{', '.join(first)} and {last}" if first else last
        stdout.print(
            f"what the log saw: {seen} (a run of the scenario reports its own "
            f"{metrics} to set beside {'these' if first else 'it'})",
            markup=False,
        )
    if result.peak_in_service is not None:
        stdout.print(
            f"most messages in service at once: {result.peak_in_service}", markup=False
        )
    for note in result.notes:
        stdout.print(f"note: {note}", markup=False)


def _clock(seconds: float, folded: bool) -> str:
    if not folded:
        return format_duration(seconds)
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours:02d}:{rest // 60:02d}"


def _rates_table(result: Any) -> Table:
    folded = result.period is not None or result.trace.origin is not None
    table = Table(
        title="arrival rate by interval (per hour; arrivals over time observed)"
    )
    labels = ("from", "to", "arrivals", "observed", "rate", "95% band", "dispersion")
    for label in labels:
        table.add_column(label, justify="left" if label in ("from", "to") else "right")
    for row in result.rates.itertuples():
        seen = row.exposure_time > 0
        table.add_row(
            _clock(row.start_at, folded),
            _clock(row.end_at, folded),
            str(row.arrivals),
            format_duration(row.exposure_time) if seen else "never",
            f"{3600 * row.rate:.4g}" if seen else "-",
            f"{3600 * row.rate_low:.4g} to {3600 * row.rate_high:.4g}" if seen else "-",
            "-" if math.isnan(row.dispersion) else f"{row.dispersion:.2g}",
        )
    return table


def _number(value: float, digits: int) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}g}"


def _laws_table(title: str, candidates: Any) -> Table:
    table = Table(title=f"{title}: candidates by AIC")
    labels = ["law", "AIC", "dAIC", "KS D", "AD A^2", "n", "chosen"]
    notes = bool((candidates["note"] != "").any())
    for label in [*labels, "note"] if notes else labels:
        table.add_column(label, justify="left" if label in ("law", "note") else "right")
    for row in candidates.itertuples():
        cells = [
            row.parameters,
            _number(row.aic, 7),
            _number(row.delta_aic, 4),
            "-" if math.isnan(row.ks) else f"{row.ks:.3f}",
            _number(row.ad, 3),
            str(row.observations),
            "yes" if row.chosen else "",
        ]
        table.add_row(*cells, *([row.note] if notes else []))
    return table


def _plots(result: Any, folder: Path) -> None:
    from pushsim.fit import plot_patience, plot_rates, plot_service

    figures = {"rates": plot_rates(result)}
    if result.service is not None:
        figures["service"] = plot_service(result)
    if result.patience is not None:
        figures["patience"] = plot_patience(result)
    for name, figure in figures.items():
        figure.savefig(folder / f"{name}.png", dpi=110)
    stdout.print(
        f"wrote {', '.join(f'{n}.png' for n in figures)} in {folder}", markup=False
    )
