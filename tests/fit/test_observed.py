"""What the log saw: the abandonment share with its exact band, and the waits of the served."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pushsim.fit import fit, read_trace
from pushsim.fit.observed import observed_metrics, observed_rows, observed_text


def _trace(outcomes: list[str], waits: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "arrival": np.arange(len(outcomes), dtype=float) * 10.0,
            "wait": waits,
            "service": [5.0 if o == "served" else np.nan for o in outcomes],
            "outcome": outcomes,
        }
    )


def test_the_share_abandoned_gets_the_exact_binomial_band() -> None:
    outcomes = ["abandoned"] * 30 + ["served"] * 65 + ["lost"] * 5
    waits = list(np.linspace(1.0, 100.0, 100))
    rows = {
        r["quantity"]: r for r in observed_rows(read_trace(_trace(outcomes, waits)))
    }
    share = rows["abandoned (observed)"]
    assert share["value"] == 0.30  # over every message with an outcome, lost too
    band = stats.binomtest(30, 100).proportion_ci(0.95, method="exact")
    assert share["low"] == pytest.approx(band.low, rel=1e-9)
    assert share["high"] == pytest.approx(band.high, rel=1e-9)
    served = np.array(waits[30:95])
    assert rows["wait mean (observed)"]["value"] == pytest.approx(served.mean())
    assert rows["wait p80 (observed)"]["value"] == pytest.approx(
        np.quantile(served, 0.8)
    )


def test_no_abandonment_and_all_abandoned_keep_their_bands_in_range() -> None:
    none = observed_rows(read_trace(_trace(["served"] * 20, [0.0] * 20)))[0]
    assert (none["value"], none["low"]) == (0.0, 0.0)
    assert none["high"] == pytest.approx(1 - 0.025 ** (1 / 20))
    every = observed_rows(read_trace(_trace(["abandoned"] * 20, [3.0] * 20)))
    assert (every[0]["value"], every[0]["high"]) == (1.0, 1.0)
    assert len(every) == 1  # no served message, so no waits to show


def test_a_trace_without_outcomes_shows_nothing_observed() -> None:
    frame = pd.DataFrame({"arrival": np.arange(50.0), "service": np.full(50, 2.0)})
    trace = read_trace(frame)
    assert observed_rows(trace) == [] and observed_text(trace) is None


def test_the_fit_summary_and_its_scenario_say_what_the_log_saw() -> None:
    outcomes = (["abandoned"] + ["served"] * 3) * 25
    rng = np.random.default_rng(5)
    frame = _trace(outcomes, list(rng.exponential(30.0, 100)))
    frame["service"] = np.where(
        frame.outcome == "served", rng.exponential(20, 100), np.nan
    )
    fitted = fit(frame, interval=None)
    summary = fitted.summary.set_index("quantity")
    assert summary.loc["abandoned (observed)", "value"] == 0.25
    assert summary.loc["abandoned (observed)", "unit"] == "ratio"
    assert "# The log saw: 25% abandoned (95% 16.9% to 34.7%)" in fitted.to_yaml()


def test_the_run_metrics_named_are_those_the_log_observed() -> None:
    frame = _trace(["abandoned"] * 5 + ["served"] * 15, list(np.linspace(1, 40, 20)))
    assert observed_metrics(read_trace(frame)) == [
        "expiry_rate",
        "wait_mean",
        "wait_p80",
    ]
    no_wait = frame.drop(columns="wait")
    assert observed_metrics(read_trace(no_wait)) == ["expiry_rate"]
    assert fit(no_wait, interval=None).observed_metrics == ("expiry_rate",)
    assert observed_metrics(read_trace(frame.drop(columns="outcome"))) == []
