"""Offered load from the traffic equations: splits, feedback, balancers."""

from __future__ import annotations

from typing import Any

import pytest

from pushsim import PushsimError, load_scenario
from pushsim.theory import offered_load
from tests.conftest import SCENARIOS


def _two(to: str, **balancer: Any) -> dict[str, Any]:
    def queue(count: int, mean: str) -> dict[str, Any]:
        return {
            "consumers": {
                "count": count,
                "service": {"law": "exponential", "mean": mean},
            }
        }

    data: dict[str, Any] = {
        "producers": {"p": {"arrivals": {"process": "poisson", "rate": 30}, "to": to}},
        "queues": {"a": queue(1, "10ms"), "b": queue(2, "40ms")},
        "experiment": {"messages": 100},
    }
    if balancer:
        data["balancers"] = {"lb": {"to": ["a", "b"], **balancer}}
    return data


def test_a_feedback_loop_is_counted() -> None:
    data = _two("a")
    data["queues"]["a"]["consumers"]["then"] = {"a": 0.5, "b": 0.25, "exit": 0.25}
    flows = offered_load(load_scenario(data))
    assert flows.arrival_rate["a"] == pytest.approx(60.0)  # 30 / (1 - 0.5)
    assert flows.load == pytest.approx({"a": 0.6, "b": 0.3})
    assert flows.bottleneck == "a" and flows.saturation_factor == pytest.approx(1 / 0.6)


def test_fixed_splits_and_state_aware_balancers() -> None:
    random = offered_load(load_scenario(_two("lb", policy="random")))
    assert random.load == pytest.approx({"a": 0.15, "b": 0.3})
    assert random.bottleneck == "b"
    # jsq keeps its targets equally busy: split by capacity 100/s and 50/s
    shortest = offered_load(load_scenario(_two("lb", policy="jsq")))
    assert shortest.load == pytest.approx({"a": 0.2, "b": 0.2})
    assert shortest.saturation_factor == pytest.approx(5.0)


def test_the_shipped_examples_report_their_stated_loads() -> None:
    assert offered_load(load_scenario(SCENARIOS / "mm1.yaml")).peak == pytest.approx(
        0.8
    )
    assert offered_load(load_scenario(SCENARIOS / "mmc.yaml")).peak == pytest.approx(
        0.9
    )


def test_no_flow_is_refused() -> None:
    data = _two("a")
    data["producers"]["p"]["arrivals"]["rate"] = 0
    with pytest.raises((PushsimError, ValueError)):
        offered_load(load_scenario(data))
