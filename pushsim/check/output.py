"""A check's result as CI systems read it: JUnit XML, Markdown, HTML.

JUnit: a ``testsuites`` root; a ``testsuite`` per scenario (named by its
file, with the seed, replications and engine as properties); in it a
``testcase`` per check: ``run``, one per SLO (``slo: p99 <= 200ms``),
``model`` and ``drift`` (the drift of every tracked metric in one case). A
failed check carries a ``failure`` whose message has the figures; a check
that the gate leaves out and that did not pass is ``skipped``; warnings go
to the suite's ``system-err``.

Markdown: a heading with the outcome, a table (scenario, check, verdict,
measured, baseline, delta) with a row per SLO, the model and drift of each
scenario and a row per drifted metric, then the failures and notes in full.
"""

from __future__ import annotations

import html as html_text
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace

from pushsim.check._format import format_delta, format_interval
from pushsim.check.result import CheckResult, CheckRow, ScenarioCheck
from pushsim.quantities import format_value

__all__ = [
    "baseline_text",
    "delta_text",
    "html",
    "junit",
    "markdown",
    "measured_text",
    "summary_rows",
    "verdict_text",
]


def _worst(rows: list[CheckRow]) -> CheckRow | None:
    """The drift row that used most of its tolerance."""
    measured = [r for r in rows if not math.isnan(r.delta) and r.allowed > 0]
    if not measured:
        return None
    return max(measured, key=lambda r: abs(r.delta) / r.allowed)


def _drift_summary(rows: list[CheckRow]) -> CheckRow:
    failed = [r for r in rows if r.verdict == "fail"]
    verdict = "fail" if failed else "pass"
    name = f"drift ({len(rows)} metric{'s' if len(rows) != 1 else ''})"
    worst = _worst(rows)
    if all(r.delta == 0 for r in rows):
        return CheckRow("drift", f"{name}, identical", verdict, rows[0].gated, "")
    if worst is None:
        return CheckRow("drift", name, verdict, rows[0].gated, rows[0].message)
    return replace(
        worst,
        check="drift",
        name=f"{name}, most moved: {worst.name}",
        verdict=verdict,
        ci_low=math.nan,
        ci_high=math.nan,
    )


def summary_rows(scenario: ScenarioCheck) -> Iterator[CheckRow]:
    """The rows a terse table shows: failed runs, SLOs, model, drift and drifted metrics."""
    drift = [r for r in scenario.rows if r.check == "drift"]
    for row in scenario.rows:
        shown = row.check in ("slo", "model") or row.verdict != "pass"
        if row.check == "model" and row.name:
            yield replace(row, name=f"model: {row.name}")
        elif shown and row.check != "drift":
            yield row
    if drift:
        yield _drift_summary(drift)
        for row in drift:
            if row.verdict != "pass" and row.name:
                yield replace(row, name=f"drift: {row.name}")


def verdict_text(result: CheckResult, row: CheckRow) -> str:
    """The verdict, marked where the gate left it out or allowed it."""
    if not row.gated and row.verdict != "pass":
        return f"{row.verdict} (not gated)"
    if row.verdict == "inconclusive" and result.allow_inconclusive:
        return "inconclusive (allowed)"
    return row.verdict


def measured_text(row: CheckRow) -> str:
    if math.isnan(row.measured):
        return ""
    interval = format_interval(row.ci_low, row.ci_high, row.unit)
    value = format_value(row.measured, row.unit)
    return f"{value} {interval}" if interval else value


def baseline_text(row: CheckRow) -> str:
    return "" if math.isnan(row.baseline) else format_value(row.baseline, row.unit)


def delta_text(row: CheckRow) -> str:
    return (
        "" if math.isnan(row.delta) else format_delta(row.delta, row.baseline, row.unit)
    )


def _headline(result: CheckResult) -> str:
    failed = sum(not result.scenario_passes(s) for s in result.scenarios)
    total = len(result.scenarios)
    if failed == 0:
        return f"pushsim check: passed ({total} scenario{'s' if total != 1 else ''})"
    return f"pushsim check: failed ({failed} of {total} scenarios)"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(result: CheckResult) -> str:
    """The Markdown summary of a check (see the module docstring)."""
    lines = [f"### {_headline(result)}", ""]
    lines += [
        "| scenario | check | verdict | measured | baseline | delta |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for s in result.scenarios:
        for row in summary_rows(s):
            verdict = verdict_text(result, row)
            if not result.row_passes(row):
                verdict = f"**{verdict}**"
            cells = [s.key, row.name or row.check, verdict, measured_text(row)]
            cells += [baseline_text(row), delta_text(row)]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    failures = result.failures
    if failures:
        lines += ["", "**Failures**", ""]
        lines += [f"- `{s.source}` {row.check}: {row.message}" for s, row in failures]
    notes = [(s, n) for s in result.scenarios for n in [*s.warnings, *s.notes]]
    if notes:
        lines += ["", "**Notes**", ""]
        lines += [f"- `{s.source}`: {note}" for s, note in notes]
    lines += [
        "",
        f"gate: {result.gate}; inconclusive SLOs "
        f"{'pass with a warning' if result.allow_inconclusive else 'fail'}",
    ]
    return "\n".join(lines) + "\n"


def _cases(scenario: ScenarioCheck) -> Iterator[tuple[str, list[CheckRow]]]:
    """The JUnit test cases of a scenario: each check, the drift rows as one."""
    drift = [r for r in scenario.rows if r.check == "drift"]
    for row in scenario.rows:
        if row.check == "slo":
            yield f"slo: {row.name}", [row]
        elif row.check != "drift":
            yield row.check, [row]
    if drift:
        yield "drift", drift


def _case(
    suite: ET.Element,
    result: CheckResult,
    s: ScenarioCheck,
    name: str,
    rows: list[CheckRow],
) -> str:
    """Add one test case; return ``pass``, ``failure`` or ``skipped``."""
    case = ET.SubElement(
        suite, "testcase", name=name, classname=f"pushsim.check.{s.key}"
    )
    case.set("time", f"{s.elapsed:.3f}" if name == "run" else "0")
    bad = [r for r in rows if r.verdict != "pass"]
    failing = [r for r in bad if not result.row_passes(r)]
    text = "\n".join(r.message for r in (failing or bad or rows))
    if failing:
        first = failing[0].message
        summary = (
            first if len(failing) == 1 else f"{len(failing)} checks failed: {first}"
        )
        failure = ET.SubElement(case, "failure", message=summary, type=rows[0].check)
        failure.text = text
        return "failure"
    if bad and not bad[0].gated:
        ET.SubElement(case, "skipped", message=f"not gated: {bad[0].message}")
        return "skipped"
    ET.SubElement(case, "system-out").text = text
    return "pass"


def _suite(root: ET.Element, result: CheckResult, s: ScenarioCheck) -> dict[str, int]:
    """Add the test suite of one scenario; return its counts of cases."""
    suite = ET.SubElement(root, "testsuite", name=s.key)
    props = ET.SubElement(suite, "properties")
    facts = {"source": s.source, "scenario": s.scenario}
    if s.result is not None:
        facts["seed"] = str(s.result.seed)
        facts["replications"] = str(s.result.replications)
        facts["engine"] = s.result.engine
    for fact, text in facts.items():
        ET.SubElement(props, "property", name=fact, value=text)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for name, rows in _cases(s):
        outcome = _case(suite, result, s, name, rows)
        counts["tests"] += 1
        counts["failures"] += outcome == "failure"
        counts["skipped"] += outcome == "skipped"
    if s.warnings or s.notes:
        ET.SubElement(suite, "system-err").text = "\n".join([*s.warnings, *s.notes])
    for count, number in counts.items():
        suite.set(count, str(number))
    suite.set("time", f"{s.elapsed:.3f}")
    return counts


def junit(result: CheckResult) -> str:
    """The JUnit XML document of a check (see the module docstring)."""
    root = ET.Element("testsuites", name="pushsim check")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for s in result.scenarios:
        for count, number in _suite(root, result, s).items():
            totals[count] += number
    for count, number in totals.items():
        root.set(count, str(number))
    root.set("time", f"{sum(s.elapsed for s in result.scenarios):.3f}")
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{text}\n'


_COLOURS = {"pass": "#1a7f37", "fail": "#cf222e", "inconclusive": "#9a6700"}


def html(result: CheckResult) -> str:
    """An HTML table of the checks, for a notebook."""
    esc = html_text.escape
    head = (
        "<tr>"
        + "".join(
            f"<th>{c}</th>"
            for c in (
                "scenario",
                "check",
                "verdict",
                "measured",
                "baseline",
                "delta",
                "detail",
            )
        )
        + "</tr>"
    )
    body = []
    for s in result.scenarios:
        for row in summary_rows(s):
            colour = _COLOURS.get(row.verdict, "inherit")
            cells = [
                esc(s.key),
                esc(row.name or row.check),
                f'<b style="color:{colour}">{esc(verdict_text(result, row))}</b>',
                esc(measured_text(row)),
                esc(baseline_text(row)),
                esc(delta_text(row)),
                esc(row.message),
            ]
            body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    title = f"<p><b>{esc(_headline(result))}</b> (gate: {esc(result.gate)})</p>"
    return f"{title}<table>{head}{''.join(body)}</table>"
