"""JUnit XML, the Markdown summary and the HTML table of a check's result."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from pushsim.check import CheckResult, CheckRow, ScenarioCheck

FAILED_SLO = CheckRow(
    "slo",
    "p99 <= 200ms",
    "fail",
    True,
    "p99 <= 200ms: measured 228.2ms, 95% interval [220ms, 236ms]; misses the limit "
    "200ms by 28.2ms",
    measured=0.2282,
    ci_low=0.22,
    ci_high=0.236,
    limit=0.2,
    baseline=0.21,
    delta=0.0182,
    unit="s",
)


def _result(allow_inconclusive: bool = False) -> CheckResult:
    good = ScenarioCheck(
        scenario="mm1",
        source="scenarios/mm1.yaml",
        key="mm1",
        rows=[
            CheckRow("run", "", "pass", True, "5 replication(s) on des"),
            CheckRow(
                "slo",
                "work.utilisation <= 85%",
                "pass",
                True,
                "ok",
                measured=0.8,
                ci_low=0.79,
                ci_high=0.81,
                unit="ratio",
            ),
            CheckRow("model", "", "pass", True, "the scenario is the one"),
            CheckRow(
                "drift",
                "system.throughput",
                "pass",
                True,
                "within",
                measured=80.4,
                baseline=80.4,
                delta=0.0,
                allowed=4.0,
                unit="1/s",
            ),
        ],
        warnings=["a warning | with a bar"],
        elapsed=1.5,
    )
    bad = ScenarioCheck(
        scenario="mmc",
        source="scenarios/mmc.yaml",
        key="mmc",
        rows=[
            CheckRow("run", "", "pass", True, "5 replication(s) on des"),
            FAILED_SLO,
            CheckRow(
                "slo",
                "wait_p80 <= 20ms",
                "inconclusive",
                True,
                "about 12 replications would decide",
            ),
            CheckRow(
                "drift",
                "system.sojourn_mean",
                "fail",
                True,
                "system.sojourn_mean: 60ms against 50ms in the baseline",
                measured=0.06,
                baseline=0.05,
                delta=0.01,
                allowed=0.0025,
                unit="s",
            ),
            CheckRow(
                "drift",
                "push.utilisation",
                "pass",
                True,
                "within",
                measured=0.9,
                baseline=0.9,
                delta=0.0,
                allowed=0.045,
                unit="ratio",
            ),
        ],
        elapsed=2.0,
    )
    return CheckResult([good, bad], allow_inconclusive=allow_inconclusive)


def test_the_outcome_follows_the_gated_checks() -> None:
    outcome = _result()
    assert not outcome.passed and outcome.exit_code == 1
    assert [row.name for _, row in outcome.failures] == [
        "p99 <= 200ms",
        "wait_p80 <= 20ms",
        "system.sojourn_mean",
    ]
    allowed = _result(allow_inconclusive=True)
    assert [row.name for _, row in allowed.failures] == [
        "p99 <= 200ms",
        "system.sojourn_mean",
    ]
    checks = outcome.checks
    assert list(checks.columns[:7]) == [
        "scenario",
        "source",
        "check",
        "name",
        "verdict",
        "gated",
        "passed",
    ]
    assert len(checks) == 9 and int((~checks.passed).sum()) == 3


def test_junit_has_the_junit_shape_and_the_figures() -> None:
    root = ET.fromstring(_result().to_junit())
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["mm1", "mmc"]
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests", -1)) == len(cases)
        failed = [c for c in cases if c.find("failure") is not None]
        assert int(suite.get("failures", -1)) == len(failed)
        assert suite.get("errors") == "0"
        assert all(
            c.get("classname") == f"pushsim.check.{suite.get('name')}" for c in cases
        )
        assert all(not math.isnan(float(c.get("time", "nan"))) for c in cases)
    names = [c.get("name") for c in suites[1].findall("testcase")]
    assert names == ["run", "slo: p99 <= 200ms", "slo: wait_p80 <= 20ms", "drift"]
    slo = suites[1].find("testcase[@name='slo: p99 <= 200ms']/failure")
    assert slo is not None
    assert "measured 228.2ms" in slo.get("message", "") and "200ms" in slo.get(
        "message", ""
    )
    drift = suites[1].find("testcase[@name='drift']/failure")
    assert drift is not None and "system.sojourn_mean: 60ms" in (drift.text or "")
    assert int(root.get("tests", -1)) == 4 + 4
    assert int(root.get("failures", -1)) == 3
    assert "a warning" in (suites[0].findtext("system-err") or "")


def test_an_allowed_inconclusive_passes_and_an_ungated_failure_is_skipped() -> None:
    outcome = _result(allow_inconclusive=True)
    root = ET.fromstring(outcome.to_junit())
    case = root.find(".//testcase[@name='slo: wait_p80 <= 20ms']")
    assert case is not None and case.find("failure") is None
    ungated = CheckResult(
        [
            ScenarioCheck(
                "mmc",
                "mmc.yaml",
                "mmc",
                [CheckRow("slo", "p99 <= 1ms", "fail", False, "misses the limit")],
            )
        ]
    )
    assert ungated.passed
    skipped = ET.fromstring(ungated.to_junit()).find(".//testcase/skipped")
    assert skipped is not None and "not gated" in skipped.get("message", "")


def test_markdown_is_a_table_of_scenarios_checks_and_figures() -> None:
    text = _result().to_markdown()
    lines = text.splitlines()
    assert lines[0] == "### pushsim check: failed (1 of 2 scenarios)"
    header = "| scenario | check | verdict | measured | baseline | delta |"
    assert header in lines
    rows = [line for line in lines if line.startswith("| mm")]
    assert "| mmc | p99 <= 200ms | **fail** | 228.2ms [220ms, 236ms] | 210ms |" in text
    assert any(
        "drift: system.sojourn_mean" in r and "+10ms (+20.0%)" in r for r in rows
    )
    assert all(r.count("|") == 7 for r in rows)  # six cells each, none split
    assert "- `scenarios/mmc.yaml` slo: p99 <= 200ms: measured 228.2ms" in text
    assert "a warning \\| with a bar" not in text  # notes are prose, not cells
    assert "- `scenarios/mm1.yaml`: a warning | with a bar" in text


def test_html_escapes_and_colours_the_verdicts() -> None:
    page = _result()._repr_html_()
    assert page.startswith("<p><b>pushsim check: failed")
    assert "p99 &lt;= 200ms" in page and "p99 <= 200ms" not in page
    # the header, then mm1: an SLO, model, drift; mmc: two SLOs, drift, a drifted metric
    assert page.count("<tr>") == 1 + 3 + 4
