"""``fit(trace)``: a scenario's inputs estimated from a log of real messages.

From one trace (see :mod:`.trace`) it estimates

- the arrival rate by interval, with its exact Poisson band (:mod:`.rates`),
  along the trace's timeline or folded over a period such as a day;
- the service-time law: every candidate of :mod:`.laws` fitted by maximum
  likelihood to the service times of the served messages, the smallest AIC
  chosen;
- patience, from the waits of served and abandoned messages as censored data
  (:mod:`.patience`), where the trace has waits and outcomes;
- the most messages in service at once (service starts at arrival plus wait,
  ends a service time later): a lower bound on the consumers that were at
  work, and the consumer count a scenario gets unless it is given one.

The result is a frozen :class:`Fit` of tidy DataFrames, and writes itself
as a scenario (:meth:`Fit.to_scenario`, :meth:`Fit.to_yaml`).

Assumptions: one queue, one class of message, consumers alike; arrivals
Poisson within each interval (a profile is a piecewise-constant Poisson
process); service times and patience independent and identically
distributed.

Limits: priorities, message types and a consumer count that changes over the
day are not fitted; the scenario gets one consumer count for the whole
period.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pushsim.errors import PushsimError
from pushsim.fit.laws import (
    CANDIDATES,
    DURATION_PARAMETERS,
    MIN_OBSERVATIONS,
    LawFit,
    candidate_table,
    fit_laws,
)
from pushsim.fit.observed import observed_metrics, observed_rows, summary_row
from pushsim.fit.patience import PatienceFit, fit_patience
from pushsim.fit.rates import arrival_rates
from pushsim.fit.trace import Trace, as_trace
from pushsim.quantities import format_duration, parse_duration

__all__ = ["Fit", "fit", "peak_in_service"]

log = logging.getLogger("pushsim.fit")

SUMMARY_COLUMNS = ["quantity", "value", "low", "high", "unit", "method"]
DAY = 86400.0
#: Why service values of messages not served are left out.
_ONLY_SERVED = "only a served message has a service time"


@dataclass(frozen=True)
class Fit:
    """What a trace says about arrivals, service and patience.

    ``rates`` is the table of :func:`pushsim.fit.rates.arrival_rates`
    (seconds from the trace's origin, rates per second); ``service`` the
    chosen service law and ``service_candidates`` every law tried;
    ``patience`` the patience fit, or None where the trace shows no
    abandonment; ``peak_in_service`` the most messages in service at once.
    """

    trace: Trace
    interval: float | None
    period: float | None
    confidence: float
    rates: pd.DataFrame
    service: LawFit | None
    service_candidates: pd.DataFrame | None
    service_times: np.ndarray
    service_fits: tuple[LawFit, ...]
    patience: PatienceFit | None
    peak_in_service: int | None
    notes: tuple[str, ...] = ()

    @property
    def arrivals(self) -> int:
        """Messages counted in the rates."""
        return int(self.rates["arrivals"].sum())

    @property
    def mean_rate(self) -> float:
        """Arrivals per second over the whole table's exposure."""
        return self.arrivals / float(self.rates["exposure_time"].sum())

    @property
    def observed_metrics(self) -> tuple[str, ...]:
        """The run metrics that match what the log saw (``expiry_rate``, ...)."""
        return tuple(observed_metrics(self.trace))

    def _repr_html_(self) -> str:
        return str(self.summary.to_html(index=False, float_format=lambda v: f"{v:.4g}"))

    @property
    def summary(self) -> pd.DataFrame:
        """One row per fitted quantity: value, band, unit and how it was found."""
        rows: list[dict[str, Any]] = []
        level = f"{100 * self.confidence:g}%"
        rows.append(
            summary_row(
                "mean arrival rate",
                self.mean_rate,
                None,
                None,
                "1/s",
                f"arrivals / exposure over {len(self.rates)} intervals",
            )
        )
        peak = self.rates.loc[self.rates["rate"].idxmax()]
        rows.append(
            summary_row(
                "peak interval rate",
                peak["rate"],
                peak["rate_low"],
                peak["rate_high"],
                "1/s",
                f"exact Poisson (Garwood) {level}",
            )
        )
        if self.service is not None:
            rows.extend(
                _law_rows("service", self.service, "maximum likelihood, least AIC")
            )
        if self.patience is not None:
            p = self.patience
            rows.append(
                summary_row(
                    "patience mean (exponential)",
                    p.mean,
                    p.mean_low,
                    p.mean_high,
                    "s",
                    p.method,
                )
            )
        rows.extend(observed_rows(self.trace, self.confidence))
        if self.peak_in_service is not None:
            rows.append(
                summary_row(
                    "most in service at once",
                    self.peak_in_service,
                    None,
                    None,
                    "messages",
                    "service intervals overlaid",
                )
            )
        return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)

    def to_scenario(self, **options: Any) -> dict[str, Any]:
        """The fitted scenario as a mapping that :func:`pushsim.load_scenario` takes.

        Options (all keyword): ``consumers`` (default :attr:`peak_in_service`),
        ``name``, ``seed`` (1), ``replications`` (10), ``producer`` and
        ``queue`` (node names), ``slo`` (a list of SLO strings).
        """
        from pushsim.fit.scenario import scenario_mapping

        return scenario_mapping(self, **options)

    def to_yaml(self, **options: Any) -> str:
        """The fitted scenario as YAML text, each number commented with its source."""
        from pushsim.fit.scenario import scenario_yaml

        return scenario_yaml(self, **options)


def _law_rows(what: str, law: LawFit, method: str) -> list[dict[str, Any]]:
    rows = []
    if law.law == "deterministic":
        method = law.note
    for name, value in law.parameters.items():
        se = law.standard_errors.get(name, np.nan)
        unit = "s" if name in DURATION_PARAMETERS else "ratio" if name == "cv" else ""
        rows.append(
            summary_row(
                f"{what} {law.law} {name}",
                value,
                value - 1.96 * se,
                value + 1.96 * se,
                unit,
                f"{method}; band: 1.96 standard errors",
            )
        )
    return rows


def peak_in_service(trace: Trace) -> int | None:
    """The most served messages whose service intervals overlap at one instant."""
    frame = trace.messages
    served = frame[(frame["outcome"] == "served") & frame["service_time"].notna()]
    if served.empty:
        return None
    starts = (served["arrival_at"] + served["wait_time"].fillna(0.0)).to_numpy()
    ends = starts + served["service_time"].to_numpy()
    times = np.concatenate([starts, ends])
    steps = np.concatenate([np.ones(starts.size), -np.ones(ends.size)])
    # at one instant a finish comes before a start: the freed consumer takes it
    order = np.lexsort((steps, times))
    return max(1, int(np.cumsum(steps[order]).max()))


def _seconds(value: str | float | None, what: str) -> float | None:
    if value is None:
        return None
    try:
        seconds = parse_duration(value)
    except (TypeError, ValueError) as error:
        raise PushsimError(f"{what}: {error}") from None
    if seconds <= 0:
        raise PushsimError(f"{what}: must be a duration > 0, got {value!r}")
    return seconds


def _service(
    trace: Trace, candidates: Sequence[str]
) -> tuple[list[LawFit], pd.DataFrame | None, np.ndarray, list[str]]:
    frame = trace.messages
    served = frame["outcome"] == "served"
    times = frame.loc[served, "service_time"].dropna().to_numpy()
    unserved = trace.unserved_services()
    notes = (
        [
            f"{unserved} left out of the service fit and of the most in service at "
            f"once: {_ONLY_SERVED}"
        ]
        if unserved
        else []
    )
    if times.size == 0:
        return [], None, times, notes
    zeros = int((times == 0).sum())
    if zeros:
        notes.append(
            f"{zeros} service times of 0 left out of the service fit (a law on (0, inf) "
            "gives them no density)"
        )
    positive = times[times > 0]
    if positive.size < MIN_OBSERVATIONS:
        column = trace.columns.get("service", "service")
        given = (
            f"all {times.size} service times are 0"
            if positive.size == 0
            else f"{positive.size} of its {times.size} service times are > 0"
        )
        left = f"; {unserved} are left out, as {_ONLY_SERVED}" if unserved else ""
        raise PushsimError(
            f"{trace.source}: column {column!r}: {given}; a service law needs at "
            f"least {MIN_OBSERVATIONS} positive times to fit{left}"
        )
    fits = fit_laws(positive, candidates=candidates)
    failed = [f for f in fits if not f.fitted]
    if fits[0].law == "deterministic":
        value = format_duration(fits[0].parameters["value"])
        notes.append(
            f"all {positive.size} service times are {value} (no spread), so the "
            "service law is deterministic"
        )
    elif failed:
        notes += [f"service law {f.law}: {f.note}" for f in failed]
    return fits, candidate_table(fits, fits[0]), positive, notes


def _patience(
    trace: Trace, law: str, candidates: Sequence[str], confidence: float
) -> PatienceFit | None:
    frame = trace.messages
    if not (trace.has("wait") and trace.has("outcome")):
        return None
    usable = frame["outcome"].isin(["served", "abandoned"]) & frame["wait_time"].notna()
    if not (usable & (frame["outcome"] == "abandoned")).any():
        return None
    return fit_patience(
        frame.loc[usable, "wait_time"].to_numpy(),
        (frame.loc[usable, "outcome"] == "abandoned").to_numpy(),
        law=law,
        candidates=candidates,
        confidence=confidence,
        where=f"{trace.source}: column {trace.columns['wait']!r} (patience)",
    )


def _patience_notes(
    patience: PatienceFit | None, candidates: Sequence[str]
) -> list[str]:
    """What the patience fit did with the abandonments after a wait of 0."""
    if patience is None or not patience.abandoned_at_zero:
        return []
    zeros, total = patience.abandoned_at_zero, patience.abandoned
    counted = (
        f"{zeros} abandonments after a wait of 0 counted in the exponential patience "
        f"(all {total} abandonments; they add no time)"
    )
    others = [law for law in candidates if law != "exponential"]
    if total - zeros < MIN_OBSERVATIONS:
        return [
            f"{counted}; no other law is fitted, as that needs {MIN_OBSERVATIONS} "
            f"abandonments after a wait > 0 and there are {total - zeros}"
        ]
    if not others:
        return [counted]
    return [
        f"{counted} but left out of the {_listed(others)} fits and of the ranking "
        f"by AIC, which compares every law on the other {total - zeros} (a law on "
        "(0, inf) gives a patience of 0 no density)"
    ]


def _listed(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def fit(
    trace: str | Path | pd.DataFrame | Trace,
    *,
    columns: Mapping[str, str] | str | None = None,
    interval: str | float | None = "1h",
    period: str | float | None = None,
    dates: Sequence[str] | None = None,
    confidence: float = 0.95,
    candidates: Sequence[str] = CANDIDATES,
    patience: str = "exponential",
) -> Fit:
    """Fit arrival rates, the service law and patience to a trace.

    ``trace`` is a CSV path, a DataFrame or a :class:`Trace`; ``columns`` maps
    roles to its columns (``{"arrival": "q_start", "service": "ser_time"}`` or
    ``"arrival=q_start,service=ser_time"``). ``interval`` is the length of a
    rate interval (None: one rate for the whole trace); ``period`` folds the
    intervals over a period (``"1d"``: one daily profile from several days);
    ``dates`` keeps only the arrivals on those calendar days, and the rates
    count those whole days as observed (else the trace is observed from its
    first arrival to its last). ``patience`` is
    ``exponential`` or ``best`` (least AIC), the law the scenario gets.
    """
    data = as_trace(trace, columns)
    observed = None
    if dates is not None:
        data = on_dates(data, dates)
        observed = _days_observed(data)
    width = _seconds(interval, "interval")
    fold = _seconds(period, "period")
    rates = arrival_rates(
        data.messages["arrival_at"].to_numpy(),
        interval=width,
        period=fold,
        confidence=confidence,
        observed=observed,
        source=data.source,
    )
    fits, table, times, notes = _service(data, candidates)
    patience_fit = _patience(data, patience, candidates, confidence)
    notes = [*data.notes, *notes, *_patience_notes(patience_fit, candidates)]
    for note in notes:
        log.info("%s: %s", data.source, note)
    return Fit(
        trace=data,
        interval=width,
        period=fold,
        confidence=confidence,
        rates=rates,
        service=fits[0] if fits else None,
        service_candidates=table,
        service_times=times,
        service_fits=tuple(fits),
        patience=patience_fit,
        peak_in_service=peak_in_service(data),
        notes=tuple(notes),
    )


def _days_observed(trace: Trace) -> list[tuple[float, float]]:
    """The whole calendar days of the messages selected by date, as windows."""
    days = np.unique(np.floor(trace.messages["arrival_at"].to_numpy() / DAY))
    return [(day * DAY, (day + 1) * DAY) for day in days.tolist()]


def on_dates(trace: Trace, dates: Sequence[str]) -> Trace:
    """The messages that arrived on the given calendar days, timed from the first one."""
    if trace.origin is None:
        raise PushsimError(
            "dates: the trace's arrival times are plain seconds, with no calendar "
            "date to select by"
        )
    try:
        wanted = {pd.Timestamp(d).normalize() for d in dates}
    except (ValueError, TypeError) as error:
        raise PushsimError(
            f"dates: must be dates YYYY-MM-DD, got {list(dates)} ({error})"
        ) from None
    frame = trace.messages
    day = (trace.origin + pd.to_timedelta(frame["arrival_at"], unit="s")).dt.normalize()
    chosen = day.isin(wanted).to_numpy()
    kept = frame[chosen].reset_index(drop=True)
    if kept.empty:
        shown = ", ".join(sorted(d.strftime("%Y-%m-%d") for d in wanted))
        raise PushsimError(f"dates: no message arrived on {shown}")
    first = day[chosen].min()
    shift = (first - trace.origin).total_seconds()
    kept["arrival_at"] = kept["arrival_at"] - shift
    return Trace(kept, first, trace.columns, trace.source, trace.notes)
