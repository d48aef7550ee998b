"""plan_day: the MOL plan against the naive one, the day simulation, the offered load."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

from pushsim import load_scenario
from pushsim.engines.des import DesEngine
from pushsim.errors import PushsimError
from pushsim.plan import plan_day
from pushsim.plan._daycheck import check_schedule
from pushsim.plan._dayrecord import clock
from pushsim.plan._offered import RateProfile, offered
from pushsim.scenario import parse_slo
from tests.conftest import CHECK_LEVEL, SCENARIOS

STAFFING = SCENARIOS / "staffing.yaml"


def _peak(day: Any) -> int:
    return int(np.argmax(day.schedule.arrival_rate.to_numpy()))


def test_mol_staffs_more_just_after_a_sharp_peak_and_less_in_the_rise() -> None:
    # Theory (Jennings et al. 1996): the offered load m(t) lags the rate by
    # about a service time, so right after the peak it is still near the
    # peak's load while the rate has fallen, and during a steep rise it is
    # below the interval's own load.
    day = plan_day(STAFFING, check=False)
    frame = day.schedule
    peak = _peak(day)
    after, rise = frame.iloc[peak + 1], frame.iloc[peak]
    assert after.mol_load > after.offered_load
    assert after.mol > after.naive
    assert rise.mol_load < rise.offered_load
    assert rise.mol <= rise.naive
    assert day.consumer_hours("mol") > day.consumer_hours("naive")


def test_the_simulated_day_finds_the_naive_plan_short_just_after_the_peak() -> None:
    day = plan_day(STAFFING, replications=10, confidence=CHECK_LEVEL)
    assert day.check is not None
    after = _peak(day) + 1
    rows = day.check[(day.check.interval == after) & (day.check.slo != "")]
    naive = rows[rows.schedule == "naive"].iloc[0]
    mol = rows[rows.schedule == "mol"].iloc[0]
    # Two independent sets of days: the difference of the means over its
    # standard error, against the Student t quantile at CHECK_LEVEL.
    se = [
        (r.ci_high - r.ci_low) / (2 * stats.t.ppf(0.5 + CHECK_LEVEL / 2, 9))
        for r in (naive, mol)
    ]
    z = (naive["mean"] - mol["mean"]) / math.hypot(*se)
    assert z > stats.t.ppf(0.5 + CHECK_LEVEL / 2, 9), (naive, mol)
    assert naive.verdict != "pass" and mol.verdict != "fail"
    facts = dict(day.answer())
    assert "check of the mol plan" in facts and "check of the naive plan" in facts


def test_a_schedule_is_a_scenario_that_runs_as_any_other() -> None:
    day = plan_day(STAFFING, check=False)
    staffed = day.staffed("mol")
    count = staffed.queues["render"].consumers.count
    assert count.profile == tuple(day.counts("mol")) and count.interval == 3600.0
    assert staffed.queues["render"].consumers.mean_count == pytest.approx(
        day.consumer_hours("mol") / 24
    )
    run = DesEngine().run(staffed, 0)
    assert run.horizon == 24 * 3600.0
    with pytest.raises(KeyError, match="no schedule 'busy'"):
        day.staffed("busy")


def test_the_day_check_counts_what_the_simulation_left_unfinished() -> None:
    # 10 and then 60 jobs an hour of 5 minutes each, once, on one consumer:
    # about 350 minutes of work, of which the 4 hours simulated (the day and
    # one more) leave about 110 minutes, some 20 jobs, undone. They are
    # counted, not silently dropped.
    data = _profiled()
    data["producers"]["src"]["arrivals"]["repeat"] = False
    scenario = load_scenario(data)
    slos = [parse_slo("wait_mean <= 1min")]
    frame = check_schedule(
        "tight", scenario, "q", np.array([1, 1]), 3600.0, 0.0, slos,
        replications=3, confidence=0.95, repeat=False,
    )  # fmt: skip
    assert 3 * 5 <= frame.attrs["unfinished"] <= 3 * 40
    judged = frame[frame.slo != ""]
    assert judged[judged.interval == 1].verdict.tolist() == ["fail"]
    enough = check_schedule(
        "ample", scenario, "q", np.array([4, 12]), 3600.0, 0.0, slos,
        replications=3, confidence=0.95, repeat=False,
    )  # fmt: skip
    assert enough.attrs["unfinished"] == 0


def test_the_offered_load_of_a_steady_rate_is_rate_times_the_mean() -> None:
    profile = RateProfile(np.full(6, 2.0), 10.0, True)
    times = np.linspace(0, 60, 13)
    assert np.allclose(offered(profile, 3.0, times), 6.0)
    draws = np.random.default_rng(1).exponential(3.0, 20_000)
    assert np.allclose(offered(profile, 3.0, times, sample=draws), 2.0 * draws.mean())


def test_the_exact_and_the_sampled_offered_load_agree() -> None:
    # The sampled m(t) is the mean of Lambda(t) - Lambda(t - S) over the
    # sample; its standard error comes from the same terms.
    profile = RateProfile(np.array([1.0, 1.0, 9.0, 2.0, 1.0, 1.0]), 10.0, True)
    draws = np.random.default_rng(2).exponential(6.0, 20_000)
    times = np.array([5.0, 20.0, 29.0, 31.0, 40.0, 59.0])
    exact = offered(profile, 6.0, times)
    sampled = offered(profile, 6.0, times, sample=draws)
    for t, a, b in zip(times, exact, sampled, strict=True):
        terms = profile.cumulative(np.array([t]))[0] - profile.cumulative(t - draws)
        se = terms.std(ddof=1) / math.sqrt(draws.size)
        assert abs(a - b) <= stats.norm.ppf(0.5 + CHECK_LEVEL / 2) * se, (t, a, b, se)


def _profiled(**queue: Any) -> dict[str, Any]:
    return {
        "producers": {
            "src": {
                "arrivals": {
                    "process": "profile",
                    "interval": "1h",
                    "rates": ["10/h", "60/h"],
                },
                "to": "q",
            }
        },
        "queues": {
            "q": {
                **queue,
                "consumers": {
                    "count": 2,
                    "service": {"law": "exponential", "mean": "5min"},
                },
            }
        },
        "experiment": {"duration": "2h", "warmup": 0, "slo": ["wait_mean <= 1min"]},
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"queues": {"q": {"discipline": "lifo"}}},
            "queues.q.discipline: must be fifo, got lifo",
        ),
        ({"queues": {"q": {"capacity": 5}}}, "queues.q.capacity: must be unset"),
        (
            {"producers": {"src": {"arrivals": {"process": "poisson", "rate": 1}}}},
            "rate follows a profile",
        ),
    ],
)
def test_what_the_day_plan_does_not_cover_is_refused(
    change: dict[str, Any], message: str
) -> None:
    data = _profiled()
    for section, nodes in change.items():
        for name, fields in nodes.items():
            data[section][name].update(fields)
    with pytest.raises(PushsimError, match=message):
        plan_day(data, check=False)


def test_bad_day_requests_are_refused() -> None:
    data = _profiled()
    with pytest.raises(PushsimError, match="the day check measures"):
        plan_day(data, slo="q.queue_length <= 3", check=False)
    with pytest.raises(PushsimError, match="replications must be a whole number >= 2"):
        plan_day(data, replications=1)
    with pytest.raises(PushsimError, match="no queue called 'nowhere'"):
        plan_day(data, slo="nowhere.p99 <= 1s", check=False)


SHIFTS = SCENARIOS / "shifts.yaml"


def test_a_roster_in_the_scenario_is_checked_beside_the_two_plans() -> None:
    # The roster keeps 12 agents at 21:00, when the MOL asks for about 21
    # (the chats of the 19:00 peak are still being served): far enough from
    # the SLO that it fails at CHECK_LEVEL whatever the days drawn.
    day = plan_day(SHIFTS, replications=10, confidence=CHECK_LEVEL)
    assert day.schedules == ("naive", "mol", "current")
    roster = load_scenario(SHIFTS).queues["chat"].consumers.count.profile
    assert tuple(day.counts("current")) == roster
    verdicts = day.verdicts.set_index("interval")
    assert verdicts.loc[21, "current"] == "fail"
    assert verdicts.loc[21, "mol"] != "fail"
    facts = dict(day.answer())
    gap = int(day.counts("current")[21] - day.counts("mol")[21])
    assert gap <= -5 and f"21:00 {gap:+d}" in facts["current against MOL"]
    assert "check of the current schedule" in facts
    assert "current" in day.table().columns


def test_a_roster_on_other_intervals_than_the_profile_is_said_not_checked() -> None:
    data = _profiled()
    data["queues"]["q"]["consumers"]["count"] = {"profile": [2, 3, 4], "interval": "1h"}
    day = plan_day(data, check=False)
    assert day.schedules == ("naive", "mol")
    note = dict(day.answer())["current schedule"]
    assert note.startswith(
        "not checked: queues.q.consumers.count has 3 intervals of 1h"
    )
    assert "rate profile's 2 of 1h" in note


def test_an_interval_too_close_to_call_names_the_days_that_would_decide() -> None:
    # Three days on two consumers for 10 then 60 jobs an hour: waits near
    # the limit, so the check cannot decide some intervals.
    day = plan_day(_profiled(), replications=3)
    assert day.check is not None
    judged = day.check[day.check.slo != ""]
    close = judged[judged.verdict == "inconclusive"]
    assert len(close), "the case is meant to leave an interval undecided"
    facts = dict(day.answer())
    for name, rows in close.groupby("schedule"):
        text = facts[f"check of the {name} plan"]
        for start, part in rows.groupby("start"):
            needed = int(part.replications_needed.max())
            assert needed > 3
            assert f"{clock(start)} ({needed})" in text, text
        assert text.endswith(
            "(3 simulated days, 95% intervals; in brackets, the days that would decide)"
        )
    # a changed verdict changes the text: the figures come from the check table
    check = day.check.copy()
    check.loc[check.slo != "", "verdict"] = "pass"
    settled = dict(dataclasses.replace(day, check=check).answer())
    assert settled["check of the mol plan"] == (
        "meets every SLO in 2 of 2 intervals (3 simulated days, 95% intervals)"
    )


def test_intervals_without_messages_are_not_counted_as_meeting_the_slo() -> None:
    data = _profiled()
    data["producers"]["src"]["arrivals"]["rates"] = ["0/h", "60/h"]
    day = plan_day(data, replications=3)
    assert day.verdicts.set_index("interval").loc[0, "mol"] == "no messages"
    text = dict(day.answer())["check of the mol plan"]
    assert (
        text.startswith("meets every SLO in ")
        and " of 1 interval with messages (1 had none)" in text
    )
