"""Knee, SLO limits and saturation throughput, on cases whose answer is known.

Two kinds of check. On a table made of the M/M/1 formulas themselves (zero
width intervals) the rules must give the formula's answer exactly, because
the quantities they interpolate are linear in the load for M/M/1. On
simulated sweeps the answer must lie in the figure's interval, recomputed
from the points' intervals widened from 95 % to the CHECK_LEVEL quantile of
Student's t (the same standard errors, a stricter band, as in conftest).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from pushsim import PushsimError, load_scenario
from pushsim.sweep import knee, saturation_throughput, slo_limits, sweep
from pushsim.theory import erlang_c, mm1
from tests.conftest import CHECK_LEVEL, station

MU = 100.0  # service rate of the M/M/1 cases: 10 ms mean service
P99_LIMIT = 0.25
P99_LOAD = 1.0 - math.log(100.0) / (P99_LIMIT * MU)  # p99 = ln(100) / (mu - lambda)


def _exact_frame(loads: list[float]) -> pd.DataFrame:
    rows = []
    for i, load in enumerate(loads):
        m = mm1(arrival_rate=load * MU, service_rate=MU)
        figures = {
            ("system", "throughput"): load * MU,
            ("system", "wait_mean"): m.mean_wait,
            ("system", "service_mean"): 1 / MU,
            ("system", "sojourn_p99"): m.sojourn_quantile(0.99),
            ("q", "utilisation"): load,
        }
        for (node, metric), value in figures.items():
            rows.append(
                {
                    "load": load,
                    "point": i,
                    "node": node,
                    "metric": metric,
                    "mean": value,
                    "ci_low": value,
                    "ci_high": value,
                    "offered_load": load,
                    "saturated": False,
                }
            )
    frame = pd.DataFrame(rows)
    scenario = load_scenario(
        {
            **station(MU / 2, 1 / MU),
            "experiment": {"messages": 1000, "slo": [f"p99 <= {P99_LIMIT * 1000:g}ms"]},
        }
    )
    frame.attrs.update(vary=["load"], bottleneck="q", slo=list(scenario.experiment.slo))
    return frame


def test_the_rules_give_the_formulas_answers_exactly() -> None:
    frame = _exact_frame([0.2, 0.45, 0.6, 0.8, 0.9])
    assert knee(frame).value == pytest.approx(0.5, rel=1e-12)
    assert saturation_throughput(frame).value == pytest.approx(MU, rel=1e-12)
    limits = slo_limits(frame)
    assert limits.value.iloc[0] == pytest.approx(P99_LOAD, rel=1e-12)
    assert limits.highest_point_met.iloc[0] == 0.8


def test_answers_beyond_the_swept_range_are_said_not_guessed() -> None:
    frame = _exact_frame([0.1, 0.2, 0.3])
    assert math.isnan(knee(frame).value)
    assert knee(frame).note == "above the swept range (0.3)"
    assert slo_limits(frame).note.iloc[0] == "met at every swept point, up to 0.3"
    frame = _exact_frame([0.85, 0.9])
    assert slo_limits(frame).note.iloc[0] == "met at no swept point, down to 0.85"


def _widened(frame: pd.DataFrame) -> pd.DataFrame:
    dof = int(frame.replications.iloc[0]) - 1
    factor = stats.t.ppf(0.5 + CHECK_LEVEL / 2, dof) / stats.t.ppf(0.975, dof)
    out = frame.copy()
    half = (out.ci_high - out.ci_low) / 2
    centre = (out.ci_high + out.ci_low) / 2
    out["ci_low"], out["ci_high"] = centre - factor * half, centre + factor * half
    out.attrs = frame.attrs
    return out


def test_simulated_m_m_1_curves_cover_the_formulas() -> None:
    data = station(MU / 2, 1 / MU, messages=30_000, replications=8)
    data["experiment"]["slo"] = [f"p99 <= {P99_LIMIT * 1000:g}ms"]
    frame = _widened(
        sweep(data, values=[0.3, 0.45, 0.55, 0.75, 0.85], executor="serial")
    )
    bend = knee(frame)
    assert bend.low <= 0.5 <= bend.high, bend
    limit = slo_limits(frame).iloc[0]
    assert limit.low <= P99_LOAD <= limit.high, limit
    top = saturation_throughput(frame)
    assert top.low <= MU <= top.high, top


def test_the_m_m_c_knee_moves_up_with_the_servers() -> None:
    servers = 8

    def excess(load: float) -> float:  # mean wait minus mean service, in services
        return (
            erlang_c(servers=servers, offered_load=load * servers)
            / (servers * (1 - load))
            - 1.0
        )

    expected = optimize.brentq(excess, 0.3, 0.99)
    data = station(10.0, 0.1 * servers, servers, messages=20_000, replications=8)
    loads = [0.8, 0.88, 0.93]
    frame = _widened(sweep(data, values=loads, executor="serial"))
    bend = knee(frame)
    assert 0.88 < expected < 0.93  # M/M/1 bends at 0.5
    assert bend.low <= expected <= bend.high, (bend, expected)


def test_curves_need_one_numeric_varied_value() -> None:
    frame = _exact_frame([0.2, 0.4])
    frame.attrs["vary"] = ["load", "queues.q.consumers.count"]
    with pytest.raises(PushsimError, match="select one line of the grid first"):
        knee(frame)
    words = frame.assign(policy=np.where(frame.point == 0, "jsq", "random"))
    words.attrs = {**frame.attrs, "vary": ["policy"]}
    with pytest.raises(PushsimError, match="'policy' is not one"):
        saturation_throughput(words)


def test_a_limit_the_intervals_do_not_confirm_is_said_so() -> None:
    frame = _exact_frame([0.1, 0.2, 0.3])
    top = (frame.point == 2) & (frame.metric == "sojourn_p99")
    frame.loc[top, "ci_high"] = 2 * P99_LIMIT  # the mean meets it, the interval not
    assert slo_limits(frame).note.iloc[0] == (
        "the mean meets it at every swept point, up to 0.3, but the intervals "
        "confirm it only up to 0.2"
    )
