"""Patience estimated from abandoned messages, as right-censored data.

A message that abandoned after waiting w shows its patience: exactly w. A
message that was served after waiting w shows only that its patience was
longer than w: a right-censored observation. Leaving the served out, or
counting their waits as patience, would bias the estimate down; both kinds
enter the likelihood, the abandoned through the density and the served
through the survival function.

With exponential patience of rate theta the maximum-likelihood estimate is
closed: theta = A / T, with A the abandonments and T the total time waited
by every message (served and abandoned), so the mean patience is T / A.
Its band treats T as fixed and A as Poisson with mean theta T, the exact
(Garwood) interval on A divided by T; the standard error of the mean is
``(T / A) / sqrt(A)``. The other candidate laws are fitted by censored
maximum likelihood (:mod:`.laws`) and ranked by AIC beside it; the
Kaplan-Meier product-limit estimate of the survival function, which assumes
no law, is kept for the plot: ``S(t) = prod over event times t_i <= t of
(1 - d_i / n_i)``, with d_i abandonments at t_i and n_i messages still
waiting just before (E. L. Kaplan and P. Meier, JASA 53, 1958).

Waits of 0. An abandonment after a wait of 0 (a caller who hangs up at once)
is a patience of 0: the exponential, whose density is positive at 0, counts
it (one more abandonment, no time added), and the Kaplan-Meier curve drops at
0 (``S(0) = 1 - d_0 / n``). The other candidates are laws on (0, inf), which
give a patience of 0 no density, so they are fitted to the abandonments after
a wait > 0; and as AIC compares laws only on the same data, every candidate
(the exponential too) is ranked on those, while the exponential kept for the
scenario is the one over every abandonment (the fit's notes and the table
say both counts). A served message that waited 0 is right-censored at 0: it
adds ``log S(0) = 0`` to every law's likelihood and nothing to the time
waited, so it says nothing about patience and is left out (and counted).

Assumptions: patience independent of the wait the queue would impose (the
usual non-informative censoring), one law for every message.

Limits: lost messages and those of unknown outcome are left out; a log that
only records abandonments after some threshold (a short grace period before
counting a hang-up) biases every estimate here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pushsim.errors import PushsimError
from pushsim.fit.laws import (
    CANDIDATES,
    MIN_OBSERVATIONS,
    LawFit,
    candidate_table,
    fit_laws,
)
from pushsim.fit.rates import garwood

__all__ = ["PatienceFit", "fit_patience", "kaplan_meier"]

METHOD = (
    "exponential maximum likelihood with right-censoring: rate = abandonments / "
    "total time waited by every message (the waits of the served are censored "
    "patience times); 95% band: exact Poisson interval on the abandonments over "
    "that exposure"
)


@dataclass(frozen=True)
class PatienceFit:
    """Patience fitted from a trace's waits: the chosen law and the evidence.

    ``mean``, ``mean_low`` and ``mean_high`` are the exponential estimate and
    its band (seconds) over every abandonment, whatever law was chosen for the
    scenario; ``law`` is the chosen one and ``candidates`` the table of every
    law tried, ranked on the abandonments after a wait > 0. ``abandoned``
    counts every abandonment (``abandoned_at_zero`` of them after a wait of
    0), ``censored`` the served messages' waits > 0; ``served_at_zero``
    counts the served that waited 0, left out. ``fits`` are the laws drawn
    against the Kaplan-Meier ``survival``: the candidates, with the law kept
    in place of its ranked row.
    """

    law: LawFit
    abandoned: int
    censored: int
    exposure_time: float
    mean: float
    mean_low: float
    mean_high: float
    candidates: pd.DataFrame
    survival: pd.DataFrame
    events: np.ndarray
    censored_times: np.ndarray
    fits: tuple[LawFit, ...]
    method: str = METHOD
    abandoned_at_zero: int = 0
    served_at_zero: int = 0


def kaplan_meier(events: np.ndarray, censored: np.ndarray) -> pd.DataFrame:
    """The product-limit survival estimate: columns ``time`` (s) and ``survival``.

    The first row is time 0: survival 1, or ``1 - d_0 / n`` where ``d_0``
    events are at 0. A censored time equal to an event time counts among
    those at risk at it.
    """
    times = np.concatenate([events, censored])
    observed = np.concatenate([np.ones(events.size), np.zeros(censored.size)])
    order = np.argsort(times, kind="stable")
    times, observed = times[order], observed[order]
    unique, first = np.unique(times, return_index=True)
    deaths = np.add.reduceat(observed, first)
    at_risk = times.size - first
    survival = np.cumprod(1.0 - deaths / at_risk)
    keep = deaths > 0
    start = [] if keep.any() and unique[keep][0] == 0.0 else [0.0]
    return pd.DataFrame(
        {
            "time": np.concatenate([start, unique[keep]]),
            "survival": np.concatenate([np.ones(len(start)), survival[keep]]),
        }
    )


def fit_patience(
    waits: np.ndarray,
    abandoned: np.ndarray,
    *,
    law: str = "exponential",
    candidates: Sequence[str] = CANDIDATES,
    confidence: float = 0.95,
    where: str = "patience",
) -> PatienceFit:
    """Fit patience from each message's wait and whether it abandoned.

    ``law`` is the law kept for the scenario: ``exponential`` (the default:
    the Erlang-A model of :mod:`pushsim.theory` assumes it) or ``best``, the
    candidate of smallest AIC. ``where`` opens the messages of faults (the
    trace and its wait column).
    """
    waits = np.asarray(waits, dtype=np.float64)
    gave_up = np.asarray(abandoned, dtype=bool)
    known = np.isfinite(waits)
    events = waits[known & gave_up]
    right = waits[known & ~gave_up & (waits > 0)]
    served_at_zero = int(np.sum(known & ~gave_up & (waits == 0)))
    exposure = _exposure(events, right, where)
    positive = events[events > 0]
    ranked = (
        fit_laws(positive, right, candidates=candidates)
        if positive.size >= MIN_OBSERVATIONS
        else []
    )
    chosen = _choose(law, ranked, events, right, where)
    low, high = garwood(np.array([events.size]), confidence)
    return PatienceFit(
        law=chosen,
        abandoned=int(events.size),
        censored=int(right.size),
        exposure_time=exposure,
        mean=exposure / events.size,
        mean_low=exposure / float(high[0]),
        mean_high=exposure / float(low[0]) if low[0] > 0 else math.inf,
        candidates=_table(ranked, chosen, events),
        survival=kaplan_meier(events, right),
        events=events,
        censored_times=right,
        fits=_drawn(ranked, chosen),
        method=_method(events, right, served_at_zero, confidence),
        abandoned_at_zero=int(events.size - positive.size),
        served_at_zero=served_at_zero,
    )


def _exposure(events: np.ndarray, right: np.ndarray, where: str) -> float:
    """The time waited by every message counted, refused if there is none."""
    if events.size == 0:
        raise PushsimError(
            f"{where}: the trace shows no abandonment, so patience cannot be estimated"
        )
    exposure = float(events.sum() + right.sum())
    if exposure <= 0.0:
        raise PushsimError(
            f"{where}: all {events.size} abandonments came after a wait of 0 and no "
            "served message waited, so there is no time waited to estimate patience "
            "over"
        )
    return exposure


def _method(
    events: np.ndarray, right: np.ndarray, served_at_zero: int, confidence: float
) -> str:
    """How the exponential estimate was made, with the counts it used."""
    zeros = int(np.sum(events == 0))
    at_zero = f" ({zeros} of them after a wait of 0)" if zeros else ""
    skipped = (
        f" (the {served_at_zero} served without a wait are left out: they say "
        "nothing about patience)"
        if served_at_zero
        else ""
    )
    return (
        f"exponential maximum likelihood with right-censoring over {events.size} "
        f"abandonments{at_zero} and {right.size} censored waits > 0 of the served"
        f"{skipped}; rate = abandonments / total time waited by every message; "
        f"{100 * confidence:g}% band: exact Poisson interval on the abandonments "
        "over that exposure"
    )


def _table(ranked: list[LawFit], chosen: LawFit, events: np.ndarray) -> pd.DataFrame:
    """The candidates by AIC, the row of the law kept marked chosen."""
    if not ranked:
        return candidate_table([chosen], chosen)
    row = next((f for f in ranked if f.law == chosen.law), None)
    if row is chosen:
        return candidate_table(ranked, chosen)
    if row is None or not row.fitted:
        # the closed form stands in for an exponential fit that could not be made
        others = [f for f in ranked if f is not row]
        return candidate_table([chosen, *others], chosen)
    # abandonments at 0: the row ranks the law on the same data as the others
    positive = int(np.sum(events > 0))
    marked = replace(
        row,
        note=(
            f"ranked on the {positive} abandonments after a wait > 0, as the others; "
            f"the law kept counts all {events.size}: {chosen.describe()}"
        ),
    )
    return candidate_table([marked if f is row else f for f in ranked], marked)


def _drawn(ranked: list[LawFit], chosen: LawFit) -> tuple[LawFit, ...]:
    """The laws the plot draws: the candidates, the law kept in place of its row."""
    drawn = [chosen if f.law == chosen.law else f for f in ranked]
    return tuple(drawn) if any(f is chosen for f in drawn) else (chosen, *drawn)


def _choose(
    law: str,
    ranked: list[LawFit],
    events: np.ndarray,
    right: np.ndarray,
    where: str,
) -> LawFit:
    if law == "best":
        if not ranked:
            raise PushsimError(
                f"{where}: 'best' needs at least {MIN_OBSERVATIONS} abandonments after "
                f"a wait > 0 to compare laws, got {int(np.sum(events > 0))}"
            )
        best = ranked[0]
        if best.law != "exponential" or events.min() > 0:
            return best
        return _closed_form(events, right)
    if law != "exponential":
        raise PushsimError(f"patience: must be 'exponential' or 'best', got {law!r}")
    fitted = next((f for f in ranked if f.law == "exponential" and f.fitted), None)
    if fitted is not None and events.min() > 0:
        return fitted
    return _closed_form(events, right)


def _closed_form(events: np.ndarray, right: np.ndarray) -> LawFit:
    """The exponential over every abandonment: mean = total time waited / abandonments."""
    mean = float((events.sum() + right.sum()) / events.size)
    return LawFit(
        law="exponential",
        parameters={"mean": mean},
        standard_errors={"mean": mean / math.sqrt(events.size)},
        scipy=(mean,),
        log_likelihood=float(-events.size * math.log(mean) - events.size),
        observations=int(events.size + right.size),
        censored=int(right.size),
    )
