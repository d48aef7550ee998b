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

Assumptions: patience independent of the wait the queue would impose (the
usual non-informative censoring), one law for every message. Waits of 0 say
nothing about patience and are left out.

Limits: lost messages and those of unknown outcome are left out; a log that
only records abandonments after some threshold (a short grace period before
counting a hang-up) biases every estimate here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pushsim.errors import PushsimError
from pushsim.fit.laws import CANDIDATES, LawFit, candidate_table, fit_laws
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
    its band (seconds), whatever law was chosen for the scenario; ``law`` is
    the chosen one and ``candidates`` the table of every law tried.
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


def kaplan_meier(events: np.ndarray, censored: np.ndarray) -> pd.DataFrame:
    """The product-limit survival estimate: columns ``time`` (s) and ``survival``."""
    times = np.concatenate([events, censored])
    observed = np.concatenate([np.ones(events.size), np.zeros(censored.size)])
    order = np.argsort(times, kind="stable")
    times, observed = times[order], observed[order]
    unique, first = np.unique(times, return_index=True)
    deaths = np.add.reduceat(observed, first)
    at_risk = times.size - first
    survival = np.cumprod(1.0 - deaths / at_risk)
    keep = deaths > 0
    return pd.DataFrame(
        {
            "time": np.concatenate([[0.0], unique[keep]]),
            "survival": np.concatenate([[1.0], survival[keep]]),
        }
    )


def fit_patience(
    waits: np.ndarray,
    abandoned: np.ndarray,
    *,
    law: str = "exponential",
    candidates: Sequence[str] = CANDIDATES,
    confidence: float = 0.95,
) -> PatienceFit:
    """Fit patience from each message's wait and whether it abandoned.

    ``law`` is the law kept for the scenario: ``exponential`` (the default:
    the Erlang-A model of :mod:`pushsim.theory` assumes it) or ``best``, the
    candidate of smallest AIC.
    """
    waits = np.asarray(waits, dtype=np.float64)
    gave_up = np.asarray(abandoned, dtype=bool)
    known = np.isfinite(waits) & (waits > 0)
    events, right = waits[known & gave_up], waits[known & ~gave_up]
    if events.size == 0:
        raise PushsimError(
            "patience: the trace shows no abandonment after a wait > 0, so patience "
            "cannot be estimated"
        )
    fits = fit_laws(events, right, candidates=candidates) if events.size >= 5 else []
    exposure = float(events.sum() + right.sum())
    low, high = garwood(np.array([events.size]), confidence)
    exponential = next((f for f in fits if f.law == "exponential" and f.fitted), None)
    chosen = _choose(law, fits, exponential, events, right)
    if fits and all(f is not chosen for f in fits):
        # the closed form stands in for an exponential fit that could not be made
        fits = [chosen, *(f for f in fits if f.law != "exponential")]
    return PatienceFit(
        law=chosen,
        abandoned=int(events.size),
        censored=int(right.size),
        exposure_time=exposure,
        mean=exposure / events.size,
        mean_low=exposure / float(high[0]),
        mean_high=exposure / float(low[0]) if low[0] > 0 else math.inf,
        candidates=candidate_table(fits or [chosen], chosen),
        survival=kaplan_meier(events, right),
        events=events,
        censored_times=right,
        fits=tuple(fits) if fits else (chosen,),
    )


def _choose(
    law: str,
    fits: list[LawFit],
    exponential: LawFit | None,
    events: np.ndarray,
    right: np.ndarray,
) -> LawFit:
    if law == "best":
        if not fits:
            raise PushsimError(
                f"patience: 'best' needs at least 5 abandonments to compare laws, "
                f"got {events.size}"
            )
        return fits[0]
    if law != "exponential":
        raise PushsimError(f"patience: must be 'exponential' or 'best', got {law!r}")
    if exponential is not None:
        return exponential
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
