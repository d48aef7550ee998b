"""Maximum-likelihood fits of pushsim's duration laws, and the choice among them.

Candidates: ``exponential``, ``gamma``, ``lognormal`` and ``weibull``, each
fitted by scipy.stats' maximum likelihood with the location held at 0 (a
duration law starts at 0), to complete observations or, for patience, to
observations some of which are right-censored (``scipy.stats.CensoredData``;
the exponential by its closed form, events over total time). The log
likelihood of a censored point is ``log S(t)``, of a complete one
``log f(t)``.

The criterion is Akaike's, ``AIC = 2 p - 2 log L`` with p the free
parameters (H. Akaike, IEEE Trans. Automatic Control 19, 1974); the smallest
wins. Beside it, for complete data, two distances between the empirical and
the fitted distribution functions: Kolmogorov-Smirnov's ``D = sup |F_n - F|``
and Anderson-Darling's ``A^2 = -n - (1/n) sum (2i - 1) [log F(x_i) +
log(1 - F(x_(n+1-i)))]``, which weighs the tails (T. W. Anderson and D. A.
Darling, Ann. Math. Statist. 23, 1952). Their textbook p-values do not hold
for parameters fitted to the same data, so none is shown; they rank the fits.

Standard errors of the fitted ``mean`` and ``cv`` (or ``shape``, ``scale``)
come from the observed information: the Hessian of ``-log L`` in the log
parameters by central differences, inverted, carried to pushsim's parameters
by the delta method.

Complete durations with no spread (all equal, to one part in 10^9) have no
maximum-likelihood fit among the candidates (the likelihood grows without
bound as the spread of the law shrinks): they are given the
``deterministic`` law of that value, and the candidates are listed as not
fitted. A candidate whose fit fails or ends at a non-finite value is listed
as not fitted too, with the reason, and the others are ranked without it.

Limits: a law on (0, inf) gives a duration of exactly 0 no density, so zero
durations are left out of a fit (and counted); times recorded in whole
seconds make ties, which raise the distances a little for every candidate
alike.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pushsim.errors import PushsimError

__all__ = [
    "CANDIDATES",
    "LAW_COLUMNS",
    "LawFit",
    "candidate_table",
    "fit_law",
    "fit_laws",
]

#: The laws tried, by pushsim's name.
CANDIDATES = ("exponential", "gamma", "lognormal", "weibull")
#: The columns of a candidate table, in order.
LAW_COLUMNS = [
    "law",
    "parameters",
    "mean",
    "cv",
    "log_likelihood",
    "aic",
    "delta_aic",
    "ks",
    "ad",
    "observations",
    "censored",
    "chosen",
    "note",
]
#: The fewest observations a law is fitted to.
MIN_OBSERVATIONS = 5
#: Durations whose spread is at most this share of the largest have none.
NO_SPREAD = 1e-9
#: The errors a failed numerical fit raises (scipy's optimisers and root finders).
_FIT_ERRORS = (ValueError, RuntimeError, ArithmeticError, np.linalg.LinAlgError)
#: The scipy.stats name of each law (scipy.stats is imported on first use:
#: it takes seconds to import, and most uses of pushsim never fit a law).
_SCIPY_NAMES = {
    "exponential": "expon",
    "gamma": "gamma",
    "lognormal": "lognorm",
    "weibull": "weibull_min",
}


def _scipy(law: str) -> Any:
    from scipy import stats

    return getattr(stats, _SCIPY_NAMES[law])


@dataclass(frozen=True)
class LawFit:
    """One law fitted to durations: its parameters, likelihood and distances.

    ``parameters`` are pushsim's (``mean`` and ``cv``, or ``shape`` and
    ``scale``, or the ``value`` of a deterministic law, in seconds),
    ``standard_errors`` theirs and the mean's; ``scipy`` holds the fitted
    shape(s) and scale as scipy.stats takes them (location 0). ``note`` says
    why a law was not fitted (:attr:`fitted` is then False, and every figure
    NaN), or why the deterministic law was chosen.
    """

    law: str
    parameters: Mapping[str, float]
    standard_errors: Mapping[str, float]
    scipy: tuple[float, ...]
    log_likelihood: float
    observations: int
    censored: int = 0
    ks: float = math.nan
    ad: float = math.nan
    note: str = ""
    fitted: bool = True

    @property
    def free_parameters(self) -> int:
        """The parameters fitted (the location is held at 0)."""
        return len(self.scipy) if self.scipy else len(self.parameters)

    @property
    def aic(self) -> float:
        """Akaike's criterion, 2 p - 2 log L."""
        return 2.0 * self.free_parameters - 2.0 * self.log_likelihood

    @property
    def distribution(self) -> Any:
        """The fitted law as a frozen scipy.stats distribution (discrete if deterministic)."""
        if not self.fitted:
            raise PushsimError(f"{self.law}: was not fitted ({self.note})")
        if self.law == "deterministic":
            from scipy import stats

            return stats.rv_discrete(values=([self.parameters["value"]], [1.0]))
        *shapes, scale = self.scipy
        return _scipy(self.law)(*shapes, loc=0.0, scale=scale)

    @property
    def mean(self) -> float:
        """The fitted mean, seconds."""
        if not self.fitted:
            return math.nan
        if self.law == "deterministic":
            return float(self.parameters["value"])
        return float(self.distribution.mean())

    @property
    def cv(self) -> float:
        """The fitted coefficient of variation."""
        if not self.fitted:
            return math.nan
        if self.law == "deterministic":
            return 0.0
        return float(self.distribution.std() / self.distribution.mean())

    def spec(self) -> dict[str, Any]:
        """The law as a scenario writes it: ``{"law": ..., parameters in seconds}``."""
        if not self.fitted:
            raise PushsimError(f"{self.law}: was not fitted ({self.note})")
        return {"law": self.law, **{k: float(v) for k, v in self.parameters.items()}}

    def describe(self) -> str:
        """A short readable form, such as ``lognormal(mean=3.1min, cv=1.3)``."""
        if not self.fitted:
            return f"{self.law} (not fitted)"
        shown = ", ".join(f"{k}={_show(k, v)}" for k, v in self.parameters.items())
        return f"{self.law}({shown})"


#: The parameters that are durations, in seconds.
DURATION_PARAMETERS = ("mean", "scale", "value")


def _show(name: str, value: float) -> str:
    from pushsim.quantities import format_duration

    return format_duration(value) if name in DURATION_PARAMETERS else f"{value:.4g}"


def _pushsim_parameters(law: str, theta: Sequence[float]) -> dict[str, float]:
    """scipy's (shapes..., scale) as pushsim's parameters of the same law."""
    if law == "exponential":
        return {"mean": theta[0]}
    if law == "gamma":
        shape, scale = theta
        return {"mean": shape * scale, "cv": 1.0 / math.sqrt(shape)}
    if law == "lognormal":
        sigma, scale = theta
        return {
            "mean": scale * math.exp(sigma * sigma / 2.0),
            "cv": math.sqrt(math.expm1(sigma * sigma)),
        }
    shape, scale = theta
    return {"shape": shape, "scale": scale}


def _quantities(law: str, theta: Sequence[float]) -> dict[str, float]:
    """pushsim's parameters of the law, and its mean (seconds) where no parameter is."""
    values = _pushsim_parameters(law, theta)
    if "mean" not in values:
        shape, scale = theta
        values["mean"] = scale * math.gamma(1.0 + 1.0 / shape)
    return values


def _log_likelihood(
    law: str, theta: Sequence[float], events: np.ndarray, censored: np.ndarray
) -> float:
    *shapes, scale = theta
    dist = _scipy(law)
    total = float(np.sum(dist.logpdf(events, *shapes, loc=0.0, scale=scale)))
    if censored.size:
        total += float(np.sum(dist.logsf(censored, *shapes, loc=0.0, scale=scale)))
    return total


def _mle(law: str, events: np.ndarray, censored: np.ndarray) -> tuple[float, ...]:
    if law == "exponential":
        return (float((events.sum() + censored.sum()) / events.size),)
    dist = _scipy(law)
    if censored.size:
        from scipy import stats

        data: Any = stats.CensoredData(uncensored=events, right=censored)
        # a start from the complete part, so the optimiser begins near the answer
        start = dist.fit(events, floc=0.0)
        shapes = start[:-2]
        fitted = dist.fit(data, *shapes, floc=0.0, scale=start[-1])
    else:
        fitted = dist.fit(events, floc=0.0)
    *shapes, _loc, scale = fitted
    return (*map(float, shapes), float(scale))


def _hessian(function: Callable[[np.ndarray], float], point: np.ndarray) -> np.ndarray:
    """Central-difference Hessian of ``function`` at ``point``."""
    size = point.size
    step = 1e-4 * np.maximum(np.abs(point), 1.0)
    hessian = np.empty((size, size))
    for i in range(size):
        for j in range(i, size):
            total = 0.0
            for si, sj, sign in ((1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)):
                moved = point.copy()
                moved[i] += si * step[i]
                moved[j] += sj * step[j]
                total += sign * function(moved)
            hessian[i, j] = hessian[j, i] = total / (4.0 * step[i] * step[j])
    return hessian


def _standard_errors(
    law: str, theta: tuple[float, ...], events: np.ndarray, censored: np.ndarray
) -> dict[str, float]:
    """Delta-method standard errors of pushsim's parameters (and the mean).

    From the observed information: the inverse Hessian of -log L in log parameters.
    """
    log_theta = np.log(np.asarray(theta))

    def negative(log_point: np.ndarray) -> float:
        return -_log_likelihood(law, np.exp(log_point), events, censored)

    names = list(_quantities(law, theta))
    try:
        covariance = np.linalg.inv(_hessian(negative, log_theta))
    except np.linalg.LinAlgError:
        return dict.fromkeys(names, math.nan)
    jacobian = np.empty((len(names), log_theta.size))
    for k in range(log_theta.size):
        h = 1e-6
        up, down = log_theta.copy(), log_theta.copy()
        up[k] += h
        down[k] -= h
        high = _quantities(law, np.exp(up))
        low = _quantities(law, np.exp(down))
        jacobian[:, k] = [(high[n] - low[n]) / (2 * h) for n in names]
    variances = np.diag(jacobian @ covariance @ jacobian.T)
    return {
        n: float(math.sqrt(v)) if v >= 0 else math.nan
        for n, v in zip(names, variances, strict=True)
    }


def _distances(
    law: str, theta: Sequence[float], values: np.ndarray
) -> tuple[float, float]:
    *shapes, scale = theta
    dist = _scipy(law)(*shapes, loc=0.0, scale=scale)
    ordered = np.sort(values)
    n = ordered.size
    cdf = np.clip(dist.cdf(ordered), 1e-300, 1.0 - 1e-16)
    steps = np.arange(1, n + 1)
    ks = float(max(np.max(steps / n - cdf), np.max(cdf - (steps - 1) / n)))
    weights = 2.0 * steps - 1.0
    ad = float(-n - np.sum(weights * (np.log(cdf) + np.log1p(-cdf[::-1]))) / n)
    return ks, ad


class _FitFailed(Exception):
    """A candidate's fit failed; the message says why (without the law's name)."""


def _too_wide(durations: np.ndarray) -> str:
    """Why a fit overflowed: durations so far apart that the law's mean is too large."""
    positive = durations[durations > 0]
    low, high = float(np.min(positive)), float(np.max(positive))
    decades = math.log10(high) - math.log10(low)
    return (
        f"not fitted: the durations run from {low:.3g}s to {high:.3g}s, "
        f"{decades:.0f} orders of magnitude apart, and this law fitted to them has a "
        "mean or cv too large to compute; check the smallest and the largest"
    )


def _no_spread(events: np.ndarray) -> bool:
    return float(np.ptp(events)) <= NO_SPREAD * float(np.max(events))


def _equal_times(events: np.ndarray) -> str:
    from pushsim.quantities import format_duration

    return f"all {events.size} durations are {format_duration(float(events[0]))}"


def _check_names(candidates: Sequence[str]) -> None:
    for law in candidates:
        if law not in _SCIPY_NAMES:
            raise PushsimError(
                f"law: {law!r} cannot be fitted; the candidates are "
                f"{', '.join(CANDIDATES)}"
            )


def _check_size(events: np.ndarray, what: str) -> None:
    if events.size < MIN_OBSERVATIONS:
        raise PushsimError(
            f"{what}: needs at least {MIN_OBSERVATIONS} complete observations to fit, "
            f"got {events.size}"
        )


def _fit_one(law: str, events: np.ndarray, right: np.ndarray) -> LawFit:
    """One candidate by maximum likelihood; :class:`_FitFailed` if that fails."""
    if not right.size and _no_spread(events):
        raise _FitFailed(
            "not fitted: no law with a density fits durations with no spread"
        )
    try:
        # scipy warns on the way to a failure; the checks below decide instead
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            theta = _mle(law, events, right)
            log_likelihood = _log_likelihood(law, theta, events, right)
            finite = all(math.isfinite(v) and v > 0 for v in theta)
            if not (finite and math.isfinite(log_likelihood)):
                shown = ", ".join(f"{v:.4g}" for v in theta)
                raise _FitFailed(
                    f"not fitted: the maximum-likelihood search ended at ({shown}), "
                    f"log likelihood {log_likelihood:.4g}"
                )
            errors = _standard_errors(law, theta, events, right)
            ks, ad = (
                _distances(law, theta, events) if not right.size else (math.nan,) * 2
            )
    except OverflowError:
        raise _FitFailed(_too_wide(np.concatenate([events, right]))) from None
    except _FIT_ERRORS as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise _FitFailed(
            f"not fitted: the maximum-likelihood search failed "
            f"({type(error).__name__}: {reason})"
        ) from None
    return LawFit(
        law=law,
        parameters=_pushsim_parameters(law, theta),
        standard_errors=errors,
        scipy=theta,
        log_likelihood=log_likelihood,
        observations=int(events.size + right.size),
        censored=int(right.size),
        ks=ks,
        ad=ad,
    )


def fit_law(law: str, events: np.ndarray, censored: np.ndarray | None = None) -> LawFit:
    """Fit one candidate law to positive durations, some right-censored.

    A fit that fails (or durations with no spread) raises :class:`PushsimError`
    with the reason.
    """
    _check_names([law])
    events = np.asarray(events, dtype=np.float64)
    right = np.asarray(censored if censored is not None else [], dtype=np.float64)
    _check_size(events, law)
    try:
        return _fit_one(law, events, right)
    except _FitFailed as failure:
        raise PushsimError(f"{law}: {failure}") from None


def _not_fitted(law: str, events: np.ndarray, right: np.ndarray, note: str) -> LawFit:
    return LawFit(
        law=law,
        parameters={},
        standard_errors={},
        scipy=(),
        log_likelihood=math.nan,
        observations=int(events.size + right.size),
        censored=int(right.size),
        note=note,
        fitted=False,
    )


def _deterministic(events: np.ndarray) -> LawFit:
    return LawFit(
        law="deterministic",
        parameters={"value": float(np.mean(events))},
        standard_errors={"value": 0.0},
        scipy=(),
        log_likelihood=math.nan,
        observations=int(events.size),
        note=f"{_equal_times(events)} (no spread)",
    )


def _rank(fit: LawFit) -> tuple[bool, bool, float]:
    """Fitted before not fitted; the deterministic law (no AIC) first; then by AIC."""
    scored = math.isfinite(fit.aic)
    return (not fit.fitted, scored, fit.aic if scored else 0.0)


def fit_laws(
    events: np.ndarray,
    censored: np.ndarray | None = None,
    *,
    candidates: Sequence[str] = CANDIDATES,
) -> list[LawFit]:
    """Every candidate fitted, best (smallest AIC) first, then those not fitted.

    Complete durations with no spread give the ``deterministic`` law first,
    and every candidate not fitted. A candidate whose fit fails is kept, not
    fitted, with the reason in its ``note``; if none can be fitted,
    :class:`PushsimError` gives each reason.
    """
    if not candidates:
        raise PushsimError("candidates: name at least one law to fit")
    _check_names(candidates)
    events = np.asarray(events, dtype=np.float64)
    right = np.asarray(censored if censored is not None else [], dtype=np.float64)
    _check_size(events, "a law")
    fits = []
    for law in candidates:
        try:
            fits.append(_fit_one(law, events, right))
        except _FitFailed as failure:
            fits.append(_not_fitted(law, events, right, str(failure)))
    if not right.size and _no_spread(events):
        fits.insert(0, _deterministic(events))
    if not any(f.fitted for f in fits):
        reasons = "; ".join(f"{f.law}: {f.note}" for f in fits)
        raise PushsimError(
            f"no candidate law could be fitted to these {events.size} durations: "
            f"{reasons}"
        )
    return sorted(fits, key=_rank)


def candidate_table(fits: Sequence[LawFit], chosen: LawFit) -> pd.DataFrame:
    """The fits as a tidy table (columns :data:`LAW_COLUMNS`), best AIC first.

    A law not fitted has its reason in ``note`` and NaN figures; the
    deterministic law has no likelihood, so no AIC.
    """
    scores = [f.aic for f in fits if math.isfinite(f.aic)]
    best = min(scores) if scores else math.nan
    rows = [
        {
            "law": f.law,
            "parameters": f.describe(),
            "mean": f.mean,
            "cv": f.cv,
            "log_likelihood": f.log_likelihood,
            "aic": f.aic,
            "delta_aic": f.aic - best,
            "ks": f.ks,
            "ad": f.ad,
            "observations": f.observations,
            "censored": f.censored,
            "chosen": f is chosen,
            "note": f.note,
        }
        for f in sorted(fits, key=_rank)
    ]
    return pd.DataFrame(rows, columns=LAW_COLUMNS)
