"""``pushsim sweep`` as a user runs it: the table, the answer, the report folder."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from pushsim.cli import main
from tests.conftest import SCENARIOS
from tests.test_cli_and_examples import pushsim

FIGURES = ("throughput", "latency", "throughput-latency", "queue-length", "latency-cdf")


class _Outline(HTMLParser):
    """The headings in order, and how many figures are embedded."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.images = 0
        self.external: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("h1", "h2"):
            self._in_heading = True
            self.headings.append("")
        if tag == "svg" or (
            tag == "img" and (found.get("src") or "").startswith("data:")
        ):
            self.images += 1
        for key in ("src", "href"):
            value = found.get(key) or ""
            if value.startswith(("http:", "https:", "//")) or (
                tag in ("img", "script", "link")
                and value
                and not value.startswith("data:")
            ):
                self.external.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2"):
            self._in_heading = False

    def handle_data(self, data: str) -> None:
        if self._in_heading:
            self.headings[-1] += data


def test_sweep_writes_a_self_contained_report(tmp_path: Path) -> None:
    # the shipped M/M/1 with shorter runs, so that the test is quick
    text = (
        (SCENARIOS / "mm1.yaml")
        .read_text()
        .replace("messages: 50000", "messages: 8000")
    )
    scenario = tmp_path / "mm1.yaml"
    scenario.write_text(text)
    out = tmp_path / "mm1"
    done = pushsim(
        "sweep",
        str(scenario),
        "-r",
        "3",
        "--values",
        "0.4,0.6,0.8,1.1",
        "--workers",
        "2",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "saturation throughput:" in done.stdout and "knee" in done.stdout
    assert "(saturated)" in done.stdout
    assert "past saturation" in done.stderr  # the warning, not hidden

    for name in FIGURES:
        assert (out / f"{name}.png").stat().st_size > 1000
        assert (out / f"{name}.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    html = (out / "report.html").read_text(encoding="utf-8")
    outline = _Outline()
    outline.feed(html)
    assert outline.images >= len(FIGURES)
    assert outline.external == []
    assert outline.headings[1].lower().startswith("answer"), outline.headings
    assert outline.headings[-1].lower().startswith("how"), outline.headings
    answer = html[: html.lower().index("how this was made")]
    assert "saturation throughput" in answer and "highest load meeting p99" in answer

    markdown = (out / "report.md").read_text(encoding="utf-8")
    for name in FIGURES:
        assert f"({name}.png)" in markdown
    table = pd.read_csv(out / "results.csv")
    assert sorted(table["load"].unique()) == [0.4, 0.6, 0.8, 1.1]
    assert table.groupby("load").saturated.first().to_dict()[1.1]
    document = json.loads((out / "results.json").read_text())
    assert document["vary"] == ["load"] and document["partial"] is False
    assert "knee (mean wait = mean service)" in document["answer"]


def test_sweep_refuses_bad_input_without_a_traceback() -> None:
    cases = [
        (["--values", "0.5,,0.9"], "an empty item between commas"),
        (["--vary", "queues.work.consumers.count"], "give the values to sweep it over"),
        (
            ["--vary", "queues.wrk.consumers.count", "--values", "1,2"],
            "did you mean 'work'",
        ),
        (["--values", "0.5,-2"], "a number > 0, got -2"),
        (["--scheduler", "tcp://127.0.0.1:9"], "applies only to the dask executor"),
    ]
    runner = CliRunner()
    for extra, message in cases:
        done = runner.invoke(main, ["sweep", str(SCENARIOS / "mm1.yaml"), *extra])
        assert done.exit_code == 1, (extra, done.output)
        assert message in done.output, (extra, done.output)
        assert done.exception is None or isinstance(done.exception, SystemExit)
