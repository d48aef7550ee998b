"""Reports a team can read and keep: the answer first, then the evidence, then the making.

A :class:`Report` gathers, in order, the key facts (:meth:`Report.answer`),
paragraphs (:meth:`Report.text`), tables (:meth:`Report.table`, a pandas
DataFrame) and figures (:meth:`Report.figure`, a matplotlib Figure), and
:meth:`Report.write` puts them in a folder as

- ``report.html``: one self-contained file (figures as inline SVG, the style
  inline, no scripts and nothing fetched from a network), which opens in any
  browser without a server;
- ``report.md``: the same in Markdown, each figure as ``![caption](name.png)``;
- ``<name>.png`` and ``<name>.svg`` for each figure.

Both documents end with "How this was made": the scenario as written (or,
for a scenario not read from a file, a YAML dump of it as validated), the
seed, the replications, the warm-up rule, the versions of pushsim, Python
and the libraries, the command and the date, so the report can be made
again. All user text is escaped in HTML.

Figures are rendered when they are added, so a figure may be closed or
changed afterwards without changing the report.

Limits: text is "Markdown-ish": blank lines separate paragraphs, lines that
start with ``- `` make a list, ```code``` and ``**bold**`` are marked;
nothing else of Markdown is interpreted in the HTML.
"""

from __future__ import annotations

import html
import io
import itertools
import logging
import platform
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from pushsim import __version__
from pushsim.errors import PushsimError
from pushsim.scenario import Scenario

__all__ = ["Report", "markdown_table"]

log = logging.getLogger("pushsim.report")

#: What a figure's name may be: it is also the stem of its files.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
#: The libraries whose versions the report records, beside pushsim and Python.
LIBRARIES = ("numpy", "scipy", "simpy", "pandas", "matplotlib")
#: Resolution of the PNG files, in dots per inch.
PNG_DPI = 120

_CSS = """
body { font-family: system-ui, sans-serif; color: #1b1b1b; margin: 0; line-height: 1.45; }
main { max-width: 1000px; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
.partial { background: #fff3cd; border: 1px solid #e0c36a; padding: 0.5rem 0.8rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1.2rem; }
dt { font-weight: 600; } dd { margin: 0; }
#answer dl { background: #f4f7fb; border: 1px solid #cfdbe9; padding: 0.8rem 1rem; }
figure { margin: 1.2rem 0; } figure svg { max-width: 100%; height: auto; }
figcaption { color: #444; font-size: 0.92rem; margin: 0.3rem 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.2rem 0.6rem; text-align: right; }
th { background: #f3f3f3; }
pre { background: #f6f6f6; border: 1px solid #e3e3e3; padding: 0.7rem; overflow-x: auto; }
code { background: #f1f1f1; padding: 0 0.2rem; }
"""


@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _Table:
    frame: pd.DataFrame
    caption: str


@dataclass(frozen=True)
class _Figure:
    name: str
    caption: str
    png: bytes
    svg: str


class Report:
    """A document of answers, text, tables and figures, written as HTML and Markdown.

    ``scenario`` is what the report is about (its text, seed, replications
    and warm-up go into "How this was made"); ``command`` is the command
    line that made it. ``seed`` and ``replications`` override the
    scenario's own where a run used others; ``partial`` marks a report of
    work that was stopped before it ended; ``made_at`` is its date (now, if
    not given).
    """

    def __init__(
        self,
        title: str,
        *,
        scenario: Scenario | None = None,
        command: str = "",
        seed: int | None = None,
        replications: int | None = None,
        partial: bool = False,
        made_at: datetime | None = None,
    ) -> None:
        if not isinstance(title, str) or not title.strip():
            raise PushsimError(
                f"Report: the title must be a non-empty text, got {title!r}"
            )
        if scenario is not None and not isinstance(scenario, Scenario):
            raise PushsimError(
                f"Report: scenario must be a pushsim.Scenario or None, got "
                f"{type(scenario).__name__}"
            )
        self.title = title.strip()
        self.scenario = scenario
        self.command = str(command)
        self.seed = seed
        self.replications = replications
        self.partial = bool(partial)
        self.made_at = made_at or datetime.now(UTC)
        self.answers: list[tuple[str, str]] = []
        self._items: list[_Text | _Table | _Figure] = []

    def answer(self, items: Iterable[tuple[Any, Any]] | Mapping[Any, Any]) -> None:
        """Add key facts, ``(what, value)`` pairs, shown first of all."""
        pairs = items.items() if isinstance(items, Mapping) else items
        for index, pair in enumerate(pairs):
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise PushsimError(
                    f"Report.answer: item {index} must be a (what, value) pair, got {pair!r}"
                )
            self.answers.append((str(pair[0]), str(pair[1])))

    def text(self, text: str) -> None:
        """Add a paragraph (or several, separated by blank lines) of plain text."""
        if not isinstance(text, str):
            raise PushsimError(f"Report.text: needs a text, got {type(text).__name__}")
        self._items.append(_Text(text))

    def table(self, frame: pd.DataFrame, caption: str = "") -> None:
        """Add a table: a pandas DataFrame, shown as it is (a copy is kept)."""
        if not isinstance(frame, pd.DataFrame):
            raise PushsimError(
                f"Report.table: needs a pandas DataFrame, got {type(frame).__name__}"
            )
        self._items.append(_Table(frame.copy(), str(caption)))

    def figure(self, name: str, figure: Any, caption: str = "") -> None:
        """Add a matplotlib Figure, rendered now; ``name`` is the stem of its files."""
        from matplotlib.figure import Figure

        if not isinstance(name, str) or not _NAME.match(name):
            raise PushsimError(
                f"Report.figure: the name must be 1 to 64 letters, digits, '-' or '_', "
                f"starting with a letter or digit, got {name!r}"
            )
        if any(isinstance(i, _Figure) and i.name == name for i in self._items):
            raise PushsimError(
                f"Report.figure: there is already a figure named {name!r}"
            )
        if not isinstance(figure, Figure):
            raise PushsimError(
                f"Report.figure: needs a matplotlib Figure, got {type(figure).__name__}"
            )
        png, svg = _render(figure, name)
        self._items.append(_Figure(name, str(caption), png, svg))

    def figure_of(self, name: str, draw: Callable[[], Any], caption: str = "") -> None:
        """Add the figure that ``draw()`` makes; if pushsim cannot draw it, say why.

        For figures that need data a run may not have (no message served):
        the report still gets written, with a line in the figure's place.
        """
        try:
            figure = draw()
        except PushsimError as error:
            self.text(f"{caption or name}: not drawn: {error}")
            return
        self.figure(name, figure, caption=caption)

    @property
    def figures(self) -> list[str]:
        """The names of the figures added, in order."""
        return [item.name for item in self._items if isinstance(item, _Figure)]

    def provenance(self) -> list[tuple[str, str]]:
        """How the report was made, as (what, value) pairs (the scenario text aside)."""
        scenario = self.scenario
        seed = self.seed if self.seed is not None else getattr(scenario, "seed", None)
        replications = self.replications
        if replications is None and scenario is not None:
            replications = scenario.experiment.replications
        facts = [("scenario", scenario.summary_line() if scenario else "none given")]
        if scenario is not None and scenario.source_path:
            facts.append(("scenario file", scenario.source_path))
        facts += [
            ("seed", "-" if seed is None else str(seed)),
            ("replications", "-" if replications is None else str(replications)),
            ("warm-up rule", scenario.experiment.warmup.text if scenario else "-"),
            ("versions", versions()),
            ("command", self.command or "not given (made from Python)"),
            ("date", self.made_at.isoformat(timespec="seconds")),
        ]
        return facts

    def to_html(self) -> str:
        """The whole report as one self-contained HTML document."""
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(self.title)}</title>\n<style>{_CSS}</style>\n</head>\n"
            f"<body>\n<main>\n{self._body()}</main>\n</body>\n</html>\n"
        )

    def to_markdown(self) -> str:
        """The whole report in Markdown; figures refer to ``<name>.png`` beside it."""
        parts = [f"# {self.title}"]
        if self.partial:
            parts.append(f"> **{_PARTIAL}**")
        if self.answers:
            parts.append("## Answer\n\n" + _md_pairs(self.answers))
        for item in self._items:
            parts.append(_md_item(item))
        parts.append("## How this was made\n\n" + _md_pairs(self.provenance()))
        parts.append("### Scenario\n\n" + _fenced(self.scenario_text(), "yaml"))
        return "\n\n".join(parts) + "\n"

    def scenario_text(self) -> str:
        """The scenario as the user wrote it, else a YAML dump of it as validated."""
        if self.scenario is None:
            return "# no scenario was given"
        if self.scenario.source_text:
            return self.scenario.source_text
        return _dump(self.scenario)

    def _body(self) -> str:
        """The title, the answer, the items in order and how it was made, as HTML."""
        parts = [f"<h1>{escape(self.title)}</h1>\n"]
        if self.partial:
            parts.append(f'<p class="partial"><strong>{_PARTIAL}</strong></p>\n')
        if self.answers:
            parts.append(
                f'<section id="answer">\n<h2>Answer</h2>\n{_html_pairs(self.answers)}'
                "</section>\n"
            )
        parts.append('<section id="details">\n')
        parts += [_html_item(item) for item in self._items]
        parts.append("</section>\n")
        parts.append(
            '<section id="provenance">\n<h2>How this was made</h2>\n'
            f"{_html_pairs(self.provenance())}<h3>Scenario</h3>\n"
            f"<pre><code>{escape(self.scenario_text())}</code></pre>\n</section>\n"
        )
        return "".join(parts)

    def write(self, folder: str | Path) -> list[Path]:
        """Write report.html, report.md and each figure's PNG and SVG into ``folder``.

        Returns the paths written. Raises :class:`PushsimError` naming the
        path when the folder cannot be made or a file cannot be written.
        """
        target = Path(folder)
        files: list[tuple[Path, str | bytes]] = [
            (target / "report.html", self.to_html()),
            (target / "report.md", self.to_markdown()),
        ]
        for item in self._items:
            if isinstance(item, _Figure):
                files.append((target / f"{item.name}.png", item.png))
                files.append((target / f"{item.name}.svg", item.svg))
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise PushsimError(
                f"report: cannot make the folder {target}: {error.strerror}"
            ) from None
        for path, content in files:
            _write(path, content)
        log.info("report %r written to %s (%d files)", self.title, target, len(files))
        return [path for path, _ in files]

    def _repr_html_(self) -> str:
        return f'<div class="pushsim-report">{self._body()}</div>'

    def __repr__(self) -> str:
        return (
            f"<Report {self.title!r}: {len(self.answers)} answer(s), "
            f"{len(self._items)} item(s)>"
        )


_PARTIAL = (
    "Partial: the work was stopped before it ended; what is here is what was done."
)


def _html_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>\n" for k, v in pairs)
    return f"<dl>\n{rows}</dl>\n"


def _md_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    return "\n".join(f"- **{_md_line(k)}**: {_md_line(v)}" for k, v in pairs)


def _md_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text).strip()


def _html_item(item: _Text | _Table | _Figure) -> str:
    if isinstance(item, _Text):
        return _html_text(item.text)
    if isinstance(item, _Table):
        caption = (
            f"<figcaption>{escape(item.caption)}</figcaption>\n" if item.caption else ""
        )
        frame = item.frame
        if not isinstance(frame.columns, pd.MultiIndex):
            frame = frame.rename_axis(columns=None)  # else an empty header cell
        table = frame.to_html(
            escape=True,
            na_rep="-",
            float_format=_cell,
            index=shows_index(frame),
            border=0,
        )
        table = f'<div class="scroll">\n{table}\n</div>\n'
        return f'<figure class="table">\n{caption}{table}</figure>\n'
    svg = _scoped(item.svg[item.svg.index("<svg") :], f"fig-{item.name}")
    caption = (
        f"<figcaption>{escape(item.caption)}</figcaption>\n" if item.caption else ""
    )
    return f'<figure id="figure-{item.name}">\n{svg}\n{caption}</figure>\n'


def _scoped(svg: str, prefix: str) -> str:
    """The SVG with every element id, and every reference to one, prefixed.

    Figures inlined in one page would otherwise repeat ids (``axes_1``, the
    glyphs of the font), which HTML does not allow.
    """
    seen: dict[str, int] = {}

    def unique(match: re.Match[str]) -> str:
        # A repeated id (two artists given one gid) gets a number of its own;
        # references keep pointing at the first.
        name = match.group(1)
        seen[name] = seen.get(name, 0) + 1
        suffix = f"-{seen[name]}" if seen[name] > 1 else ""
        return f'id="{prefix}-{name}{suffix}"'

    svg = re.sub(r'\bid="([^"]+)"', unique, svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    return re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)


def _md_item(item: _Text | _Table | _Figure) -> str:
    if isinstance(item, _Text):
        return item.text.strip()
    if isinstance(item, _Table):
        caption = f"**{_md_line(item.caption)}**\n\n" if item.caption else ""
        return caption + markdown_table(item.frame)
    alt = _md_line(item.caption or item.name).replace("[", "(").replace("]", ")")
    caption = f"\n\n*{_md_line(item.caption)}*" if item.caption else ""
    return f"![{alt}]({item.name}.png){caption}"


def _inline(text: str) -> str:
    """Escaped text with `code` and **bold** marked."""
    out = escape(text)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


def _html_text(text: str) -> str:
    """Paragraphs split by blank lines; runs of lines starting '- ' as lists."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        for bullets, run in itertools.groupby(
            lines, key=lambda x: x[:2] in ("- ", "* ")
        ):
            group = list(run)
            if bullets:
                items = "".join(f"<li>{_inline(x[2:])}</li>\n" for x in group)
                out.append(f"<ul>\n{items}</ul>\n")
            else:
                out.append(f"<p>{_inline(' '.join(group))}</p>\n")
    return "".join(out)


def _fenced(text: str, language: str) -> str:
    """A Markdown code block whose fence is longer than any backtick run inside."""
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def _dump(scenario: Scenario) -> str:
    """The validated scenario as YAML, warm-up and SLOs written as in a file."""
    import yaml

    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    experiment = data.get("experiment", {})
    experiment["warmup"] = scenario.experiment.warmup.text
    experiment["slo"] = [slo.text for slo in scenario.experiment.slo]
    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return "# the scenario as validated (it was not read from a file)\n" + text


def _write(path: Path, content: str | bytes) -> None:
    try:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    except OSError as error:
        raise PushsimError(f"report: cannot write {path}: {error.strerror}") from None


def _render(figure: Any, name: str) -> tuple[bytes, str]:
    """The figure as PNG bytes and as SVG text (no XML prolog), reproducibly.

    Text is drawn as paths, so the SVG needs no fonts; the element ids are
    hashed with the figure's name as the salt, not a random one, so the same
    figure gives the same file every time.
    """
    import matplotlib

    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=PNG_DPI, bbox_inches="tight")
    svg = io.StringIO()
    with matplotlib.rc_context(
        {"svg.hashsalt": f"pushsim-{name}", "svg.fonttype": "path"}
    ):
        figure.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
    return png.getvalue(), svg.getvalue()


def versions() -> str:
    """pushsim, Python and the libraries that made the numbers, with their versions."""
    parts = [f"pushsim {__version__}", f"python {platform.python_version()}"]
    for name in LIBRARIES:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} not installed")
    return ", ".join(parts)


def _cell(value: Any) -> str:
    """A table cell as text: 4 significant digits for floats, '-' for missing."""
    if isinstance(value, float) and value != value:
        return "-"
    if value is None or value is pd.NA or value is pd.NaT:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def shows_index(frame: pd.DataFrame) -> bool:
    """Whether a table's index says something: it is named, or not row numbers."""
    index = frame.index
    if any(name is not None for name in index.names):
        return True
    return not pd.api.types.is_integer_dtype(index.dtype)


def markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown (pipe) table; numeric columns aligned right."""
    if shows_index(frame):
        frame = frame.reset_index()
    columns = [
        " / ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in frame
    ]
    numeric = [
        pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        for column in (frame.iloc[:, i] for i in range(frame.shape[1]))
    ]
    lines = [
        "| " + " | ".join(_md_escape(c) for c in columns) + " |",
        "| " + " | ".join("---:" if n else "---" for n in numeric) + " |",
    ]
    for row in frame.itertuples(index=False, name=None):
        lines.append("| " + " | ".join(_md_escape(_cell(v)) for v in row) + " |")
    return "\n".join(lines)


def _md_escape(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipe, no line break."""
    return re.sub(
        r"\s*\n\s*", " ", text.replace("\\", "\\\\").replace("|", "\\|")
    ).strip()


def escape(text: str) -> str:
    """Text safe in HTML, quotes included."""
    return html.escape(text, quote=True)
