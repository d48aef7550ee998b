"""The result records: immutable, plain dicts, notebook tables, unstable cases."""

from __future__ import annotations

import dataclasses
import math

import pytest

import pushsim.theory as theory
from pushsim.errors import PushsimError
from pushsim.theory import QueueMetrics, mm1, mmc, mmck


def test_results_are_frozen() -> None:
    metrics = mm1(arrival_rate=0.5, service_rate=1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        metrics.mean_wait = 0.0  # type: ignore[misc]


def test_to_dict_holds_the_figures_and_no_distributions() -> None:
    values = mmc(arrival_rate=9.0, service_rate=1.0, servers=10).to_dict()
    assert values["model"] == "M/M/c (Erlang C)"
    assert values["exact"] is True
    assert values["servers"] == 10
    assert set(values) >= {
        "utilisation",
        "throughput",
        "wait_probability",
        "loss_probability",
        "mean_wait",
        "mean_sojourn",
        "mean_queue_length",
        "mean_in_system",
        "stable",
    }
    assert "wait_distribution" not in values
    assert all(not callable(value) for value in values.values())


def test_finite_capacity_dict_has_the_state_probabilities() -> None:
    values = mmck(arrival_rate=2.0, service_rate=1.0, servers=2, capacity=4).to_dict()
    assert values["capacity"] == 4
    assert len(values["state_probabilities"]) == 5
    assert sum(values["state_probabilities"]) == pytest.approx(1.0)


def test_html_is_a_two_column_table() -> None:
    page = mmc(arrival_rate=9.0, service_rate=1.0, servers=10)._repr_html_()
    assert page.startswith("<table>") and page.endswith("</table>")
    assert page.count("<tr>") == len(
        mmc(arrival_rate=9.0, service_rate=1.0, servers=10).to_dict()
    )
    assert "<th style='text-align:left'>mean_wait</th>" in page
    long = mmck(
        arrival_rate=2.0, service_rate=1.0, servers=2, capacity=40
    )._repr_html_()
    assert "(41 values)" in long


def test_equal_inputs_give_equal_results() -> None:
    assert mm1(arrival_rate=0.5, service_rate=1.0) == mm1(
        arrival_rate=0.5, service_rate=1.0
    )


@pytest.mark.parametrize("arrival_rate", [10.0, 12.0])
def test_an_overloaded_queue_is_unstable_and_infinite_never_made_up(
    arrival_rate: float,
) -> None:
    metrics = mmc(arrival_rate=arrival_rate, service_rate=1.0, servers=10)
    assert not metrics.stable
    assert metrics.load == pytest.approx(arrival_rate / 10.0)
    assert metrics.utilisation == 1.0
    assert metrics.throughput == 10.0
    for value in (
        metrics.mean_wait,
        metrics.mean_sojourn,
        metrics.mean_queue_length,
        metrics.mean_in_system,
    ):
        assert value == math.inf
    assert metrics.wait_quantile(0.5) == math.inf
    assert metrics.sojourn_quantile(0.999) == math.inf
    assert metrics.wait_cdf(1e9) == 0.0
    assert metrics.wait_cdf(math.inf) == 1.0
    assert metrics.to_dict()["mean_wait"] == math.inf
    assert ">inf<" in metrics._repr_html_()


def test_finite_capacity_stays_stable_when_overloaded() -> None:
    metrics = mmck(arrival_rate=30.0, service_rate=1.0, servers=10, capacity=15)
    assert metrics.stable
    assert metrics.load == 3.0
    assert 0.0 < metrics.utilisation < 1.0
    assert metrics.loss_probability > 0.6
    assert math.isfinite(metrics.sojourn_quantile(0.99))


def test_has_distribution_tells_which_models_have_percentiles() -> None:
    assert mmc(arrival_rate=1.0, service_rate=1.0, servers=2).has_distribution
    assert not theory.mg1(
        arrival_rate=0.5, service_mean=1.0, service_scv=2.0
    ).has_distribution


def test_the_public_names_are_exported_and_importable() -> None:
    for name in theory.__all__:
        assert hasattr(theory, name), name
    assert isinstance(mm1(arrival_rate=0.1, service_rate=1.0), QueueMetrics)
    assert issubclass(theory.TheoryArgumentError, PushsimError)
    assert issubclass(theory.TheoryArgumentError, ValueError)


def test_a_mixture_of_laws_weights_its_parts_and_inverts() -> None:
    from pushsim.theory.timelaws import AtomExponential, Mixture, Unavailable

    mix = Mixture((AtomExponential(0.5, 2.0), AtomExponential(0.0, 1.0)), (3.0, 1.0))
    assert mix.cdf(1.0) == pytest.approx(
        0.75 * (1 - 0.5 * math.exp(-2.0)) + 0.25 * (1 - math.exp(-1.0))
    )
    assert mix.cdf(mix.quantile(0.95)) == pytest.approx(0.95, abs=1e-12)
    broken = Mixture(
        (AtomExponential(0.0, 1.0), Unavailable("no law here")), (1.0, 1.0)
    )
    with pytest.raises(PushsimError, match="no law here"):
        broken.quantile(0.5)
