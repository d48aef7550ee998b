"""Baselines: what a scenario measured, kept to compare later runs with.

A baseline is one small JSON file per scenario, meant to be committed beside
the scenario. It holds the fingerprint of the scenario (a hash of its
normalised content, and one of each part, so that a change can be named),
the seed, the replications, the engine and the pushsim version that measured
it, and for each tracked metric the mean, the standard error of that mean
and the number of independent estimates behind it.

Normalised content: a scenario read from a file counts by the file's content
as read, so comments, layout, key order and YAML anchors do not count, but
every value as written does (``10ms`` and ``0.01`` differ); one made in code
counts by its validated fields. Its ``description`` does not count; its seed
and replications are always the scenario's own (an override counts). A file
the scenario names (a trace, empirical samples) counts by the SHA-256 of its
bytes. Everything else is the model: the topology, the seed and the
experiment.

Tracked metrics, by default: for the system ``throughput``, ``drop_rate``,
``expiry_rate``, ``sojourn_mean``, ``sojourn_p99`` and ``wait_mean``; for each
queue ``utilisation`` and ``wait_mean`` (with a single queue, its wait is the
system's and is tracked once); and the metric of every SLO. A metric
the results do not have (a ``p99`` the scenario does not ask for) is left out.

Standard error: with replications, the half-width of the Student-t interval
over the ``n`` replications divided by ``t(0.975, n - 1)``; with one
replication, the same over its ``n`` batch means. Where an interval is held to
its metric's range (nothing below 0), the side that was not held gives the
half-width.

Limits: a scenario read from a file and then changed in code other than by
its seed or replications keeps the fingerprint of its file.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scipy import stats

from pushsim import __version__
from pushsim.errors import PushsimError
from pushsim.result import Result
from pushsim.scenario import SYSTEM, Scenario
from pushsim.scenario.load import parse_scenario_text
from pushsim.stats import CONFIDENCE

__all__ = [
    "FORMAT",
    "Baseline",
    "Estimate",
    "changed_parts",
    "estimate",
    "fingerprint",
    "tracked_metrics",
]

#: The version of the baseline file's layout.
FORMAT = 1

SYSTEM_METRICS = (
    "throughput",
    "drop_rate",
    "expiry_rate",
    "sojourn_mean",
    "sojourn_p99",
    "wait_mean",
)
QUEUE_METRICS = ("utilisation", "wait_mean")


@dataclass(frozen=True)
class Estimate:
    """A metric's mean, the standard error of that mean, and how many estimates."""

    mean: float
    se: float
    n: int
    unit: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": _number(self.mean),
            "se": _number(self.se),
            "n": self.n,
            "unit": self.unit,
        }


def _number(value: float) -> float | str | None:
    """A JSON value for a float: NaN as null, infinity as ``"inf"``."""
    if math.isnan(value):
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return float(value)


def _float(value: Any, where: str) -> float:
    if value is None:
        return math.nan
    if value in ("inf", "-inf"):
        return float(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise PushsimError(f"{where}: must be a number, null or 'inf', got {value!r}")


def estimate(result: Result, node: str, metric: str) -> Estimate:
    """The mean, standard error and count of estimates of one metric of a result."""
    mean, low, high = result.interval(node, metric)
    unit = str(
        result.summary.loc[
            (result.summary.node == node) & (result.summary.metric == metric), "unit"
        ].iloc[0]
    )
    n = result.replications if result.replications > 1 else result.batches
    half = max(high - mean, mean - low)
    if n < 2 or not math.isfinite(half):
        return Estimate(mean, math.nan, n, unit)
    se = half / float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1))
    return Estimate(mean, se, n, unit)


def tracked_metrics(
    scenario: Scenario, available: Iterable[tuple[str, str]]
) -> list[str]:
    """The ``node.metric`` names tracked by default that the results have."""
    have = set(available)
    wanted = [(SYSTEM, m) for m in SYSTEM_METRICS]
    # With one queue, the queue's wait is the system's: it is not tracked twice.
    own = [
        m for m in QUEUE_METRICS if len(scenario.queues) > 1 or m not in SYSTEM_METRICS
    ]
    wanted += [(q, m) for q in scenario.queues for m in own]
    wanted += [(slo.node, slo.metric) for slo in scenario.experiment.slo]
    keys = [f"{node}.{metric}" for node, metric in wanted if (node, metric) in have]
    return list(dict.fromkeys(keys))


def _normalised(value: Any, base: Path) -> Any:
    """The scenario dump without texts as written, with named files by their hash."""
    if isinstance(value, Mapping):
        out = {
            str(k): _normalised(v, base)
            for k, v in value.items()
            if not (k == "text" and len(value) > 1)
        }
        file = value.get("file")
        if isinstance(file, str):
            out["file_sha256"] = _file_hash(base / file)
        return out
    if isinstance(value, list | tuple):
        return [_normalised(v, base) for v in value]
    return value


def _file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise PushsimError(
            f"{path}: cannot read this file that the scenario names, to fingerprint "
            f"it: {error.strerror}"
        ) from None


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _content(scenario: Scenario) -> dict[str, Any]:
    """The scenario as its file reads, or as validated for one made in code.

    The seed and the replications are the scenario's own, so that an
    override (``with_overrides``) counts as the change it is.
    """
    text, path = scenario.source_text, scenario.source_path
    if text is None or path is None:
        return scenario.model_dump(mode="json")
    data = parse_scenario_text(text, kind="toml" if path.endswith(".toml") else "yaml")
    content = dict(data)
    content["seed"] = scenario.seed
    experiment = dict(content.get("experiment") or {})
    experiment["replications"] = scenario.experiment.replications
    content["experiment"] = experiment
    return content


def fingerprint(scenario: Scenario) -> tuple[str, dict[str, str]]:
    """The hash of the scenario's normalised content, and a short hash of each part.

    The parts are ``name``, ``seed``, ``experiment`` and each node by its
    place (``queues.push``), so that a changed model can say what changed.
    """
    base = Path(scenario.source_path).parent if scenario.source_path else Path()
    data = _normalised(_content(scenario), base)
    data.pop("description", None)
    parts: dict[str, str] = {}
    for key, value in data.items():
        if key in ("producers", "balancers", "queues"):
            for name, node in value.items():
                parts[f"{key}.{name}"] = _digest(node)[:12]
        else:
            parts[key] = _digest(value)[:12]
    return "sha256:" + _digest(data), parts


def changed_parts(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """The parts added, removed or changed between two fingerprints."""
    names = list(dict.fromkeys([*old, *new]))
    out = []
    for name in names:
        if name not in old:
            out.append(f"{name} added")
        elif name not in new:
            out.append(f"{name} removed")
        elif old[name] != new[name]:
            out.append(f"{name} changed")
    return out


@dataclass(frozen=True)
class Baseline:
    """What one scenario measured: its fingerprint, its setup and its metrics."""

    scenario: str
    scenario_hash: str
    parts: dict[str, str]
    seed: int
    replications: int
    engine: str
    version: str
    confidence: str
    metrics: dict[str, Estimate]

    @classmethod
    def from_result(
        cls, result: Result, metrics: Sequence[str] | None = None
    ) -> Baseline:
        """The baseline of a result, over ``metrics`` or the tracked ones."""
        available = set(zip(result.summary.node, result.summary.metric, strict=True))
        names = (
            list(metrics)
            if metrics is not None
            else tracked_metrics(result.scenario, available)
        )
        estimates = {}
        for name in names:
            node, _, metric = name.partition(".")
            if (node, metric) in available:
                estimates[name] = estimate(result, node, metric)
        digest, parts = fingerprint(result.scenario)
        return cls(
            scenario=result.scenario.name,
            scenario_hash=digest,
            parts=parts,
            seed=result.seed,
            replications=result.replications,
            engine=result.engine,
            version=__version__,
            confidence=result.ci_method,
            metrics=estimates,
        )

    def to_json(self) -> str:
        """The baseline as a JSON text, one metric a line so that a diff reads well."""
        head = {
            "format": FORMAT,
            "scenario": self.scenario,
            "scenario_hash": self.scenario_hash,
            "seed": self.seed,
            "replications": self.replications,
            "engine": self.engine,
            "version": self.version,
            "confidence": self.confidence,
        }
        lines = [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
        lines.append('  "parts": {')
        lines += _entries(self.parts.items())
        lines.append("  },")
        lines.append('  "metrics": {')
        lines += _entries((k, e.to_dict()) for k, e in self.metrics.items())
        lines.append("  }")
        return "{\n" + "\n".join(lines) + "\n}\n"

    def write(self, path: Path) -> None:
        """Write the baseline to ``path``, making its folder if need be."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.to_json(), encoding="utf-8")
        except OSError as error:
            raise PushsimError(
                f"{path}: cannot write the baseline: {error.strerror}"
            ) from None

    @classmethod
    def read(cls, path: Path) -> Baseline:
        """Read a baseline file; a file that is not one raises PushsimError."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise PushsimError(f"{path}: cannot read: {error.strerror}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise PushsimError(f"{path}: not a baseline (bad JSON: {error})") from None
        return cls.from_dict(document, str(path))

    @classmethod
    def from_dict(cls, document: Any, where: str) -> Baseline:
        """A baseline from its JSON document, each fault named by its place."""
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise PushsimError(
                f"{where}: not a pushsim baseline of format {FORMAT}; write it again "
                "with --update-baseline"
            )
        try:
            metrics = {
                str(name): Estimate(
                    _float(entry["mean"], f"{where}: metrics.{name}.mean"),
                    _float(entry["se"], f"{where}: metrics.{name}.se"),
                    int(entry["n"]),
                    str(entry["unit"]),
                )
                for name, entry in document["metrics"].items()
            }
            return cls(
                scenario=str(document["scenario"]),
                scenario_hash=str(document["scenario_hash"]),
                parts={str(k): str(v) for k, v in document["parts"].items()},
                seed=int(document["seed"]),
                replications=int(document["replications"]),
                engine=str(document["engine"]),
                version=str(document["version"]),
                confidence=str(document["confidence"]),
                metrics=metrics,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise PushsimError(
                f"{where}: a baseline field is missing or malformed ({error!r}); "
                "write it again with --update-baseline"
            ) from None


def _entries(items: Iterable[tuple[str, Any]]) -> list[str]:
    rows = [f"    {json.dumps(k)}: {json.dumps(v)}" for k, v in items]
    return [row + ("," if i < len(rows) - 1 else "") for i, row in enumerate(rows)]
