"""Service-law fits recover the parameters of synthetic data from known laws.

Tolerances: every check allows Z standard errors of the maximum-likelihood
estimate, Z the two-sided normal quantile at CHECK_LEVEL (0.999); the
standard errors are the textbook ones from the expected Fisher information
of each law at its true parameters (formulas in each test), not the
library's own.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter
from scipy import special, stats

from pushsim.distributions import LawField
from pushsim.errors import PushsimError
from pushsim.fit import fit_law, fit_laws
from pushsim.fit.laws import candidate_table
from tests.conftest import CHECK_LEVEL

Z = float(stats.norm.ppf(0.5 + CHECK_LEVEL / 2))
N = 4000
EULER = float(np.euler_gamma)


def _sample(spec: dict[str, object], size: int, seed: int) -> np.ndarray:
    law = TypeAdapter(LawField).validate_python(spec)
    return law.sample(np.random.default_rng(seed), size)


def _within(estimate: np.ndarray, truth: np.ndarray, covariance: np.ndarray) -> None:
    se = np.sqrt(np.diag(covariance))
    off = np.abs(estimate - truth) / se
    assert np.all(off <= Z), f"estimate {estimate} vs {truth}: {off} standard errors"


def test_exponential_mean_within_its_standard_error() -> None:
    # SE of the MLE of an exponential mean m from n draws: m / sqrt(n)
    fitted = fit_law("exponential", _sample({"law": "exponential", "mean": 2.5}, N, 1))
    _within(np.array([fitted.mean]), np.array([2.5]), np.array([[2.5**2 / N]]))


def test_lognormal_log_parameters_within_their_standard_errors() -> None:
    # log X ~ N(mu, s^2): SE(mu) = s / sqrt(n), SE(s) = s / sqrt(2 n), independent
    mean, cv = 3.0, 1.4
    s2 = math.log1p(cv * cv)
    mu, sigma = math.log(mean) - s2 / 2, math.sqrt(s2)
    fitted = fit_law(
        "lognormal", _sample({"law": "lognormal", "mean": mean, "cv": cv}, N, 2)
    )
    shape, scale = fitted.scipy
    cov = np.diag([sigma**2 / N, sigma**2 / (2 * N)])
    _within(np.array([math.log(scale), shape]), np.array([mu, sigma]), cov)


def test_gamma_shape_and_scale_within_their_standard_errors() -> None:
    # Fisher information per draw in (a, theta): [[psi'(a), 1/theta], [1/theta, a/theta^2]]
    mean, cv = 2.0, 0.5
    a, theta = 1 / cv**2, mean * cv**2
    trigamma = float(special.polygamma(1, a))
    info = np.array([[trigamma, 1 / theta], [1 / theta, a / theta**2]])
    fitted = fit_law("gamma", _sample({"law": "gamma", "mean": mean, "cv": cv}, N, 3))
    _within(np.array(fitted.scipy), np.array([a, theta]), np.linalg.inv(N * info))


def test_weibull_shape_and_scale_within_their_standard_errors() -> None:
    # Fisher information per draw in (k, lambda): I_kk = (pi^2/6 + (1 - g)^2) / k^2,
    # I_kl = -(1 - g) / lambda, I_ll = (k / lambda)^2, g Euler's constant
    k, lam = 0.7, 3.0
    info = np.array(
        [
            [(math.pi**2 / 6 + (1 - EULER) ** 2) / k**2, -(1 - EULER) / lam],
            [-(1 - EULER) / lam, (k / lam) ** 2],
        ]
    )
    fitted = fit_law(
        "weibull", _sample({"law": "weibull", "shape": k, "scale": lam}, N, 4)
    )
    _within(np.array(fitted.scipy), np.array([k, lam]), np.linalg.inv(N * info))


def test_reported_standard_errors_match_the_closed_forms_at_the_estimate() -> None:
    # At the MLE the observed information has closed forms: exponential n / m^2;
    # lognormal diag(n / s^2, 2 n / s^2) in (mu, s). The library's numerical
    # Hessian and delta method must reproduce them to finite-difference accuracy.
    x = _sample({"law": "exponential", "mean": 2.0}, N, 5)
    fitted = fit_law("exponential", x)
    assert fitted.standard_errors["mean"] == pytest.approx(
        fitted.mean / math.sqrt(N), rel=1e-4
    )
    y = _sample({"law": "lognormal", "mean": 2.0, "cv": 1.0}, N, 6)
    logn = fit_law("lognormal", y)
    s, _ = logn.scipy
    mean = logn.parameters["mean"]
    # mean = exp(mu + s^2/2): d/dmu = mean, d/ds = mean s
    se_mean = mean * math.sqrt(s**2 / N + (s * s) ** 2 / (2 * N))
    assert logn.standard_errors["mean"] == pytest.approx(se_mean, rel=1e-3)


# Over 30 seeds at n = 5000 the AIC gap from the true law to the next best was
# 802 +- 63 (lognormal), 185 +- 18 (gamma) and 141 +- 25 (weibull): a wrong
# choice lies more than five standard deviations away. The exponential is not
# tested: it is nested in gamma and Weibull, and AIC picks a nested law's
# superset by chance (P(chi2_1 > 2) = 16 %).
@pytest.mark.parametrize(
    "spec",
    [
        {"law": "lognormal", "mean": 2.0, "cv": 1.5},
        {"law": "gamma", "mean": 2.0, "cv": 0.5},
        {"law": "weibull", "shape": 0.6, "mean": 2.0},
    ],
    ids=lambda s: s["law"],
)
def test_aic_chooses_the_law_that_drew_the_data(spec: dict[str, object]) -> None:
    fits = fit_laws(_sample(spec, 5000, 7))
    assert fits[0].law == spec["law"]
    assert [f.aic for f in fits] == sorted(f.aic for f in fits)


def test_spec_is_a_law_the_scenario_accepts() -> None:
    for fitted in fit_laws(_sample({"law": "gamma", "mean": 2.0, "cv": 0.8}, 500, 8)):
        law = TypeAdapter(LawField).validate_python(fitted.spec())
        assert law.mean == pytest.approx(fitted.mean, rel=1e-9)


def test_too_few_observations_and_unknown_laws_are_refused() -> None:
    with pytest.raises(PushsimError, match="at least 5 complete observations"):
        fit_law("gamma", np.array([1.0, 2.0]))
    with pytest.raises(PushsimError, match="candidates are exponential, gamma"):
        fit_law("pareto", np.ones(10))


def test_a_candidate_whose_fit_fails_is_kept_as_not_fitted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pushsim.fit import laws

    fit_by_scipy = laws._mle

    def failing_gamma(law: str, events: np.ndarray, censored: np.ndarray) -> object:
        if law == "gamma":
            raise ValueError("f(a) and f(b) must have different signs")
        return fit_by_scipy(law, events, censored)

    monkeypatch.setattr(laws, "_mle", failing_gamma)
    fits = fit_laws(_sample({"law": "lognormal", "mean": 2.0, "cv": 1.5}, 500, 9))
    gamma = next(f for f in fits if f.law == "gamma")
    assert not gamma.fitted and fits[-1] is gamma
    assert "f(a) and f(b) must have different signs" in gamma.note
    assert all(f.fitted for f in fits[:-1])
    assert [f.aic for f in fits[:-1]] == sorted(f.aic for f in fits[:-1])
    table = candidate_table(fits, fits[0])
    row = table[table.law == "gamma"].iloc[0]
    assert not row.chosen and math.isnan(row.aic) and "not fitted" in row.note
    with pytest.raises(PushsimError, match="gamma: not fitted: the maximum-likelihood"):
        fit_law("gamma", np.linspace(1.0, 2.0, 20))


def test_no_candidate_fitted_is_one_error_with_every_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pushsim.fit import laws

    def failing(law: str, events: np.ndarray, censored: np.ndarray) -> object:
        raise RuntimeError(f"{law} diverged")

    monkeypatch.setattr(laws, "_mle", failing)
    with pytest.raises(PushsimError) as caught:
        fit_laws(np.linspace(1.0, 2.0, 20), candidates=["gamma", "weibull"])
    text = str(caught.value)
    assert "no candidate law could be fitted to these 20 durations" in text
    assert "gamma: not fitted" in text and "weibull diverged" in text
    assert "\n" not in text


def test_nearly_equal_durations_do_not_stop_the_fit() -> None:
    # a spread of 1e-7 of the value: scipy's gamma search may fail on it
    times = 2.0 + 2e-7 * np.linspace(0.0, 1.0, 30)
    fits = fit_laws(times)
    assert fits[0].fitted and fits[0].law != "deterministic"
    assert {f.law for f in fits} == {"exponential", "gamma", "lognormal", "weibull"}


def test_equal_durations_get_the_deterministic_law() -> None:
    fits = fit_laws(np.full(30, 2.0))
    chosen = fits[0]
    assert chosen.law == "deterministic" and chosen.parameters == {"value": 2.0}
    assert chosen.mean == 2.0 and chosen.cv == 0.0
    assert chosen.describe() == "deterministic(value=2s)"
    assert all(not f.fitted and "no spread" in f.note for f in fits[1:])
    law = TypeAdapter(LawField).validate_python(chosen.spec())
    assert law.mean == 2.0 and law.scv == 0.0
    assert chosen.distribution.cdf([1.9, 2.0]).tolist() == [0.0, 1.0]
    table = candidate_table(fits, chosen)
    assert table["chosen"].tolist() == [True, False, False, False, False]
    assert table["note"].iloc[0] == "all 30 durations are 2s (no spread)"
    with pytest.raises(PushsimError, match="gamma: not fitted: no law with a density"):
        fit_law("gamma", np.full(30, 2.0))


def test_a_fit_that_overflows_says_why_in_words() -> None:
    # one time of 1e-300 s among seconds: the lognormal's sigma is about 150,
    # and its mean, scale exp(sigma^2 / 2), beyond any float
    times = np.append(np.linspace(1.0, 5.0, 20), 1e-300)
    fits = fit_laws(times)
    lognormal = next(f for f in fits if f.law == "lognormal")
    assert not lognormal.fitted
    assert lognormal.note == (
        "not fitted: the durations run from 1e-300s to 5s, 301 orders of magnitude "
        "apart, and this law fitted to them has a mean or cv too large to compute; "
        "check the smallest and the largest"
    )
    assert {f.law for f in fits if f.fitted} == {"exponential", "gamma", "weibull"}
