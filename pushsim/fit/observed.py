"""What a log saw of its queue: the figures a run of the fitted scenario is held against.

A fit estimates the inputs of a queue (arrivals, service, patience); the log
also shows its outputs: how many callers gave up and how long the served
ones waited. These are set beside the fit so that a run of the fitted
scenario can be compared with the record, and a gap between them read (a
consumer count that was not what the log's queue had, patience that is not
exponential, days that differ). Each figure has the run metric it is set
beside (:data:`RUN_METRICS`), and :func:`observed_metrics` names those of a
trace, so that a caller names only the metrics the log observed.
"""

from __future__ import annotations

from typing import Any

from scipy import stats

from pushsim.fit.trace import Trace
from pushsim.quantities import format_value

__all__ = [
    "RUN_METRICS",
    "observed_metrics",
    "observed_rows",
    "observed_text",
    "summary_row",
]

#: The metric of a run of the scenario that each observed figure is set beside.
RUN_METRICS = {
    "abandoned (observed)": "expiry_rate",
    "wait mean (observed)": "wait_mean",
    "wait p80 (observed)": "wait_p80",
}


def observed_rows(trace: Trace, confidence: float = 0.95) -> list[dict[str, Any]]:
    """What the log saw of its queue, to hold a run of the fitted scenario against.

    The share of messages abandoned, over those whose outcome the trace
    gives, with its exact (Clopper-Pearson) binomial band; and the mean and
    the 80th percentile of the waits of the served messages. The waits get
    no band: the waits of one queue are correlated, so a band for independent
    draws would be too narrow. Rows of :attr:`Fit.summary`'s shape; none
    where the trace has no outcome (or no wait).
    """
    if not trace.has("outcome"):
        return []
    messages = trace.messages
    known = messages["outcome"] != "unknown"
    total = int(known.sum())
    if total == 0:
        return []
    abandoned = int((messages["outcome"] == "abandoned").sum())
    tail = (1.0 - confidence) / 2.0
    low = stats.beta.ppf(tail, abandoned, total - abandoned + 1) if abandoned else 0.0
    high = (
        stats.beta.ppf(1.0 - tail, abandoned + 1, total - abandoned)
        if abandoned < total
        else 1.0
    )
    level = f"{100 * confidence:g}%"
    rows = [
        summary_row(
            "abandoned (observed)",
            abandoned / total,
            low,
            high,
            "ratio",
            f"abandoned / messages with an outcome; exact binomial {level}",
        )
    ]
    waits = messages.loc[messages["outcome"] == "served", "wait_time"].dropna()
    if trace.has("wait") and len(waits):
        note = "served messages' waits in the log; no band (waits are correlated)"
        rows.append(
            summary_row("wait mean (observed)", waits.mean(), None, None, "s", note)
        )
        rows.append(
            summary_row(
                "wait p80 (observed)", waits.quantile(0.8), None, None, "s", note
            )
        )
    return rows


def observed_metrics(trace: Trace) -> list[str]:
    """The run metrics to set beside what the log saw, one per :func:`observed_rows` row.

    ``expiry_rate`` where the trace has outcomes, ``wait_mean`` and
    ``wait_p80`` where it also has the waits of served messages; none where
    it has no outcome.
    """
    return [RUN_METRICS[row["quantity"]] for row in observed_rows(trace)]


def observed_text(trace: Trace, confidence: float = 0.95) -> str | None:
    """:func:`observed_rows` in a sentence, or None where the trace has no outcome."""
    rows = {row["quantity"]: row for row in observed_rows(trace, confidence)}
    if not rows:
        return None
    share = rows["abandoned (observed)"]
    text = (
        f"{format_value(share['value'], 'ratio')} abandoned ({100 * confidence:g}% "
        f"{format_value(share['low'], 'ratio')} to "
        f"{format_value(share['high'], 'ratio')})"
    )
    if "wait mean (observed)" in rows:
        mean = rows["wait mean (observed)"]["value"]
        p80 = rows["wait p80 (observed)"]["value"]
        text += (
            f"; the served waited {format_value(mean, 's')} on average, 80% of them "
            f"at most {format_value(p80, 's')}"
        )
    return text


def summary_row(
    quantity: str,
    value: float,
    low: float | None,
    high: float | None,
    unit: str,
    method: str,
) -> dict[str, Any]:
    """One row of a fit's summary: a quantity, its value and band, unit and method."""
    nan = float("nan")
    return {
        "quantity": quantity,
        "value": float(value),
        "low": nan if low is None else float(low),
        "high": nan if high is None else float(high),
        "unit": unit,
        "method": method,
    }
