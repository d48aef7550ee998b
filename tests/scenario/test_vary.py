"""Derived scenarios: a field set by its path, every rate scaled."""

from __future__ import annotations

import pickle

import pytest

from pushsim import PushsimError, ScenarioError, load_scenario
from pushsim.scenario import rate_factor, scaled, with_values
from tests.conftest import SCENARIOS, station


def test_a_value_is_put_at_its_path_and_validated() -> None:
    base = load_scenario(SCENARIOS / "mmc.yaml")
    more = with_values(base, {"queues.push.consumers.count": 12})
    assert more.queues["push"].consumers.count == 12
    assert base.queues["push"].consumers.count != 12  # the original is unchanged
    assert more.experiment.sweep is None and base.experiment.sweep is not None
    assert more.source_text == base.source_text
    slower = with_values(base, {"queues.push.consumers.service.mean": "20ms"})
    assert slower.queues["push"].consumers.service.mean == pytest.approx(0.02)


def test_a_value_that_does_not_fit_names_the_path_and_the_value() -> None:
    base = load_scenario(station(10.0, 0.05))
    with pytest.raises(ScenarioError) as error:
        with_values(base, {"queues.q.consumers.count": 0})
    (fault,) = error.value.faults
    assert fault.path == "queues.q.consumers.count"
    assert fault.message == "with queues.q.consumers.count = 0: must be >= 1, got 0"
    with pytest.raises(ScenarioError, match="queues has no 'w'; use q"):
        with_values(base, {"queues.w.consumers.count": 2})
    with pytest.raises(PushsimError, match="'load' is not a field"):
        with_values(base, {"load": 0.5})


def test_scaling_multiplies_every_rate_and_survives_a_field_change() -> None:
    base = load_scenario(station(10.0, 0.05))
    half = scaled(base, 0.5)
    assert half.producers["src"].arrivals.rate == 5.0 and rate_factor(half) == 0.5
    changed = with_values(half, {"queues.q.consumers.count": 3})
    assert changed.producers["src"].arrivals.rate == 5.0
    assert rate_factor(changed) == 0.5
    for bad in (0, -1.0, float("nan"), float("inf"), True, "2"):
        with pytest.raises(PushsimError, match="rate factor must be"):
            scaled(base, bad)  # type: ignore[arg-type]


def test_a_derived_scenario_travels_to_another_process_intact() -> None:
    base = with_values(
        load_scenario(station(10.0, 0.05)), {"queues.q.consumers.count": 2}
    )
    copy = pickle.loads(pickle.dumps(scaled(base, 2.0)))
    assert copy == scaled(base, 2.0) and rate_factor(copy) == 2.0
    assert (
        with_values(copy, {"queues.q.consumers.count": 3})
        .producers["src"]
        .arrivals.rate
        == 20.0
    )


def test_a_seed_or_replications_set_over_the_file_survive_a_field_change() -> None:
    # A sweep over a field with --seed, or a plan with --replications, sets
    # them over the file's; a point derived from the file keeps them.
    from pushsim.simulate import with_overrides

    base = with_overrides(
        load_scenario(SCENARIOS / "mmc.yaml"), seed=77, replications=3
    )
    point = with_values(scaled(base, 0.5), {"queues.push.consumers.count": 9})
    assert (point.seed, point.experiment.replications) == (77, 3)
    assert point.queues["push"].consumers.count == 9
    again = with_values(point, {"seed": 5, "experiment.replications": 2})
    assert (again.seed, again.experiment.replications) == (5, 2)
    assert with_values(again, {"queues.push.consumers.count": 8}).seed == 5
