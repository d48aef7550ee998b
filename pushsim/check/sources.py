"""The scenarios a check reads: files, folders of them, mappings, records.

A folder is read one level deep: its ``.yaml``, ``.yml`` and ``.toml``
files, in name order. Every scenario is loaded before any runs, and every
fault of every file is reported at once.

Limits: baselines are keyed by the file name without its suffix (a scenario
made in code, by its name), so two scenario files of one name in different
folders need different baseline folders; the check refuses to mix them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pushsim.errors import PushsimError, ScenarioError
from pushsim.scenario import Scenario, load_scenario

__all__ = ["SUFFIXES", "Source", "load_all"]

#: The endings of scenario files in a folder.
SUFFIXES = (".yaml", ".yml", ".toml")

Source = str | Path | Scenario | Mapping[str, Any]


def _files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES)
    if not files:
        raise PushsimError(
            f"{folder}: no scenario files here (looked for {', '.join(SUFFIXES)})"
        )
    return files


def _expand(sources: Source | Sequence[Source]) -> list[Source]:
    if isinstance(sources, str | Path | Scenario | Mapping):
        items: list[Source] = [sources]
    else:
        items = list(sources)
    if not items:
        raise PushsimError("nothing to check: give scenario files or folders")
    out: list[Source] = []
    for item in items:
        if isinstance(item, str | Path) and Path(item).is_dir():
            out.extend(_files(Path(item)))
        else:
            out.append(item)
    return out


def _key(item: Source, scenario: Scenario) -> tuple[str, str]:
    """The baseline file's stem and the label of a source."""
    if isinstance(item, str | Path):
        return Path(item).stem, str(item)
    if scenario.source_path:
        return Path(scenario.source_path).stem, scenario.source_path
    return scenario.name, f"<{scenario.name}>"


def load_all(sources: Source | Sequence[Source]) -> list[tuple[Scenario, str, str]]:
    """Every scenario with its baseline key and label; all faults of all files at once."""
    loaded: list[tuple[Scenario, str, str]] = []
    errors: list[ScenarioError] = []
    for item in _expand(sources):
        try:
            scenario = load_scenario(item)
        except ScenarioError as error:
            errors.append(error)
            continue
        loaded.append((scenario, *_key(item, scenario)))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise PushsimError("\n".join(str(error) for error in errors))
    seen: dict[str, str] = {}
    for _, key, label in loaded:
        if key in seen:
            raise PushsimError(
                f"{label} and {seen[key]} would share the baseline {key}.json; "
                "check them against different baseline folders"
            )
        seen[key] = label
    return loaded
