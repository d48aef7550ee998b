"""A :class:`~pushsim.fit.fitting.Fit` written out as a scenario that runs as is.

The scenario has one producer and one queue. Its arrivals are a rate
``profile`` (Poisson at the fitted rate of each interval; repeating when the
fit was folded over a period, else ending with the trace's last interval),
or Poisson at the one rate when there is a single interval; an interval the
trace never observed gets a rate of 0. The queue's consumers get the chosen
service law, and its ``ttl`` the patience law when the trace shows
abandonment. The run lasts one period, or, along the timeline, from the
start of the first interval to the trace's last arrival (one rate: the
trace's span), and a profile starts empty, with no warm-up cut.

The YAML text carries the same values as the mapping, each commented with
where it came from: the counts and bands of the rates, the candidate table
of the service and patience laws, the rule for the consumer count.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pushsim.errors import PushsimError
from pushsim.fit.laws import DURATION_PARAMETERS, LawFit
from pushsim.fit.observed import observed_text
from pushsim.quantities import format_duration

if TYPE_CHECKING:
    from pushsim.fit.fitting import Fit

__all__ = ["scenario_mapping", "scenario_yaml"]

DAY = 86400.0
_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def _seconds(value: float) -> str:
    return f"{value:.6g}s"


def _rate_unit(fit: Fit) -> tuple[str, float]:
    """The unit that keeps the profile's rates readable: /s, /min or /h."""
    peak = float(fit.rates["rate"].max())
    if peak >= 10.0:
        return "/s", 1.0
    if peak * 60.0 >= 10.0:
        return "/min", 60.0
    return "/h", 3600.0


def _rate(value: float, unit: tuple[str, float]) -> str:
    return f"{value * unit[1]:.6g}{unit[0]}"


def _short(value: float, unit: tuple[str, float]) -> str:
    return f"{value * unit[1]:.4g}{unit[0]}"


def _node(name: str, what: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
        raise PushsimError(
            f"{what}: must be a node name (letters, digits, '_' or '-', not first a "
            f"digit or '-'), got {name!r}"
        )
    return name


def _law(law: LawFit) -> dict[str, Any]:
    written: dict[str, Any] = {"law": law.law}
    for key, value in law.parameters.items():
        written[key] = (
            _seconds(value) if key in DURATION_PARAMETERS else float(f"{value:.6g}")
        )
    return written


def _consumers(fit: Fit, consumers: int | None) -> int:
    if consumers is None:
        if fit.peak_in_service is None:
            raise PushsimError(
                "consumers: the trace has no served message with a service time to "
                "count them from; give the number of consumers"
            )
        return fit.peak_in_service
    if isinstance(consumers, bool) or not isinstance(consumers, int) or consumers < 1:
        raise PushsimError(f"consumers: must be a whole number >= 1, got {consumers!r}")
    return consumers


def _arrivals(fit: Fit) -> dict[str, Any]:
    unit = _rate_unit(fit)
    # an interval the trace never observed gets no arrivals
    rates = np.nan_to_num(fit.rates["rate"].to_numpy(), nan=0.0)
    if rates.size == 1:
        return {"process": "poisson", "rate": _rate(float(rates[0]), unit)}
    width = float(fit.rates["end_at"].iloc[0] - fit.rates["start_at"].iloc[0])
    return {
        "process": "profile",
        "interval": format_duration(width) if _exact(width) else _seconds(width),
        "repeat": fit.period is not None,
        "rates": [_rate(float(r), unit) for r in rates],
    }


def _exact(seconds: float) -> bool:
    from pushsim.quantities import parse_duration

    return parse_duration(format_duration(seconds)) == seconds


def _observed(fit: Fit) -> tuple[float, float]:
    """The window the rates were counted over, seconds on the trace's clock."""
    rates, attrs = fit.rates, fit.rates.attrs
    start = attrs.get("observed_from", rates["start_at"].iloc[0])
    return float(start), float(attrs.get("observed_to", rates["end_at"].iloc[-1]))


def _length(fit: Fit, duration: str | float | None) -> tuple[Any, Any]:
    """The run's duration and warm-up: one period, or the observed part of the trace.

    Along the timeline, the profile starts at the first interval's start, so
    the run lasts from there to the end of the observed window.
    """
    if duration is not None:
        return duration, 0
    start, end = _observed(fit)
    if fit.period is not None:
        length = fit.period
    elif len(fit.rates) > 1:
        length = end - float(fit.rates["start_at"].iloc[0])
    else:
        return _seconds(max(end - start, 1.0)), "10%"
    return (format_duration(length) if _exact(length) else _seconds(length)), 0


def scenario_mapping(
    fit: Fit,
    *,
    consumers: int | None = None,
    name: str | None = None,
    seed: int = 1,
    replications: int = 10,
    producer: str = "source",
    queue: str = "work",
    slo: Sequence[str] = (),
    duration: str | float | None = None,
) -> dict[str, Any]:
    """The scenario as a mapping (durations and rates as unit strings)."""
    if fit.service is None:
        unserved = fit.trace.unserved_services()
        raise PushsimError(
            f"{fit.trace.source}: has no service times of served messages, so no "
            "service law can be fitted "
            + (
                f"({unserved} are left out, as only a served message has one)"
                if unserved
                else "(name the column with --columns service=COLUMN)"
            )
        )
    queue_spec: dict[str, Any] = {}
    if fit.patience is not None:
        queue_spec["ttl"] = _law(fit.patience.law)
    queue_spec["consumers"] = {
        "count": _consumers(fit, consumers),
        "service": _law(fit.service),
    }
    length, warmup = _length(fit, duration)
    experiment: dict[str, Any] = {
        "duration": length,
        "warmup": warmup,
        "replications": replications,
    }
    if slo:
        experiment["slo"] = list(slo)
    return {
        "name": name or _default_name(fit),
        "description": f"fitted by pushsim fit from {Path(fit.trace.source).name}",
        "seed": seed,
        "producers": {
            _node(producer, "producer"): {"arrivals": _arrivals(fit), "to": queue}
        },
        "queues": {_node(queue, "queue"): queue_spec},
        "experiment": experiment,
    }


def _default_name(fit: Fit) -> str:
    stem = Path(fit.trace.source).stem
    return _NAME.sub("-", stem).strip("-") or "fitted"


def _flow(mapping: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in mapping.items()) + "}"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    text = str(value)
    plain = re.fullmatch(r"[A-Za-z0-9_./%-]+", text) is not None
    return text if plain else json.dumps(text)


def _clock(seconds: float, fit: Fit, *, seconds_shown: bool = False) -> str:
    """A time of the profile as people read it: 07:00, or d2 07:00 past the first day."""
    if fit.trace.origin is None and fit.period is None:
        return format_duration(seconds)
    day, rest = divmod(round(seconds), int(DAY))
    hours, rest = divmod(rest, 3600)
    text = f"{hours:02d}:{rest // 60:02d}"
    if seconds_shown:
        text += f":{rest % 60:02d}"
    return text if day == 0 or fit.period is not None else f"d{day + 1} {text}"


def _rate_comments(fit: Fit, unit: tuple[str, float]) -> list[str]:
    level = f"{100 * fit.confidence:g}%"
    lines = []
    periods = int(fit.rates.attrs.get("periods", 1))
    for row in fit.rates.itertuples():
        when = f"{_clock(row.start_at, fit)}-{_clock(row.end_at, fit)}"
        if row.exposure_time <= 0:
            lines.append(f"{when}: not observed in the trace (no arrivals assumed)")
            continue
        whole = (row.end_at - row.start_at) * periods
        seen = (
            ""
            if row.exposure_time >= whole * (1.0 - 1e-9)
            else f" in the {format_duration(row.exposure_time)} observed"
        )
        noun = "arrival" if row.arrivals == 1 else "arrivals"
        text = (
            f"{when}: {row.arrivals} {noun}{seen}; {level} "
            f"{_short(row.rate_low, unit)} to {_short(row.rate_high, unit)}"
        )
        if not math.isnan(row.dispersion):
            text += f"; dispersion {row.dispersion:.2g}"
        lines.append(text)
    return lines


def _candidates(title: str, table: Any) -> list[str]:
    lines = [f"# {title} (by AIC; KS D and AD A^2 where the data are complete):"]
    for row in table.itertuples():
        if math.isnan(row.aic):
            # not fitted, or the deterministic law: its note says why
            mark = " (chosen)" if row.chosen else ""
            label = row.law if math.isnan(row.mean) else row.parameters
            lines.append(f"#   {label}: {row.note}{mark}")
            continue
        mark = "chosen" if row.chosen else f"dAIC {row.delta_aic:.4g}"
        mark += f"; {row.note}" if row.note else ""
        extra = "" if math.isnan(row.ks) else f", D {row.ks:.3f}, A^2 {row.ad:.3g}"
        lines.append(f"#   {row.parameters}: AIC {row.aic:.7g}{extra} ({mark})")
    return lines


def _header(fit: Fit) -> list[str]:
    trace = fit.trace
    counts = ", ".join(f"{v} {k}" for k, v in trace.outcome_counts().items() if v)
    periods = int(fit.rates.attrs.get("periods", 1))
    if fit.period is not None:
        how = (
            f"{periods} periods of {format_duration(fit.period)} folded into "
            f"{len(fit.rates)} intervals"
        )
    else:
        how = f"{len(fit.rates)} intervals along the trace"
    lines = [
        f"# Fitted by `pushsim fit` from {trace.source}:",
        f"#   {trace.size} messages ({counts}); {how}.",
        "# Arrivals: Poisson within each interval at the rate counted there (arrivals",
        "#   over exposure); each rate's comment gives its count and exact Poisson",
        "#   (Garwood) band, and, folded, the dispersion of the counts across periods",
        "#   (about 1 when the periods are alike).",
    ]
    seen = observed_text(trace, fit.confidence)
    if seen is not None:
        lines.append(f"# The log saw: {seen}.")
    lines += [f"# Note: {note}" for note in fit.notes]
    return lines


def scenario_yaml(fit: Fit, *, command: str | None = None, **options: Any) -> str:
    """The scenario as YAML text with comments; it loads to :func:`scenario_mapping`.

    ``command`` (the command line that made it) goes into the opening comment.
    """
    data = scenario_mapping(fit, **options)
    unit = _rate_unit(fit)
    producer, spec = next(iter(data["producers"].items()))
    queue, queue_spec = next(iter(data["queues"].items()))
    lines = _header(fit)
    if command:
        lines.insert(1, f"#   {command}")
    lines.append(f"name: {_scalar(data['name'])}")
    lines += [
        f"description: {_scalar(data['description'])}",
        f"seed: {data['seed']}",
        "",
    ]
    lines += ["producers:", f"  {producer}:", "    arrivals:"]
    arrivals = spec["arrivals"]
    for key in ("process", "rate", "interval", "repeat"):
        if key in arrivals:
            lines.append(f"      {key}: {_scalar(arrivals[key])}")
    if "rates" in arrivals:
        lines.append("      rates:")
        comments = _rate_comments(fit, unit)
        width = max(len(r) for r in arrivals["rates"])
        lines += [
            f"        - {r:<{width}}  # {c}"
            for r, c in zip(arrivals["rates"], comments, strict=True)
        ]
    lines += [f"    to: {spec['to']}", "", "queues:", f"  {queue}:"]
    lines += _queue_lines(fit, queue_spec, options.get("consumers") is None)
    given = options.get("duration") is not None
    lines += ["", "experiment:", *_experiment_lines(data["experiment"], fit, given)]
    return "\n".join(lines) + "\n"


def _queue_lines(fit: Fit, spec: dict[str, Any], counted: bool) -> list[str]:
    lines = []
    if fit.patience is not None:
        p = fit.patience
        zeros = (
            f" ({p.abandoned_at_zero} after a wait of 0)" if p.abandoned_at_zero else ""
        )
        lines += [
            "    # Patience: right-censored maximum likelihood from "
            f"{p.abandoned} abandonments{zeros} and {p.censored} censored waits",
            f"    #   (the waits of the served); exponential mean {p.mean:.4g}s, "
            f"{100 * fit.confidence:g}% band {p.mean_low:.4g}s to {p.mean_high:.4g}s.",
        ]
        lines += [
            "    " + line for line in _candidates("patience candidates", p.candidates)
        ]
        if not bool(p.candidates["chosen"].iloc[0]):
            lines.append(
                "    # exponential kept (the Erlang-A model assumes it); "
                "`--patience best` keeps the least AIC"
            )
        lines.append(f"    ttl: {_flow(spec['ttl'])}")
    consumers = spec["consumers"]
    rule = (
        "the most messages in service at once in the trace"
        if counted
        else "given to pushsim fit"
    )
    lines += ["    consumers:", f"      count: {consumers['count']}  # {rule}"]
    assert fit.service_candidates is not None
    service = fit.service_candidates
    title = f"service candidates, fitted to {int(service['observations'].iloc[0])} service times"
    lines += ["      " + line for line in _candidates(title, service)]
    lines.append(f"      service: {_flow(consumers['service'])}")
    return lines


def _experiment_lines(experiment: dict[str, Any], fit: Fit, given: bool) -> list[str]:
    end = _observed(fit)[1]
    if given:
        why = "given to pushsim fit"
    elif fit.period is not None:
        why = "one period of the profile"
    elif len(fit.rates) > 1:
        last = float(fit.trace.messages["arrival_at"].iloc[-1])
        what = "the last arrival" if end == last else "the end of the time observed"
        why = (
            f"from {_clock(float(fit.rates['start_at'].iloc[0]), fit)}, the start of "
            f"the first interval, to {what} at {_clock(end, fit, seconds_shown=True)}; "
            f"the trace observed {format_duration(fit.rates['exposure_time'].sum())}"
        )
    else:
        why = "the trace's span, from its first arrival to its last"
    warm = (
        "starts empty, as the trace's first interval"
        if experiment["warmup"] == 0
        else ""
    )
    lines = [
        f"  duration: {_scalar(experiment['duration'])}  # {why}",
        f"  warmup: {_scalar(experiment['warmup'])}" + (f"  # {warm}" if warm else ""),
        f"  replications: {experiment['replications']}",
    ]
    if "slo" in experiment:
        lines.append(f"  slo: [{', '.join(json.dumps(s) for s in experiment['slo'])}]")
    return lines
