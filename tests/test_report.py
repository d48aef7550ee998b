"""The report writer: one self-contained HTML file, Markdown beside it, the figures.

The HTML is read back with the standard library's parser, which also checks
here that every element opened is closed in order; the Markdown is checked
to point at files that exist; the provenance to say what made the report.
"""

from __future__ import annotations

import html.parser
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure

import pushsim
from pushsim.errors import PushsimError
from pushsim.report import LIBRARIES, Report, markdown_table
from tests.conftest import SCENARIOS, station

VOID = {"meta", "br", "hr", "img", "link", "input", "col", "area", "base", "wbr"}
WHEN = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
COMMAND = "pushsim sweep scenarios/mm1.yaml --out out/mm1"


class Outline(html.parser.HTMLParser):
    """The elements of a page in order, with a check that they nest properly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.opened: list[tuple[str, dict[str, str | None], tuple[str, ...]]] = []
        self.faults: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.opened.append((tag, dict(attrs), tuple(self.stack)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.opened.append((tag, dict(attrs), tuple(self.stack)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.faults.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def outline(page: str) -> Outline:
    parser = Outline()
    parser.feed(page)
    parser.close()
    assert not parser.faults, parser.faults[:5]
    assert not parser.stack, f"left open: {parser.stack}"
    return parser


def a_figure(title: str) -> Figure:
    figure = Figure(figsize=(4, 3))
    ax = figure.add_subplot()
    ax.plot(np.arange(5), np.arange(5) ** 2, label="squares")
    ax.set_title(title)
    ax.legend()
    return figure


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def scenario() -> pushsim.Scenario:
    return pushsim.load_scenario(SCENARIOS / "mm1.yaml")


def full_report(scenario: pushsim.Scenario) -> Report:
    report = Report(
        "Plan for <mm1> & friends",
        scenario=scenario,
        command=COMMAND,
        made_at=WHEN,
    )
    report.answer([("consumers needed", "7"), ("p99 at the plan", "151 ms ±9 ms")])
    report.text(
        "First <b>paragraph</b> with `code`.\n\nWarnings:\n- one\n- two & three"
    )
    report.table(
        pd.DataFrame({"node": ["system", "a|b"], "p99": [0.151, np.nan]}),
        caption="per node",
    )
    report.figure("curve", a_figure("p99 <against> consumers"), caption="p99 curve")
    report.figure("queue-length", a_figure("queue"), caption="waiting")
    return report


@pytest.fixture(scope="module")
def written(
    tmp_path_factory: pytest.TempPathFactory, scenario: pushsim.Scenario
) -> tuple[Path, list[Path]]:
    """The folder of the full report, written once, and the paths written."""
    folder = tmp_path_factory.mktemp("report")
    paths = full_report(scenario).write(folder)
    plt.close("all")
    return folder, paths


def test_html_parses_and_opens_with_the_answer(
    written: tuple[Path, list[Path]],
) -> None:
    page = (written[0] / "report.html").read_text(encoding="utf-8")
    parts = outline(page)
    headings = [t for t, _, _ in parts.opened if t in ("h1", "section")]
    assert headings[0] == "h1"
    sections = [a.get("id") for t, a, _ in parts.opened if t == "section"]
    assert sections == ["answer", "details", "provenance"]
    answer = page[
        page.index('<section id="answer">') : page.index('<section id="details">')
    ]
    assert "<dt>consumers needed</dt><dd>7</dd>" in answer
    assert "<dt>p99 at the plan</dt><dd>151 ms ±9 ms</dd>" in answer
    # the items in the order they were added, then how it was made
    order = [
        page.index(s) for s in ("First", "<table", 'id="figure-curve"', "How this")
    ]
    assert order == sorted(order)


def test_html_is_self_contained(written: tuple[Path, list[Path]]) -> None:
    page = (written[0] / "report.html").read_text(encoding="utf-8")
    tags = {t for t, _, _ in outline(page).opened}
    assert not tags & {"script", "link", "iframe", "img", "object"}
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "@import" not in page and "url(http" not in page


def test_every_figure_is_embedded(written: tuple[Path, list[Path]]) -> None:
    page = (written[0] / "report.html").read_text(encoding="utf-8")
    parts = outline(page)
    figures = {a["id"] for t, a, _ in parts.opened if t == "figure" and a.get("id")}
    assert figures == {"figure-curve", "figure-queue-length"}
    svgs = [stack for t, _, stack in parts.opened if t == "svg"]
    assert len(svgs) == 2 and all("figure" in stack for stack in svgs)
    ids = [a["id"] for t, a, _ in parts.opened if a.get("id")]
    assert len(ids) == len(set(ids)), "inlined figures share element ids"
    references = set(re.findall(r'href="#([^"]+)"', page))
    references |= set(re.findall(r"url\(#([^)]+)\)", page))
    assert references and references <= set(ids), references - set(ids)


def test_user_text_is_escaped(written: tuple[Path, list[Path]]) -> None:
    page = (written[0] / "report.html").read_text(encoding="utf-8")
    assert "<b>paragraph</b>" not in page
    assert "First &lt;b&gt;paragraph&lt;/b&gt; with <code>code</code>." in page
    assert "<title>Plan for &lt;mm1&gt; &amp; friends</title>" in page
    assert "<li>two &amp; three</li>" in page
    assert "<td>a|b</td>" in page and "<td>-</td>" in page


def test_markdown_references_files_that_exist(
    written: tuple[Path, list[Path]],
) -> None:
    tmp_path, paths = written
    assert all(path.exists() for path in paths)
    names = {path.name for path in paths}
    expected = {"report.html", "report.md", "curve.png", "curve.svg"}
    assert expected | {"queue-length.png", "queue-length.svg"} == names
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images == ["curve.png", "queue-length.png"]
    assert all((tmp_path / image).is_file() for image in images)
    lines = text.splitlines()
    assert lines[0] == "# Plan for <mm1> & friends"
    assert next(line for line in lines[1:] if line.startswith("## ")) == "## Answer"
    assert "- **consumers needed**: 7" in lines


def test_figure_files(written: tuple[Path, list[Path]]) -> None:
    tmp_path = written[0]
    assert (tmp_path / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    root = ET.parse(tmp_path / "curve.svg").getroot()
    assert root.tag.endswith("svg")


def test_figures_are_reproducible(scenario: pushsim.Scenario, tmp_path: Path) -> None:
    first, second = full_report(scenario), full_report(scenario)
    assert first.to_html() == second.to_html()
    first.write(tmp_path / "a")
    second.write(tmp_path / "b")
    for name in ("curve.svg", "curve.png", "report.md"):
        assert (tmp_path / "a" / name).read_bytes() == (
            tmp_path / "b" / name
        ).read_bytes()


def test_provenance(scenario: pushsim.Scenario) -> None:
    report = Report("Plan", scenario=scenario, command=COMMAND, made_at=WHEN)
    facts = dict(report.provenance())
    assert facts["seed"] == "1" and facts["replications"] == "5"
    assert facts["warm-up rule"] == "10%"
    assert facts["command"] == COMMAND
    assert facts["date"] == "2026-03-01T12:30:00+00:00"
    for name in ("pushsim", "python", *LIBRARIES):
        assert re.search(rf"\b{name} \d", facts["versions"]), (name, facts["versions"])
    assert report.scenario_text() == scenario.source_text
    page = report.to_html()
    assert "sweep: {vary: load" in page  # the scenario as written in its file
    assert "```yaml\n# M/M/1" in report.to_markdown()


def test_provenance_of_a_scenario_not_from_a_file() -> None:
    model = pushsim.load_scenario(station(50.0, 0.01, replications=3))
    report = Report("From a mapping", scenario=model, seed=9, replications=4)
    facts = dict(report.provenance())
    assert facts["seed"] == "9" and facts["replications"] == "4"  # what the run used
    assert "made from Python" in facts["command"]
    data = yaml.safe_load(report.scenario_text())
    assert data["experiment"]["warmup"] == "10%"
    assert data["queues"]["q"]["consumers"]["count"] == 1


def test_partial_is_said_first() -> None:
    report = Report("Stopped sweep", partial=True, made_at=WHEN)
    report.answer({"status": "stopped"})
    page = report.to_html()
    assert page.index('class="partial"') < page.index('id="answer"')
    assert "Partial" in report.to_markdown().splitlines()[2]


def test_bad_input_is_refused_clearly(scenario: pushsim.Scenario) -> None:
    report = Report("r", scenario=scenario)
    with pytest.raises(PushsimError, match="the name must be 1 to 64 letters"):
        report.figure("../escape", a_figure("x"))
    report.figure("ok", a_figure("x"))
    with pytest.raises(PushsimError, match="already a figure named 'ok'"):
        report.figure("ok", a_figure("y"))
    with pytest.raises(PushsimError, match="needs a matplotlib Figure, got str"):
        report.figure("other", "not a figure")
    with pytest.raises(PushsimError, match="needs a pandas DataFrame, got list"):
        report.table([1, 2])  # type: ignore[arg-type]
    with pytest.raises(PushsimError, match=r"item 1 must be a \(what, value\) pair"):
        report.answer([("a", "b"), "c"])  # type: ignore[list-item]
    with pytest.raises(PushsimError, match="the title must be a non-empty text"):
        Report("  ")
    with pytest.raises(PushsimError, match=r"scenario must be a pushsim\.Scenario"):
        Report("r", scenario={"name": "x"})  # type: ignore[arg-type]


def test_unwritable_folder_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("in the way", encoding="utf-8")
    with pytest.raises(PushsimError, match=r"cannot make the folder .*file"):
        Report("r").write(blocker / "out")


def test_markdown_table() -> None:
    frame = pd.DataFrame(
        {"node": ["a|b", "c\nd"], "mean": [1.23456789, np.nan], "ok": [True, False]}
    )
    lines = markdown_table(frame).splitlines()
    assert lines[0] == "| node | mean | ok |"
    assert lines[1] == "| --- | ---: | --- |"
    assert lines[2] == "| a\\|b | 1.235 | True |"
    assert lines[3] == "| c d | - | False |"
    named = frame.set_index("node")
    assert markdown_table(named).splitlines()[0] == "| node | mean | ok |"
    pivot = pd.DataFrame({"x": [1, 2]}, index=pd.Index(["p", "q"], name="metric"))
    assert markdown_table(pivot).splitlines()[2] == "| p | 1 |"


def test_repeated_gids_and_named_columns_stay_valid() -> None:
    figure = a_figure("gids")
    for line in figure.axes[0].get_lines():
        line.set_gid("same")
    figure.axes[0].plot([0, 1], [1, 0], gid="same")
    table = pd.DataFrame({"a": [1.0], "b": [2.0]}).rename_axis(columns="metric")
    report = Report("r", made_at=WHEN)
    report.figure("gids", figure)
    report.table(table)
    page = report.to_html()
    parts = outline(page)
    ids = [a["id"] for t, a, _ in parts.opened if a.get("id")]
    assert ids.count("fig-gids-same") == 1 and "fig-gids-same-2" in ids
    assert len(ids) == len(set(ids))
    assert "<th></th>" not in page and "<th>metric</th>" not in page
