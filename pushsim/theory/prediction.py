"""What the theory predicts for a scenario: per queue, end to end, per SLO.

:func:`pushsim.theory.predict` returns a :class:`Prediction`. Each queue has a
:class:`NodePrediction` that names the model used and the assumptions under
which it holds, or says why no model covers that queue; the whole system has
a :class:`SystemPrediction`. Values are read by the metric names of the
simulation's results (``sojourn_mean``, ``wait_p99``, ``drop_rate``,
``utilisation``, ...), so the two can be put side by side; ``to_frame()``
gives them as a tidy table (node, metric, value, unit, model, exact, stable,
note), and ``slo()`` checks the scenario's SLOs against them.

An unstable queue (load >= 1, unbounded) is reported with ``stable=False``
and infinite mean times, counts and percentiles; a figure the theory cannot
give is NaN in the table, with the reason in ``note``, and raises
:class:`pushsim.errors.PushsimError` from ``value()``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pushsim.errors import PushsimError
from pushsim.scenario import SYSTEM
from pushsim.scenario.slo import SLO, metric_kind, percentile_name
from pushsim.theory.results import (
    AbandonmentMetrics,
    FiniteQueueMetrics,
    QueueMetrics,
    html_table,
)
from pushsim.theory.timelaws import TimeDistribution

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NodePrediction", "Prediction", "SystemPrediction"]

#: Units of the kinds of metric, as the simulation's summary writes them.
UNITS = {"time": "s", "rate": "1/s", "share": "ratio", "number": "messages"}
MEANS = (
    "offered_rate",
    "throughput",
    "drop_rate",
    "expiry_rate",
    "utilisation",
    "queue_length",
    "in_system",
    "wait_mean",
    "sojourn_mean",
    "service_mean",
)
_PERCENTILE = re.compile(r"^(?:(?P<family>sojourn|wait)_)?p(?P<digits>\d+(?:\.\d+)?)$")


def percentile_level(metric: str) -> tuple[str, float] | None:
    """(family, level in percent) of ``sojourn_p99``, ``wait_p999``, ``p99.9``."""
    match = _PERCENTILE.match(metric)
    if match is None:
        return None
    digits = match.group("digits")
    if "." not in digits and len(digits) > 2:  # percentile_name drops the dot
        digits = digits[:2] + "." + digits[2:]
    elif "." not in digits and digits.startswith("0") and len(digits) > 1:
        digits = "0." + digits[1:]
    return match.group("family") or "sojourn", float(digits)


@dataclass(frozen=True, kw_only=True)
class _Coverage:
    """What a node's or the system's prediction says of itself."""

    covered: bool
    model: str
    exact: bool
    stable: bool | None
    assumptions: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class NodePrediction(_Coverage):
    """The theory's figures for one queue, or why it gives none.

    ``metrics`` is the station's result record (None when not covered);
    ``assumptions`` are the conditions under which the model holds, in
    words; ``reasons`` say why the queue is not covered (empty when it is).
    """

    node: str
    metrics: QueueMetrics | None = field(repr=False)
    service_mean: float

    def value(self, metric: str) -> float:
        """One figure by its results name: ``wait_mean``, ``sojourn_p99``, ..."""
        if self.metrics is None:
            raise PushsimError(
                f"{self.node}: not covered by the theory: " + "; ".join(self.reasons)
            )
        m = self.metrics
        level = percentile_level(metric)
        if level is not None:
            family, q = level
            if family == "wait" and isinstance(m, AbandonmentMetrics):
                return m.served_wait_quantile(q / 100.0)
            law = m.wait_distribution if family == "wait" else m.sojourn_distribution
            return law.quantile(q / 100.0)
        # The simulation times served messages only; so do these figures.
        wait, sojourn, expiry = m.mean_wait, m.mean_sojourn, 0.0
        if isinstance(m, AbandonmentMetrics):
            wait, sojourn = m.mean_wait_served, m.mean_sojourn_served
            expiry = m.abandonment_probability
        values = {
            "offered_rate": m.arrival_rate,
            "throughput": m.throughput,
            "drop_rate": m.loss_probability
            if isinstance(m, FiniteQueueMetrics)
            else 0.0,
            "expiry_rate": expiry,
            "loss_rate": m.loss_probability,
            "utilisation": m.utilisation,
            "queue_length": m.mean_queue_length,
            "in_system": m.mean_in_system,
            "wait_mean": wait,
            "sojourn_mean": sojourn,
            "service_mean": self.service_mean,
        }
        return _lookup(values, metric, self.node)


@dataclass(frozen=True, kw_only=True)
class SystemPrediction(_Coverage):
    """End-to-end figures per delivery, from producer to the last service.

    Mean times are those of completed deliveries; ``wait_mean`` is the time
    not in service. The distributions exist only where every delivery
    visits exactly one queue (then the end-to-end law is a mixture of the
    queues' laws); otherwise the percentile methods raise.
    """

    figures: dict[str, float]
    wait_distribution: TimeDistribution | None = field(repr=False, default=None)
    sojourn_distribution: TimeDistribution | None = field(repr=False, default=None)

    def value(self, metric: str) -> float:
        """One end-to-end figure by its results name."""
        if not self.covered:
            raise PushsimError(
                "system: not covered by the theory: " + "; ".join(self.reasons)
            )
        level = percentile_level(metric)
        if level is not None:
            family, q = level
            law = (
                self.wait_distribution
                if family == "wait"
                else self.sojourn_distribution
            )
            if law is None:
                raise PushsimError(
                    f"system: no end-to-end {family} distribution here ({self.model}); "
                    "messages visit several queues, whose times are not independent in "
                    "general; simulate the scenario for percentiles"
                )
            return law.quantile(q / 100.0)
        return _lookup(self.figures, metric, SYSTEM)


@dataclass(frozen=True)
class Prediction:
    """The theory's view of a whole scenario: every queue and end to end."""

    scenario: str
    nodes: tuple[NodePrediction, ...]
    system: SystemPrediction
    percentiles: tuple[float, ...]
    slos: tuple[SLO, ...] = field(repr=False, default=())

    @property
    def covered(self) -> bool:
        """Whether the theory covers every queue and the system end to end."""
        return self.system.covered and all(node.covered for node in self.nodes)

    @property
    def stable(self) -> bool | None:
        """False if any covered queue is unstable; None if nothing is covered."""
        flags = [node.stable for node in self.nodes if node.stable is not None]
        return all(flags) if flags else None

    def node(self, name: str) -> NodePrediction:
        """The prediction for the queue called ``name``."""
        for node in self.nodes:
            if node.node == name:
                return node
        names = [node.node for node in self.nodes]
        raise PushsimError(f"no queue called {name!r}; the queues are {names}")

    def value(self, node: str, metric: str) -> float:
        """One figure: ``value("system", "sojourn_p99")``, ``value("push", "utilisation")``."""
        return (
            self.system.value(metric)
            if node == SYSTEM
            else self.node(node).value(metric)
        )

    @property
    def summary(self) -> pd.DataFrame:
        """The tidy table of :meth:`to_frame`: ``node, metric, value, model, exact``..."""
        return self.to_frame()

    def to_frame(self) -> pd.DataFrame:
        """A tidy table: one row a node and metric, NaN where not predicted."""
        import pandas as pd

        metrics = [*MEANS]
        for q in self.percentiles:
            metrics += [f"sojourn_{percentile_name(q)}", f"wait_{percentile_name(q)}"]
        parts: list[tuple[str, NodePrediction | SystemPrediction]] = [
            (SYSTEM, self.system)
        ]
        parts += [(node.node, node) for node in self.nodes]
        rows = []
        for name, part in parts:
            for metric in metrics:
                if name == SYSTEM and metric == "utilisation":
                    continue
                value, note = _attempt(part, metric)
                kind = metric_kind(metric) or "number"
                rows.append(
                    {
                        "node": name,
                        "metric": metric,
                        "value": value,
                        "unit": UNITS[kind],
                        "model": part.model,
                        "exact": part.exact,
                        "stable": part.stable,
                        "note": note,
                    }
                )
        return pd.DataFrame(rows)

    def slo(self) -> pd.DataFrame:
        """The scenario's SLOs against the prediction; ``holds`` is None if unknown."""
        import pandas as pd

        rows = []
        for objective in self.slos:
            metric = objective.metric
            if objective.percentile is not None:
                family = metric.split("_p")[0]
                metric = f"{family}_p{objective.percentile:g}"
            part: NodePrediction | SystemPrediction = (
                self.system if objective.node == SYSTEM else self.node(objective.node)
            )
            value, note = _attempt(part, metric)
            rows.append(
                {
                    "slo": objective.text,
                    "node": objective.node,
                    "metric": objective.metric,
                    "limit": objective.limit,
                    "predicted": value,
                    "holds": None if math.isnan(value) else objective.holds(value),
                    "note": note,
                }
            )
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        lines: dict[str, Any] = {"scenario": self.scenario, "system": self.system.model}
        for node in self.nodes:
            lines[node.node] = node.model if node.covered else "not covered"
        lines["stable"] = self.stable
        return html_table(lines)


def _lookup(values: dict[str, float], metric: str, node: str) -> float:
    if metric not in values:
        known = ", ".join([*values, "sojourn_pNN", "wait_pNN"])
        raise PushsimError(
            f"{node}: the theory does not predict {metric!r}; it gives {known}"
        )
    return values[metric]


def _attempt(part: NodePrediction | SystemPrediction, metric: str) -> tuple[float, str]:
    """The value and an empty note, or NaN and the reason it is missing."""
    try:
        return float(part.value(metric)), ""
    except PushsimError as error:
        return math.nan, str(error)
