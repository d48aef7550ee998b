"""Service-level objectives: ``[NODE.]METRIC OP VALUE``.

``p99 <= 200ms`` bounds the end-to-end sojourn's 99th percentile;
``push.utilisation <= 80%`` bounds one node's utilisation; ``wait_p80 <= 60s``
reads "80 % of messages wait at most a minute". ``pNN`` alone is short for
``sojourn_pNN``. The value takes the unit of its metric: a duration for times,
a rate for rates, a share for rates of loss and for utilisation, a number for
queue lengths.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from pushsim.quantities import parse_duration, parse_rate, parse_share

__all__ = ["SLO", "metric_kind", "parse_slo", "percentile_name"]

SYSTEM = "system"

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}

_SLO_RE = re.compile(
    r"^\s*(?:(?P<node>[A-Za-z_][A-Za-z0-9_-]*)\.)?(?P<metric>[A-Za-z_][A-Za-z0-9_.]*?)"
    r"\s*(?P<op><=|>=|<|>)\s*(?P<value>\S.*?)\s*$"
)
_PERCENTILE_RE = re.compile(
    r"^(?:(?P<family>sojourn|wait|service)_)?p(?P<q>\d+(?:\.\d+)?)$"
)

#: Metrics by kind of value; percentile metrics (``sojourn_p99``) are times.
_KINDS: dict[str, str] = {
    "offered_rate": "rate",
    "throughput": "rate",
    "drop_rate": "share",
    "expiry_rate": "share",
    "loss_rate": "share",
    "utilisation": "share",
    "queue_length": "number",
    "in_system": "number",
    "sojourn_mean": "time",
    "wait_mean": "time",
    "service_mean": "time",
    "block_mean": "time",
    "fanout_sojourn_mean": "time",
}


def percentile_name(q: float) -> str:
    """The metric suffix of percentile ``q``: 50 -> ``p50``, 99.9 -> ``p999``."""
    text = f"{q:g}"
    return "p" + text.replace(".", "")


def _canonical_metric(metric: str) -> tuple[str, float | None]:
    """The full metric name and, for a percentile, its level in percent."""
    match = _PERCENTILE_RE.match(metric)
    if match is None:
        return metric, None
    q = float(match.group("q"))
    if not 0.0 < q < 100.0:
        raise ValueError(f"percentile {metric!r} must lie strictly between p0 and p100")
    family = match.group("family") or "sojourn"
    return f"{family}_{percentile_name(q)}", q


def metric_kind(metric: str) -> str | None:
    """``time``, ``rate``, ``share`` or ``number`` for a known metric, else None."""
    if metric in _KINDS:
        return _KINDS[metric]
    if _PERCENTILE_RE.match(metric) or re.match(r"^(fanout_)?sojourn_p\d+$", metric):
        return "time"
    return None


_PARSERS: dict[str, Callable[[object], float]] = {
    "time": parse_duration,
    "rate": parse_rate,
    "share": parse_share,
    "number": lambda value: float(value),  # type: ignore[arg-type]
}


@dataclass(frozen=True)
class SLO:
    """One objective: ``metric`` of ``node`` compared by ``op`` with ``limit``."""

    text: str
    node: str
    metric: str
    op: str
    limit: float
    percentile: float | None = None

    def holds(self, value: float) -> bool:
        """Whether a measured or predicted value meets the objective."""
        return _OPERATORS[self.op](value, self.limit)

    @property
    def upper(self) -> bool:
        """True for an upper bound (``<=``, ``<``), False for a lower bound."""
        return self.op in ("<=", "<")


def parse_slo(text: object) -> SLO:
    """Parse ``[NODE.]METRIC OP VALUE``; raise ValueError naming what is wrong."""
    if not isinstance(text, str):
        raise ValueError(f"must be a text such as 'p99 <= 200ms', got {text!r}")
    match = _SLO_RE.match(text)
    if match is None:
        raise ValueError(
            f"must read '[NODE.]METRIC OP VALUE' such as 'p99 <= 200ms' or "
            f"'push.utilisation <= 80%', got {text!r}"
        )
    metric, q = _canonical_metric(match.group("metric"))
    kind = metric_kind(metric)
    if kind is None:
        known = ", ".join([*_KINDS, "pNN", "wait_pNN", "service_pNN"])
        raise ValueError(
            f"unknown metric {match.group('metric')!r} in {text!r}; use {known}"
        )
    try:
        limit = _PARSERS[kind](match.group("value"))
    except (TypeError, ValueError) as error:
        raise ValueError(f"bad limit in {text!r}: {error}") from None
    _check_limit(kind, limit, text, match.group("value"))
    node = match.group("node") or SYSTEM
    op = match.group("op")
    if node == SYSTEM and metric in _PER_QUEUE:
        raise ValueError(
            f"the system has no {metric} (it is measured per queue), got {text!r}; "
            f"name the queue, such as 'push.{metric} {op} {match.group('value')}'"
        )
    return SLO(text.strip(), node, metric, op, limit, q)


#: Metrics that only a queue has, not the system as a whole.
_PER_QUEUE = frozenset({"utilisation"})

#: What a limit of each kind must be: the test and the rule, said to the user.
_LIMITS: dict[str, tuple[Callable[[float], bool], str]] = {
    "share": (lambda x: 0.0 <= x <= 1.0, "a share must be between 0 and 100%"),
    "time": (lambda x: x >= 0.0, "a time limit must be >= 0"),
    "rate": (lambda x: x >= 0.0, "a rate limit must be >= 0"),
    "number": (
        lambda x: math.isfinite(x) and x >= 0.0,
        "a limit on a number of messages must be a finite number >= 0",
    ),
}


def _check_limit(kind: str, limit: float, text: str, written: str) -> None:
    """Refuse a limit that no value of its metric can be compared with."""
    holds, rule = _LIMITS[kind]
    if not holds(limit):
        raise ValueError(f"bad limit in {text!r}: {rule}, got {written}")
