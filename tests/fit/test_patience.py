"""Patience recovered from censored waits: abandoned waits are patience, served ones censor it.

Synthetic log: each message has a patience P and the wait W the queue would
impose, independent; it is seen to wait min(P, W) and abandons when P < W.
Tolerances: Z standard errors at CHECK_LEVEL (0.999). For exponential
patience of mean m the MLE's standard error is m / sqrt(E[A]), E[A] the
expected abandonments (the inverse expected information of the rate
A / T, carried to the mean).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from pushsim.errors import PushsimError
from pushsim.fit import fit_patience, kaplan_meier
from tests.conftest import CHECK_LEVEL

Z = float(stats.norm.ppf(0.5 + CHECK_LEVEL / 2))
N = 6000
PATIENCE, OFFERED = 300.0, 200.0


def _log(patience: np.ndarray, offered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.minimum(patience, offered), patience < offered


def test_exponential_patience_is_recovered_and_naive_estimate_is_not() -> None:
    rng = np.random.default_rng(11)
    waits, gave_up = _log(rng.exponential(PATIENCE, N), rng.exponential(OFFERED, N))
    fitted = fit_patience(waits, gave_up)
    # P(abandon) = (1/300) / (1/300 + 1/200) = 0.4
    expected_abandoned = N * 0.4
    se = PATIENCE / math.sqrt(expected_abandoned)
    assert abs(fitted.mean - PATIENCE) <= Z * se
    assert fitted.mean_low < fitted.mean < fitted.mean_high
    assert fitted.law.law == "exponential"
    assert fitted.abandoned + fitted.censored == N
    # the abandoned waits alone average 1 / (1/300 + 1/200) = 120 s: the fit must
    # be far from that, or the censoring would not matter to the test
    naive = float(waits[gave_up].mean())
    assert abs(naive - PATIENCE) > 5 * Z * se


def test_weibull_patience_is_recovered_by_censored_likelihood() -> None:
    # SE from the inverse Fisher information of censored Weibull data has no
    # closed form; the check uses the observed information the fit reports,
    # a standard Wald check.
    rng = np.random.default_rng(12)
    shape, scale = 0.7, 400.0
    waits, gave_up = _log(scale * rng.weibull(shape, N), rng.exponential(OFFERED, N))
    fitted = fit_patience(waits, gave_up, law="best")
    assert fitted.law.law == "weibull"
    got = fitted.law.parameters
    se = fitted.law.standard_errors
    assert abs(got["shape"] - shape) <= Z * se["shape"]
    assert abs(got["scale"] - scale) <= Z * se["scale"]


def test_kaplan_meier_by_hand() -> None:
    # times 1, 2+, 3, 4 (2 censored): S(1) = 3/4, S(3) = 3/4 * 1/2, S(4) = 0
    table = kaplan_meier(np.array([1.0, 3.0, 4.0]), np.array([2.0]))
    assert table["time"].tolist() == [0.0, 1.0, 3.0, 4.0]
    assert table["survival"].tolist() == pytest.approx([1.0, 0.75, 0.375, 0.0])


def test_kaplan_meier_without_censoring_is_the_empirical_survival() -> None:
    times = np.random.default_rng(13).exponential(1.0, 200)
    table = kaplan_meier(times, np.array([]))
    ordered = np.sort(times)
    expected = 1.0 - np.arange(1, ordered.size + 1) / ordered.size
    assert table["survival"].to_numpy()[1:] == pytest.approx(expected, abs=1e-12)


def test_no_abandonment_is_refused() -> None:
    with pytest.raises(PushsimError, match="no abandonment"):
        fit_patience(np.array([1.0, 2.0]), np.array([False, False]))
    with pytest.raises(PushsimError, match="'exponential' or 'best'"):
        fit_patience(np.arange(1.0, 20.0), np.arange(19) % 2 == 0, law="lognormal")


@pytest.mark.parametrize("law", ["exponential", "best"])
def test_a_candidate_that_cannot_be_fitted_leaves_the_others(law: str) -> None:
    # every abandonment at 30 s, the served waits spread: some laws' searches fail
    waits = np.concatenate([np.full(10, 30.0), np.linspace(1.0, 100.0, 40)])
    gave_up = np.arange(50) < 10
    fitted = fit_patience(waits, gave_up, law=law)
    assert fitted.law.fitted and fitted.law.law != "deterministic"
    assert fitted.mean == pytest.approx(
        (300.0 + np.linspace(1.0, 100.0, 40).sum()) / 10
    )
    table = fitted.candidates
    assert int(table["chosen"].sum()) == 1
    missing = table[table["aic"].isna()]
    assert (missing["note"].str.startswith("not fitted")).all()


def test_patience_that_is_always_the_same_keeps_the_exponential_by_default() -> None:
    waits, gave_up = np.full(10, 30.0), np.ones(10, dtype=bool)
    kept = fit_patience(waits, gave_up)
    assert kept.law.describe() == "exponential(mean=30s)"
    assert kept.candidates["chosen"].sum() == 1
    assert fit_patience(waits, gave_up, law="best").law.law == "deterministic"


def _zero_waits(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """49 abandonments (10 at once) and 337 served (101 at once): waits, outcome."""
    rng = np.random.default_rng(seed)
    gave = np.concatenate([np.zeros(10), 1.0 + rng.exponential(200.0, 39)])
    served = np.concatenate([np.zeros(101), 1.0 + rng.exponential(60.0, 236)])
    waits = np.concatenate([gave, served])
    return waits, np.arange(waits.size) < gave.size, gave, served


def test_abandonments_at_once_count_in_the_exponential_but_not_in_the_ranking() -> None:
    waits, gave_up, gave, served = _zero_waits(21)
    fitted = fit_patience(waits, gave_up)
    # exponential MLE: the time waited by every message over every abandonment
    expected = (gave.sum() + served.sum()) / 49
    assert fitted.mean == pytest.approx(expected, rel=1e-12)
    assert fitted.law.parameters["mean"] == pytest.approx(expected, rel=1e-12)
    counts = (fitted.abandoned, fitted.abandoned_at_zero, fitted.censored)
    assert counts == (49, 10, 236) and fitted.served_at_zero == 101
    # AIC compares laws on the same data: every candidate on the 39 after a wait > 0
    table = fitted.candidates.set_index("law")
    assert (table["observations"] == 39 + 236).all()
    assert table.loc["exponential", "mean"] == pytest.approx(expected * 49 / 39)
    assert bool(table.loc["exponential", "chosen"])
    assert table.loc["exponential", "note"] == (
        "ranked on the 39 abandonments after a wait > 0, as the others; the law "
        f"kept counts all 49: {fitted.law.describe()}"
    )
    assert (
        "over 49 abandonments (10 of them after a wait of 0) and 236 censored waits "
        "> 0 of the served (the 101 served without a wait are left out: they say "
        "nothing about patience)"
    ) in fitted.method


def test_a_served_message_that_waited_0_changes_no_estimate() -> None:
    waits, gave_up, _, _ = _zero_waits(22)
    fitted = fit_patience(waits, gave_up)
    more = fit_patience(
        np.append(waits, np.zeros(50)), np.append(gave_up, [False] * 50)
    )
    assert more.mean == fitted.mean and more.censored == fitted.censored
    assert more.served_at_zero == fitted.served_at_zero + 50
    assert more.survival.equals(fitted.survival)
    assert more.candidates["aic"].tolist() == fitted.candidates["aic"].tolist()


def test_abandonments_at_once_need_some_time_waited() -> None:
    with pytest.raises(PushsimError) as caught:
        fit_patience(np.zeros(8), np.arange(8) < 5, where="t.csv: column 'wait'")
    assert str(caught.value) == (
        "t.csv: column 'wait': all 5 abandonments came after a wait of 0 and no served "
        "message waited, so there is no time waited to estimate patience over"
    )
    few = np.array([0.0, 0.0, 4.0, 9.0, 30.0, 50.0])
    kept = fit_patience(few, np.arange(6) < 4)
    assert kept.mean == pytest.approx(93.0 / 4)
    with pytest.raises(PushsimError, match="after a wait > 0 to compare laws, got 2"):
        fit_patience(few, np.arange(6) < 4, law="best")


def test_kaplan_meier_drops_at_0_for_abandonments_at_once() -> None:
    # times 0, 0, 1, 2+, 3: S(0) = 3/5, S(1) = 3/5 * 2/3, S(3) = 0
    table = kaplan_meier(np.array([0.0, 0.0, 1.0, 3.0]), np.array([2.0]))
    assert table["time"].tolist() == [0.0, 1.0, 3.0]
    assert table["survival"].tolist() == pytest.approx([0.6, 0.4, 0.0])
