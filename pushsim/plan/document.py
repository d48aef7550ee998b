"""The report of a plan: the answer first, then the evidence, then how it was made.

For a :class:`Plan`: the key facts (the value, the SLO verdicts at it, the
step past it, headroom, utilisation, cost), the rule that decided each
point, a figure of each SLO's metric around the chosen value with theory,
and the table of every point judged. For a :class:`DayPlan`: the key facts,
the method, the schedules beside each interval's check, and figures of the
staffing and of each SLO by interval. Beside the report, the tables as CSV
and, with the answer and what made the plan, as JSON (:func:`plan_json`):
:func:`write_tables` writes those, :func:`write_report` the report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from pushsim import __version__
from pushsim.plan._dayrecord import DayPlan, clock
from pushsim.plan._record import Plan
from pushsim.plan.figures import day_check, day_staffing, plan_curve

__all__ = ["RULE", "plan_json", "report", "write_report", "write_tables"]

#: The decision rule, as the report states it.
RULE = (
    "A point meets an SLO only if the whole {level:.0%} confidence interval of its "
    "metric (Student t over independent replications) lies on the allowed side of "
    "the limit, and misses it only if the whole interval lies on the other side; "
    "otherwise it is too close to call. The half-width of the interval is "
    "t(n-1) s / sqrt(n) for n replications of spread s, so it shrinks as 1/sqrt(n): "
    "an estimate at distance d from the limit is decided by the smallest n with "
    "t(n-1) s / sqrt(n) < d, about n (h/d)^2 for a half-width h now."
)

_DAY_METHOD = (
    "Naive plan: each interval staffed as a steady state at its own rate. MOL plan "
    "(modified offered load, Jennings, Mandelbaum, Massey and Whitt 1996): each "
    "interval staffed for the highest offered load m(t) within it, m(t) being the "
    "mean number busy with unlimited consumers, which lags the rate by about a "
    "service time and so carries the work of busy intervals into the next ones. "
    "{which} simulated over the whole day ({reps} days; a warm-up day first when "
    "the profile repeats, and one more period after it so the last hours are "
    "served) and each interval judged by its interval over the days."
)


def _plan_report(plan: Plan, command: str) -> Any:
    from pushsim.report import Report

    title = f"Plan for {plan.scenario.name}: {plan.vary}"
    document = Report(
        title,
        scenario=plan.scenario,
        command=command,
        replications=plan.replications,
    )
    document.answer(plan.answer())
    document.text(RULE.format(level=plan.confidence))
    for index, slo in enumerate(plan.slos):
        document.figure(
            f"slo-{index + 1}",
            plan_curve(plan, slo=index),
            caption=f"{slo.text} against {plan.vary}, with theory",
        )
    if not plan.varies_load and plan.headroom.simulated is not None:
        for index, slo in enumerate(plan.slos):
            document.figure(
                f"headroom-{index + 1}",
                plan_curve(plan, slo=index, along="load"),
                caption=f"{slo.text} against the load factor at the plan: the headroom",
            )
    simulated = plan.summary[plan.summary.source == "simulation"]
    document.table(
        simulated.drop(columns=["vary", "model"]), caption="simulated points"
    )
    theory = plan.summary[plan.summary.source == "theory"]
    if len(theory):
        columns = ["value", "rate_factor", "slo", "mean", "verdict", "model"]
        document.table(theory[columns], caption="theory at each value")
    document.table(plan.utilisation, caption="utilisation at the plan")
    if plan.notes:
        document.text(
            "Notes from the simulated points:\n\n"
            + "\n".join(f"- {note}" for note in plan.notes)
        )
    return document


def _day_report(day: DayPlan, command: str) -> Any:
    from pushsim.report import Report

    title = f"Day plan for {day.scenario.name}: consumers of {day.queue}"
    document = Report(
        title,
        scenario=day.scenario,
        command=command,
        replications=day.replications,
    )
    document.answer(day.answer())
    current = "current" in day.schedules
    which = (
        "The two plans and the scenario's own schedule (current) were"
        if current
        else "Both schedules were"
    )
    document.text(_DAY_METHOD.format(reps=day.replications, which=which))
    shown = "the two plans and the current schedule" if current else "the two plans"
    document.figure("staffing", day_staffing(day), caption=f"offered load and {shown}")
    if day.check is not None:
        under = "each schedule" if current else "both plans"
        for index, slo in enumerate(day.slos):
            document.figure(
                f"check-{index + 1}",
                day_check(day, slo=index),
                caption=f"{slo.text} by interval under {under}",
            )
    table = day.table()
    table["arrival_rate"] *= 3600.0
    document.table(
        table.rename(columns={"arrival_rate": "arrival_rate_per_hour"}),
        caption="consumers and checks by interval (loads in erlangs)",
    )
    if day.check is not None:
        check = day.check.copy()
        check.insert(2, "from", [clock(s) for s in check.start])
        document.table(
            check.drop(columns="start"),
            caption="every interval's figures (times in seconds, shares as fractions)",
        )
    return document


def report(result: Plan | DayPlan, *, command: str = "") -> Any:
    """The :class:`pushsim.report.Report` of a plan or a day plan."""
    if isinstance(result, DayPlan):
        return _day_report(result, command)
    return _plan_report(result, command)


def plan_json(result: Plan | DayPlan, *, command: str = "") -> str:
    """The plan's answer and tables as a JSON document, with what made them.

    A plan gives its table (``plan.csv``) as ``rows``; a day plan its
    schedule (``schedule.csv``) and its check (``check.csv``, or null when
    the day was not simulated). A missing figure is null, infinity "inf".
    """
    document: dict[str, Any] = {
        "kind": "day plan" if isinstance(result, DayPlan) else "plan",
        "scenario": result.scenario.name,
        "seed": result.scenario.seed,
        "replications": result.replications,
        "confidence": result.confidence,
        "command": command,
        "version": __version__,
        "answer": dict(result.answer()),
    }
    if isinstance(result, DayPlan):
        document["queue"] = result.queue
        document["schedule"] = _rows(result.table())
        document["check"] = None if result.check is None else _rows(result.check)
    else:
        document["vary"] = result.vary
        document["value"] = _json_ready(result.value)
        document["rows"] = _rows(result.summary)
    return json.dumps(document, indent=2, allow_nan=False)


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {key: _json_ready(value) for key, value in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def _json_ready(value: Any) -> Any:
    """As a run's JSON has it, and pandas' missing value (NA) as null too."""
    from pushsim.result import _json_value

    if value is pd.NA:
        return None
    return _json_value(value)


def write_tables(
    result: Plan | DayPlan,
    folder: Path,
    *,
    command: str = "",
) -> list[Path]:
    """Write the tables as CSV, then ``plan.json``; the paths written.

    A plan writes ``plan.csv``; a day plan ``schedule.csv`` and, when the
    day was simulated, ``check.csv``.
    """
    from pushsim.report import _write

    if isinstance(result, DayPlan):
        tables = {"schedule.csv": result.table(), "check.csv": result.check}
    else:
        tables = {"plan.csv": result.summary}
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        if table is not None:  # a day plan whose day was not simulated has no check
            written.append(folder / name)
            table.to_csv(written[-1], index=False)
    written.append(folder / "plan.json")
    _write(written[-1], plan_json(result, command=command) + "\n")
    return written


def write_report(
    result: Plan | DayPlan,
    folder: Path,
    *,
    command: str = "",
) -> list[Path]:
    """Write ``report.html``, ``report.md`` and the figures; the paths written.

    The tables are written by :func:`write_tables`; ``pushsim plan --out``
    writes them first, so that a stop while the figures are drawn keeps them.
    """
    return report(result, command=command).write(folder)
