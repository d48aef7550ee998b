"""What ``check`` returns: every check of every scenario, and the outcome.

``CheckResult.passed`` is True when every gated check passed (an
inconclusive SLO counts as a pass only when allowed); ``exit_code`` is the
command's (0 or 1); ``checks`` is one tidy row per check. The same result
writes the JUnit XML and Markdown documents for CI (see
:mod:`pushsim.check.output`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from pushsim.result import Result

__all__ = ["CHECK_COLUMNS", "CheckResult", "CheckRow", "ScenarioCheck"]

NAN = math.nan

#: The columns of :attr:`CheckResult.checks`, in order.
CHECK_COLUMNS = [
    "scenario",
    "source",
    "check",
    "name",
    "verdict",
    "gated",
    "passed",
    "measured",
    "ci_low",
    "ci_high",
    "limit",
    "baseline",
    "delta",
    "allowed",
    "unit",
    "message",
]


@dataclass(frozen=True)
class CheckRow:
    """One check of one scenario: its kind, its verdict and its figures.

    ``check`` is ``run``, ``slo``, ``model`` or ``drift``; ``name`` the SLO
    as written or the ``node.metric`` of a drift; ``gated`` whether it
    decides the outcome. ``allowed`` is the drift tolerance.
    """

    check: str
    name: str
    verdict: str
    gated: bool
    message: str
    measured: float = NAN
    ci_low: float = NAN
    ci_high: float = NAN
    limit: float = NAN
    baseline: float = NAN
    delta: float = NAN
    allowed: float = NAN
    unit: str = ""


@dataclass
class ScenarioCheck:
    """The checks of one scenario, with its result and what the run said."""

    scenario: str
    source: str
    key: str
    rows: list[CheckRow]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    result: Result | None = None
    baseline_path: Path | None = None


class CheckResult:
    """Every check of every scenario; ``passed`` when every gated one passed."""

    def __init__(
        self,
        scenarios: list[ScenarioCheck],
        *,
        allow_inconclusive: bool = False,
        gate: str = "all",
    ) -> None:
        self.scenarios = tuple(scenarios)
        self.allow_inconclusive = allow_inconclusive
        self.gate = gate

    def row_passes(self, row: CheckRow) -> bool:
        """Whether a check passes the gate: passed, not gated, or allowed open."""
        if not row.gated or row.verdict == "pass":
            return True
        return row.verdict == "inconclusive" and self.allow_inconclusive

    def scenario_passes(self, scenario: ScenarioCheck) -> bool:
        """Whether every gated check of one scenario passed."""
        return all(self.row_passes(row) for row in scenario.rows)

    @property
    def passed(self) -> bool:
        """True when every gated check of every scenario passed."""
        return all(self.scenario_passes(s) for s in self.scenarios)

    @property
    def exit_code(self) -> int:
        """0 when every gated check passed, 1 when one failed."""
        return 0 if self.passed else 1

    @property
    def failures(self) -> list[tuple[ScenarioCheck, CheckRow]]:
        """Each gated check that did not pass, with its scenario."""
        return [
            (s, row)
            for s in self.scenarios
            for row in s.rows
            if not self.row_passes(row)
        ]

    @cached_property
    def checks(self) -> pd.DataFrame:
        """One row per check: see :data:`CHECK_COLUMNS`."""
        records = []
        for s in self.scenarios:
            for row in s.rows:
                record: dict[str, Any] = {"scenario": s.scenario, "source": s.source}
                record.update(asdict(row))
                record["passed"] = self.row_passes(row)
                records.append(record)
        return pd.DataFrame(records, columns=CHECK_COLUMNS)

    def to_markdown(self) -> str:
        """The summary for a CI job page: a table of the checks, then the failures."""
        from pushsim.check.output import markdown

        return markdown(self)

    def to_junit(self) -> str:
        """The checks as a JUnit XML document: a suite per scenario, a case per check."""
        from pushsim.check.output import junit

        return junit(self)

    def _repr_html_(self) -> str:
        from pushsim.check.output import html

        return html(self)

    def __repr__(self) -> str:
        failed = sum(not self.scenario_passes(s) for s in self.scenarios)
        state = "passed" if self.passed else f"{failed} scenario(s) failed"
        return f"<CheckResult {len(self.scenarios)} scenario(s): {state}>"
