"""A fit as a report: what was fitted first, then the tables and figures behind it.

The answer gives the arrivals, the busiest interval's rate and band, the
chosen service law, patience and the consumer count; the evidence is the
table of rates, the candidate tables of the service and patience laws, and
the three figures of :mod:`.plots`. :class:`pushsim.report.Report` writes it
(HTML and Markdown, with the scenario and versions at the end).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from pushsim.fit.plots import plot_patience, plot_rates, plot_service
from pushsim.quantities import format_duration

if TYPE_CHECKING:
    from pushsim.fit.fitting import Fit
    from pushsim.report import Report
    from pushsim.scenario import Scenario

__all__ = ["fit_report"]

_HOUR = 3600.0


def _clock(seconds: float, fit: Fit) -> str:
    """An interval's start as a time of day where the trace has one, else a duration."""
    if fit.period is None and fit.trace.origin is None:
        return format_duration(seconds)
    day, rest = divmod(round(seconds), 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return text if day == 0 or fit.period is not None else f"day {day + 1} {text}"


def _answers(fit: Fit, scenario: Scenario | None) -> list[tuple[str, str]]:
    trace = fit.trace
    counts = ", ".join(f"{v} {k}" for k, v in trace.outcome_counts().items() if v)
    peak = fit.rates.loc[fit.rates["rate"].idxmax()]
    level = f"{100 * fit.confidence:g}%"
    answers = [
        ("messages", f"{trace.size} ({counts})"),
        (
            "busiest interval",
            f"{_HOUR * peak['rate']:.4g}/h ({level} {_HOUR * peak['rate_low']:.4g}/h "
            f"to {_HOUR * peak['rate_high']:.4g}/h) from "
            f"{_clock(peak['start_at'], fit)}",
        ),
    ]
    if fit.service is not None:
        se = fit.service.standard_errors.get("mean")
        shown = f"{fit.service.describe()}; mean {format_duration(fit.service.mean)}"
        if se is not None:
            shown += f" ±{format_duration(1.96 * se)}"
        answers.append(("service law (least AIC)", shown))
    if fit.patience is not None:
        p = fit.patience
        answers.append(
            (
                "patience (exponential, censored)",
                f"mean {format_duration(p.mean)} ({level} {format_duration(p.mean_low)} "
                f"to {format_duration(p.mean_high)})",
            )
        )
    if scenario is not None:
        queue = next(iter(scenario.queues.values()))
        answers.append(("consumers in the scenario", queue.consumers.describe_count()))
    return answers


def _rates_table(fit: Fit) -> pd.DataFrame:
    rates = fit.rates
    return pd.DataFrame(
        {
            "from": [_clock(s, fit) for s in rates["start_at"]],
            "arrivals": rates["arrivals"],
            "observed (h)": (rates["exposure_time"] / _HOUR).round(3),
            "rate (/h)": (_HOUR * rates["rate"]).round(2),
            "low (/h)": (_HOUR * rates["rate_low"]).round(2),
            "high (/h)": (_HOUR * rates["rate_high"]).round(2),
            "dispersion": rates["dispersion"].round(2),
        }
    )


def fit_report(
    fit: Fit, *, scenario: Scenario | None = None, command: str = ""
) -> Report:
    """The report of a fit; ``scenario`` is the scenario written from it."""
    from pushsim.report import Report

    report = Report(f"Fit of {fit.trace.source}", scenario=scenario, command=command)
    report.answer(_answers(fit, scenario))
    report.text(
        "Rates: arrivals over exposure in each interval (the time the trace "
        "observed of it, from its first arrival to its last), with the exact "
        "Poisson (Garwood) band; folded over a period, the dispersion is the "
        "variance over the mean of the counts across the periods that observed "
        "all of the interval (about 1 when they are alike). "
        "Laws: maximum likelihood (scipy.stats, location 0), ranked by AIC, with "
        "the Kolmogorov-Smirnov and Anderson-Darling distances for complete data. "
        "Patience: the waits of the served are right-censored patience times."
    )
    for note in fit.notes:
        report.text(f"Note: {note}")
    report.table(_rates_table(fit), caption="arrival rate by interval")
    report.figure("rates", plot_rates(fit), caption="arrival rate and its band")
    if fit.service_candidates is not None:
        report.table(fit.service_candidates, caption="service-time laws, by AIC")
        report.figure("service", plot_service(fit), caption="service times and laws")
    if fit.patience is not None:
        report.table(
            fit.patience.candidates, caption="patience laws (censored), by AIC"
        )
        report.figure(
            "patience", plot_patience(fit), caption="Kaplan-Meier and fitted laws"
        )
    return report
