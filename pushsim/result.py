"""The result of simulating a scenario: tidy tables of measures and records.

``Result.summary`` has one row per node and metric with the mean and its 95 %
confidence interval; ``Result.messages`` one row per visit of a message to a
queue; ``Result.slo`` the verdict on each of the scenario's SLOs. All three
are plain pandas DataFrames.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from pushsim import __version__
from pushsim.engines.base import OUTCOMES, Outcome, Run
from pushsim.errors import PushsimWarning
from pushsim.measures import (
    conservation,
    prepare,
    unit_of,
    warmup_instant,
    window_metrics,
)
from pushsim.scenario import SYSTEM, Scenario
from pushsim.stats import BATCHES, Interval, batch_size, merged, t_interval

__all__ = ["Result"]

SUMMARY_COLUMNS = ["node", "metric", "mean", "ci_low", "ci_high", "unit"]
THEORY_COLUMNS = ["theory", "theory_model", "theory_exact"]


@dataclass(frozen=True)
class Warmup:
    """Where one replication's measuring window starts, and whether the rule settled."""

    replication: int
    instant: float
    horizon: float
    settled: bool


class Result:
    """Measures of one scenario over its replications on one engine."""

    def __init__(
        self,
        scenario: Scenario,
        runs: Sequence[Run],
        *,
        command: str = "",
        partial: bool = False,
    ) -> None:
        if not runs:
            raise ValueError("a result needs at least one run")
        self.scenario = scenario
        self.runs = tuple(runs)
        self.command = command
        self.engine = runs[0].engine
        #: Whether the work was stopped before its end: a run cut short, or
        #: fewer replications than asked for (``partial=True``).
        self.partial = partial or any(run.partial for run in runs)
        #: Every warning this result gave, as text (they are also issued).
        self.notes: list[str] = []
        self.warmups = tuple(self._warmup(run) for run in self.runs)
        self.batches = 0
        self.conservation = tuple(conservation(run) for run in self.runs)
        for run, counts in zip(self.runs, self.conservation, strict=True):
            if counts["accounted"] != counts["arrived"] or counts["duplicates"]:
                self._warn(
                    f"replication {run.replication}: conservation fails: "
                    f"{counts['arrived']} deliveries arrived but {counts['accounted']} "
                    f"are accounted for ({counts})"
                )
        self._check_health()

    def _warn(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)
            warnings.warn(message, PushsimWarning, stacklevel=4)

    def _check_health(self) -> None:
        """Warn about runs whose figures mean less than they seem to."""
        run, warm = self.runs[0], self.warmups[0]
        c = run.columns
        span = warm.horizon - warm.instant
        if span <= 0:
            self._warn(
                f"the warm-up of replication 0 ends at {warm.instant:.4g}s, at or after "
                f"the end of the run ({warm.horizon:.4g}s): nothing is measured; make "
                "the warm-up shorter or the run longer"
            )
            return
        final = c["outcome"] != Outcome.FORWARDED
        created = c["created_at"][final]
        arrived = int(np.count_nonzero(created >= warm.instant))
        if arrived == 0:
            self._warn(
                f"no message arrived in the measuring window ({warm.instant:.4g}s to "
                f"{warm.horizon:.4g}s of replication 0); the run is too short to measure"
            )
            return
        done = final & (c["outcome"] == Outcome.COMPLETED)
        completed = int(np.count_nonzero(done & (c["finished_at"] >= warm.instant)))
        if completed < 0.05 * arrived:
            self._warn(
                f"only {completed} of {arrived} messages that arrived in the measuring "
                "window of replication 0 completed: the system is stalled (blocking "
                "queues waiting on each other?) or the run is too short"
            )
        counts = self.conservation[0]
        if counts["in_system"] > 0.02 * counts["arrived"]:
            share = counts["in_system"] / counts["arrived"]
            self._warn(
                f"{share:.1%} of the deliveries of replication 0 were still in the system "
                "when the run ended; latencies leave them out and read low; make the "
                "run longer"
            )
        entered = np.bincount(
            c["node_id"][c["enqueued_at"] >= warm.instant], minlength=len(run.nodes)
        )
        for index, name in enumerate(run.nodes):
            queue = self.scenario.queues[name]
            on_duty = queue.consumers.consumer_time(warm.instant, warm.horizon) / span
            work = entered[index] / span * queue.consumers.service.mean
            load = work / on_duty if on_duty > 0 else (math.inf if work else 0.0)
            if load >= 1.0 and queue.capacity is None and queue.ttl is None:
                self._warn(
                    f"queue {name} is overloaded: its offered load is {load:.3g} >= 1, so "
                    "it grows without bound and its figures depend on the run's length"
                )
            elif load >= 0.9 and self.replications == 1:
                self._warn(
                    f"queue {name} runs at load {load:.2f} in a single replication: near "
                    "saturation the batch-means intervals understate the uncertainty of "
                    "tail percentiles; run several replications"
                )

    @property
    def seed(self) -> int:
        return self.scenario.seed

    @property
    def replications(self) -> int:
        return len(self.runs)

    @property
    def ci_method(self) -> str:
        """How the confidence intervals were made."""
        if self.replications > 1:
            return f"Student t over {self.replications} independent replications, 95%"
        _ = self._intervals  # the number of batches is settled there
        return (
            f"batch means of one replication ({self.batches} batches), Student t, 95%"
        )

    def _warmup(self, run: Run) -> Warmup:
        instant, settled = warmup_instant(run, self.scenario)
        if not settled:
            rule = self.scenario.experiment.warmup.text
            self._warn(
                f"replication {run.replication}: the warm-up rule {rule!r} did not settle "
                f"within the run (measuring from {instant:.4g}s of {run.horizon:.4g}s); "
                "make the run longer"
            )
        return Warmup(run.replication, instant, run.horizon, settled)

    def _percentiles(self) -> list[float]:
        experiment = self.scenario.experiment
        extra = [slo.percentile for slo in experiment.slo if slo.percentile is not None]
        return sorted({*experiment.percentiles, *extra})

    @cached_property
    def _intervals(self) -> dict[tuple[str, str], Interval]:
        qs = self._percentiles()
        prepared = [prepare(run, self.scenario, qs) for run in self.runs]
        if len(prepared) > 1:
            per_run = [
                window_metrics(p, w.instant, w.horizon)
                for p, w in zip(prepared, self.warmups, strict=True)
            ]
            keys = list(per_run[0])
            return {k: t_interval([m.get(k, math.nan) for m in per_run]) for k in keys}
        p, w = prepared[0], self.warmups[0]
        whole = window_metrics(p, w.instant, w.horizon)
        edges = np.linspace(w.instant, w.horizon, BATCHES + 1)
        batches = [window_metrics(p, a, b) for a, b in itertools.pairwise(edges)]
        # One merge factor for every metric, from the number in the system:
        # the slowest-moving measure, whose memory the latencies share.
        memory = [b.get((SYSTEM, "in_system"), math.nan) for b in batches]
        factor, independent = batch_size(memory)
        self.batches = BATCHES // factor
        if not independent:
            self._warn(
                f"the batch means of this single replication are correlated even in "
                f"{self.batches} batches: the run is short for the system's memory and "
                "its intervals are too narrow; run several replications or a longer run"
            )
        intervals = {
            key: t_interval(
                merged([b.get(key, math.nan) for b in batches], factor), centre=v
            )
            for key, v in whole.items()
        }
        self._warn_single(intervals)
        return intervals

    def _warn_single(self, intervals: dict[tuple[str, str], Interval]) -> None:
        """Say why a single replication's interval is missing or means less."""
        changing = self._changes_over_time()
        if changing:
            self._warn(
                f"{changing}, but batch means assume a steady system: the intervals "
                "of this single replication mix the times of the run; run several "
                "replications"
            )
        missing = [
            f"{node}.{metric}"
            for (node, metric), iv in intervals.items()
            if math.isfinite(iv.mean) and math.isnan(iv.low)
        ]
        if missing:
            shown = ", ".join(missing[:4])
            more = f" and {len(missing) - 4} more" if len(missing) > 4 else ""
            self._warn(
                f"no interval for {shown}{more}: some batches of this single "
                "replication have no figure for them (no message arrived or was "
                "served, or no consumer was on duty, in the batch); run several "
                "replications or a longer run"
            )

    def _changes_over_time(self) -> str:
        """What in the scenario changes over time, or '' if nothing does."""
        parts = [
            f"the rate of producer {name} follows a profile"
            for name, producer in self.scenario.producers.items()
            if producer.arrivals.process == "profile"
            and len(set(producer.arrivals.rates)) > 1
        ]
        parts += [
            f"the consumer count of queue {name} follows a schedule"
            for name, queue in self.scenario.queues.items()
            if queue.consumers.staffing is not None
            and queue.consumers.staffing.constant is None
        ]
        return " and ".join(parts)

    @cached_property
    def prediction(self) -> Any:
        """What queueing theory predicts for the scenario (see :func:`pushsim.theory.predict`)."""
        from pushsim.theory import predict

        return predict(self.scenario)

    @cached_property
    def _clipped_intervals(self) -> dict[tuple[str, str], Interval]:
        """The intervals held to each metric's range: nothing below 0, shares up to 1."""
        out = {}
        for key, iv in self._intervals.items():
            if math.isnan(iv.low):
                out[key] = iv
                continue
            top = 1.0 if unit_of(key[1]) == "ratio" else math.inf
            # A mean above the range (a utilisation just after a schedule's
            # decrease, see pushsim.scenario.staffing) keeps its whole interval.
            top = math.inf if iv.mean > top else top
            out[key] = Interval(iv.mean, max(iv.low, 0.0), min(iv.high, top))
        return out

    @cached_property
    def summary(self) -> pd.DataFrame:
        """One row per node and metric with its interval and theory's figure.

        Columns: ``node, metric, mean, ci_low, ci_high, unit`` and
        ``theory, theory_model, theory_exact`` (NaN and empty where theory has
        no figure for the node; ``theory_exact`` is False for approximations).
        """
        rows = [
            (node, metric, iv.mean, iv.low, iv.high, unit_of(metric))
            for (node, metric), iv in self._clipped_intervals.items()
        ]
        frame = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
        theory = self.prediction.to_frame()
        theory = theory[theory["value"].notna()]
        theory = theory.rename(
            columns={
                "value": "theory",
                "model": "theory_model",
                "exact": "theory_exact",
            }
        )[["node", "metric", *THEORY_COLUMNS]]
        frame = frame.merge(theory, on=["node", "metric"], how="left")
        frame["theory_model"] = frame["theory_model"].fillna("")
        frame["theory_exact"] = frame["theory_exact"].fillna(False).astype(bool)
        order = {name: i for i, name in enumerate([SYSTEM, *self.scenario.queues])}
        frame = frame.sort_values("node", key=lambda s: s.map(order), kind="stable")
        return frame.reset_index(drop=True)

    def interval(self, node: str, metric: str) -> Interval:
        """The estimate and interval of one metric: ``(mean, low, high)``."""
        if node != SYSTEM and node not in self.scenario.queues:
            nodes = ", ".join([SYSTEM, *self.scenario.queues])
            raise KeyError(f"no node {node!r}; the nodes are {nodes}")
        try:
            return self._clipped_intervals[(node, metric)]
        except KeyError:
            known = sorted({m for _, m in self._intervals})
            raise KeyError(
                f"no metric {metric!r} for node {node!r}; known: {known}"
            ) from None

    @cached_property
    def messages(self) -> pd.DataFrame:
        """One row per visit of a message to a queue, over every replication."""
        frames = [_messages(run) for run in self.runs]
        return pd.concat(frames, ignore_index=True)

    @cached_property
    def slo(self) -> pd.DataFrame:
        """Each SLO of the scenario with its estimate, interval and verdict.

        The verdict is ``pass`` when the whole interval meets the objective,
        ``fail`` when the whole interval misses it, and ``inconclusive``
        when the interval straddles the limit.
        """
        rows = []
        for slo in self.scenario.experiment.slo:
            iv = self._clipped_intervals.get(
                (slo.node, slo.metric), Interval(math.nan, math.nan, math.nan)
            )
            rows.append(
                {
                    "slo": slo.text,
                    "node": slo.node,
                    "metric": slo.metric,
                    "op": slo.op,
                    "limit": slo.limit,
                    "mean": iv.mean,
                    "ci_low": iv.low,
                    "ci_high": iv.high,
                    "verdict": verdict(slo.holds, iv),
                }
            )
        columns = [
            "slo",
            "node",
            "metric",
            "op",
            "limit",
            "mean",
            "ci_low",
            "ci_high",
            "verdict",
        ]
        return pd.DataFrame(rows, columns=columns)

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-ready document."""
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "replications": self.replications,
            "version": __version__,
            "engine": self.engine,
            "confidence": self.ci_method,
            "partial": self.partial,
            "rows": [
                {k: _json_value(v) for k, v in row.items()}
                for row in self.summary.to_dict(orient="records")
            ],
            "slo": [
                {k: _json_value(v) for k, v in row.items()}
                for row in self.slo.to_dict(orient="records")
            ],
            "conservation": list(self.conservation),
            "warmup": [
                {
                    "replication": w.replication,
                    "from": w.instant,
                    "horizon": w.horizon,
                    "settled": w.settled,
                }
                for w in self.warmups
            ],
            "warnings": list(self.notes),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The summary as a JSON document (NaN and infinity as null)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def _repr_html_(self) -> str:
        table = self.summary.pivot(index="metric", columns="node", values="mean")
        head = (
            f"<p><b>{self.scenario.name}</b>: {self.engine}, {self.replications} "
            f"replication(s), seed {self.seed}; {self.ci_method}</p>"
        )
        return head + table.to_html(float_format=lambda v: f"{v:.4g}")

    def __repr__(self) -> str:
        return (
            f"<Result {self.scenario.name!r}: {self.engine}, {self.replications} "
            f"replication(s), seed {self.seed}>"
        )


def verdict(holds: Any, iv: Interval) -> str:
    """``pass``, ``fail`` or ``inconclusive`` for an objective and an interval."""
    if math.isnan(iv.mean):
        return "inconclusive"
    if math.isnan(iv.low) or math.isnan(iv.high):
        if math.isinf(iv.mean):
            return "pass" if holds(iv.mean) else "fail"
        return "inconclusive"
    low, high = holds(iv.low), holds(iv.high)
    if low and high:
        return "pass"
    if not low and not high:
        return "fail"
    return "inconclusive"


def _json_value(value: Any) -> Any:
    """A JSON-ready value: NaN (no figure) as null, infinity as the text "inf"."""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        return (
            float(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
        )
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _messages(run: Run) -> pd.DataFrame:
    c = run.columns
    producer_names = list(dict.fromkeys(p for p, _ in run.classes))
    producer_of_class = np.asarray([producer_names.index(p) for p, _ in run.classes])
    return pd.DataFrame(
        {
            "replication": np.full(c["message"].size, run.replication, dtype=np.int32),
            "message": c["message"],
            "published": c["published"],
            "producer": pd.Categorical.from_codes(
                producer_of_class[c["class_id"]], categories=producer_names
            ),
            "class": pd.Categorical.from_codes(
                c["class_id"], categories=[f"{p}.{k}" for p, k in run.classes]
            ),
            "node": pd.Categorical.from_codes(c["node_id"], categories=list(run.nodes)),
            "created_at": c["created_at"],
            "enqueued_at": c["enqueued_at"],
            "started_at": c["started_at"],
            "finished_at": c["finished_at"],
            "outcome": pd.Categorical.from_codes(
                c["outcome"], categories=list(OUTCOMES)
            ),
        }
    )
