"""Bad requests to plan(): each refused with the place, the value and the rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pushsim import load_scenario
from pushsim.errors import PushsimError, ScenarioError
from pushsim.plan import plan
from tests.conftest import station


def _scenario(**queue: Any) -> Any:
    return load_scenario(
        station(250.0, 0.01, 4, messages=4000, replications=2, **queue)
    )


def test_an_unknown_path_names_it_and_suggests_the_nearest() -> None:
    with pytest.raises(ScenarioError) as caught:
        plan(_scenario(), slo="p99 <= 100ms", vary="queues.q.consumers.cuont")
    text = str(caught.value)
    assert "queues.q.consumers.cuont" in text and "did you mean 'count'?" in text


def test_a_field_that_is_not_a_whole_number_is_refused() -> None:
    with pytest.raises(
        PushsimError, match=r"vary 'queues\.q\.discipline'.*not a whole number"
    ):
        plan(_scenario(), slo="p99 <= 100ms", vary="queues.q.discipline")
    with pytest.raises(PushsimError, match="not a whole number"):
        plan(_scenario(), slo="p99 <= 100ms", vary="queues.q.consumers.service.mean")


def test_an_slo_that_no_count_within_the_bounds_meets_says_so() -> None:
    # The service alone takes 10 ms on average, so no count gives a mean
    # sojourn of 5 ms; theory says so at every count, the bound is simulated.
    with pytest.raises(PushsimError) as caught:
        plan(_scenario(), slo="sojourn_mean <= 5ms", bounds=(1, 6), headroom=False)
    text = str(caught.value)
    assert "no queues.q.consumers.count in [1, 6] meets sojourn_mean <= 5ms" in text
    assert "at 6 the simulation gives sojourn_mean" in text and "(fail)" in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"slo": "p99 <== 1s"}, "slo 'p99 <== 1s'"),
        ({"slo": "nowhere.p99 <= 1s"}, "no queue called 'nowhere'"),
        ({"slo": []}, "give at least one objective"),
        ({"slo": "p99 <= 1s", "load": 0}, "load must be a finite number > 0, got 0"),
        ({"slo": "p99 <= 1s", "cost": -1}, "cost must be a number >= 0"),
        ({"slo": "p99 <= 1s", "replications": 1}, "replications must be at least 2"),
        (
            {"slo": "p99 <= 1s", "confidence": 1.5},
            "confidence must be a number between",
        ),
        ({"slo": "p99 <= 1s", "bounds": (5, 2)}, "bounds must satisfy"),
        ({"slo": "p99 <= 1s", "vary": "load", "load": 2.0}, "not both"),
        ({"slo": "p99 <= 1s", "max_replications": 1}, "max_replications must be"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(
        PushsimError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        plan(_scenario(), **options)


def test_without_an_slo_anywhere_the_plan_asks_for_one() -> None:
    with pytest.raises(PushsimError, match="no SLO to plan against"):
        plan(_scenario())


def test_several_queues_need_the_field_named() -> None:
    data = station(250.0, 0.01, 4)
    data["queues"]["r"] = copy.deepcopy(data["queues"]["q"])
    data["queues"]["q"]["consumers"]["then"] = "r"
    with pytest.raises(
        PushsimError, match="this scenario has 2 queues, so say what to vary"
    ):
        plan(load_scenario(data), slo="p99 <= 1s")
