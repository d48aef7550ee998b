"""``fit`` end to end on a synthetic log drawn from known laws, and the scenario it writes.

The log: Poisson arrivals over three days at a known daily profile;
lognormal service; patience exponential of mean PATIENCE against an offered
wait exponential of mean OFFERED, so that a message abandons when its
patience is shorter. Tolerances: Z standard errors at CHECK_LEVEL (0.999),
with the standard errors named in each check.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from pushsim.errors import PushsimError
from pushsim.fit import fit
from pushsim.scenario import load_scenario
from tests.conftest import CHECK_LEVEL

Z = float(stats.norm.ppf(0.5 + CHECK_LEVEL / 2))
HOUR, DAY = 3600.0, 86400.0
PATIENCE, OFFERED = 240.0, 120.0
SERVICE_MEAN, SERVICE_CV = 180.0, 1.2


def _log(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    hourly = np.array([30.0 if 8 <= h < 20 else 5.0 for h in range(24)])
    counts = rng.poisson(np.tile(hourly, 3))
    starts = np.repeat(np.arange(72) * HOUR, counts)
    arrival = np.sort(starts + rng.uniform(0, HOUR, starts.size))
    n = arrival.size
    s2 = math.log1p(SERVICE_CV**2)
    service = rng.lognormal(math.log(SERVICE_MEAN) - s2 / 2, math.sqrt(s2), n)
    patience, offered = rng.exponential(PATIENCE, n), rng.exponential(OFFERED, n)
    gave_up = patience < offered
    stamps = pd.Timestamp("2024-03-03") + pd.to_timedelta(arrival, unit="s")
    return pd.DataFrame(
        {
            "arrival": stamps.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            "wait": np.minimum(patience, offered),
            "service": np.where(gave_up, np.nan, service),
            "outcome": np.where(gave_up, "abandoned", "served"),
        }
    )


@pytest.fixture(scope="module")
def fitted():  # type: ignore[no-untyped-def]
    return fit(_log(31), period="1d")


def test_the_fit_recovers_what_drew_the_log(fitted) -> None:  # type: ignore[no-untyped-def]
    rates = fitted.rates
    assert len(rates) == 24 and rates.attrs["periods"] == 3
    truth = np.array([30.0 if 8 <= h < 20 else 5.0 for h in range(24)]) / HOUR
    mu = truth * 3 * HOUR  # expected count of each interval over three days
    z = stats.norm.ppf(1 - (1 - CHECK_LEVEL) / (2 * 24))
    assert np.all(np.abs(rates["arrivals"] - mu) <= z * np.sqrt(mu))
    assert fitted.service.law == "lognormal"
    # lognormal mean: SE from the fit's own observed information (a Wald check)
    se = fitted.service.standard_errors["mean"]
    assert abs(fitted.service.mean - SERVICE_MEAN) <= Z * se
    # exponential patience: SE = m / sqrt(E[A]), P(abandon) = 120 / (120 + 240)
    abandon = fitted.trace.size * OFFERED / (OFFERED + PATIENCE)
    assert abs(fitted.patience.mean - PATIENCE) <= Z * PATIENCE / math.sqrt(abandon)
    summary = fitted.summary
    assert {"mean arrival rate", "most in service at once"} <= set(summary.quantity)


def test_the_yaml_text_holds_the_mapping(fitted) -> None:  # type: ignore[no-untyped-def]
    options = {"consumers": 7, "slo": ["wait_p80 <= 60s"], "name": "synthetic"}
    mapping = fitted.to_scenario(**options)
    text = fitted.to_yaml(**options)
    assert yaml.safe_load(text) == mapping
    scenario = load_scenario(mapping)
    arrivals = scenario.producers["source"].arrivals
    assert arrivals.rates == pytest.approx(tuple(fitted.rates["rate"]), rel=1e-5)
    assert scenario.queues["work"].ttl.mean == pytest.approx(
        fitted.patience.mean, rel=1e-5
    )
    assert "# 08:00-09:00: " in text and "(chosen)" in text


def test_dates_select_days_and_timeline_mode_starts_at_the_first_interval() -> None:
    one = fit(_log(32), dates=["2024-03-04"], candidates=["exponential"])
    assert one.trace.origin == pd.Timestamp("2024-03-04")
    assert one.rates["start_at"].iloc[0] == 0.0 and len(one.rates) == 24
    mapping = one.to_scenario(consumers=3)
    assert mapping["producers"]["source"]["arrivals"]["repeat"] is False
    assert mapping["experiment"]["duration"] == "24h"
    with pytest.raises(PushsimError, match="no message arrived on 2024-04-01"):
        fit(_log(32), dates=["2024-04-01"])


def test_bad_options_are_refused() -> None:
    log = _log(33)
    quick = fit(log, interval=None, candidates=["exponential"])
    with pytest.raises(PushsimError, match="interval: must be a duration"):
        fit(log, interval="soon")
    with pytest.raises(PushsimError, match="consumers: must be a whole number >= 1"):
        quick.to_scenario(consumers=0)
    with pytest.raises(PushsimError, match="producer: must be a node name"):
        quick.to_scenario(producer="two words")
