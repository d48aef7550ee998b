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


def _steady(start: str, seconds: float, gap: float) -> pd.DataFrame:
    """Arrivals every ``gap`` seconds for ``seconds``, served in 1 to 3 s."""
    offsets = np.arange(0.0, seconds + gap / 2, gap)
    stamps = pd.Timestamp(start) + pd.to_timedelta(offsets, unit="s")
    return pd.DataFrame(
        {
            "arrival": stamps.strftime("%Y-%m-%dT%H:%M:%S"),
            "service": 1.0 + (np.arange(offsets.size) * 7 % 11) / 5.0,
        }
    )


def test_the_timeline_scenario_runs_over_the_time_observed() -> None:
    # every 2 s from 22:13:26 to 22:30:26, in 10-minute intervals
    fitted = fit(_steady("2024-03-05T22:13:26", 1020.0, 2.0), interval="10min")
    assert fitted.rates["exposure_time"].tolist() == [394.0, 600.0, 26.0]
    assert fitted.mean_rate == pytest.approx(511 / 1020.0)
    mapping = fitted.to_scenario(consumers=2)
    rates = mapping["producers"]["source"]["arrivals"]["rates"]
    assert rates[:2] == ["30/min", "30/min"]
    # from 22:10, where the profile starts, to the last arrival at 22:30:26
    assert mapping["experiment"]["duration"] == "1226s"
    text = fitted.to_yaml(consumers=2)
    assert "22:10-22:20: 197 arrivals in the 6.567min observed" in text
    assert "to the last arrival at 22:30:26; the trace observed 17min" in text
    assert load_scenario(yaml.safe_load(text)).experiment.duration == 1226.0


def test_a_folded_interval_never_observed_gets_no_arrivals() -> None:
    fitted = fit(_steady("2024-03-05T07:00:00", 2 * HOUR, 30.0), period="1d")
    rates = fitted.rates
    assert rates["exposure_time"].iloc[7:9].tolist() == [HOUR, HOUR]
    assert rates["rate"].iloc[:7].isna().all() and rates["rate"].iloc[9:].isna().all()
    mapping = fitted.to_scenario(consumers=2)
    written = mapping["producers"]["source"]["arrivals"]["rates"]
    assert written[0] == "0/h" and written[7] == "120/h"
    text = fitted.to_yaml(consumers=2)
    assert "# 00:00-01:00: not observed in the trace (no arrivals assumed)" in text
    load_scenario(mapping)


def _served_and_not(served: int, others: int) -> pd.DataFrame:
    """Served messages with service times, then abandoned ones that carry some too."""
    count = served + others
    return pd.DataFrame(
        {
            "arrival": np.arange(count) * 10.0,
            "service": [30.0 + k % 7 for k in range(served)] + [1000.0] * others,
            "wait": 1.0 + np.arange(count) % 13,
            "outcome": ["served"] * served + ["abandoned"] * others,
        }
    )


def test_service_values_of_messages_not_served_are_left_out_and_said() -> None:
    fitted = fit(_served_and_not(40, 20), interval=None)
    assert fitted.service_times.size == 40 and fitted.service_times.max() < 1000
    assert (
        "the values of column 'service' on 20 abandoned messages left out of the "
        "service fit and of the most in service at once: only a served message has "
        "a service time"
    ) in fitted.notes
    with pytest.raises(PushsimError) as caught:
        fit(_served_and_not(1, 399), interval=None)
    assert str(caught.value) == (
        "trace: column 'service': 1 of its 1 service times are > 0; a service law "
        "needs at least 5 positive times to fit; the values of column 'service' on "
        "399 abandoned messages are left out, as only a served message has a "
        "service time"
    )
    unserved = fit(_served_and_not(0, 30), interval=None)
    with pytest.raises(PushsimError) as caught:
        unserved.to_scenario()
    assert str(caught.value).endswith(
        "(the values of column 'service' on 30 abandoned messages are left out, as "
        "only a served message has one)"
    )
