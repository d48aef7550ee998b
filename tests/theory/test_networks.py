"""Jackson networks and the QNA decomposition, against hand-solved examples."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from pushsim.errors import PushsimError
from pushsim.theory import gg1, jackson, mm1, qna

THREE: dict[str, Any] = {
    "arrival_rates": [1.0, 0.5, 0.0],
    "routing": [[0.0, 0.5, 0.3], [0.2, 0.0, 0.6], [0.0, 0.0, 0.0]],
}


def test_jackson_tandem_sojourn_is_the_sum_of_mm1_sojourns() -> None:
    network = jackson(
        arrival_rates=[1.0, 0.0],
        service_rates=[2.0, 3.0],
        servers=1,
        routing=[[0.0, 1.0], [0.0, 0.0]],
    )
    assert network.mean_sojourn == pytest.approx(1.0 / 1.0 + 1.0 / 2.0, rel=1e-14)
    assert network.stations[1].mean_sojourn == pytest.approx(0.5, rel=1e-14)
    assert network.exact and network.stable


def test_jackson_feedback_counts_every_visit() -> None:
    # Half the messages go round again: 2 visits on average, each an M/M/1
    # visit at lambda = 2, mu = 3 with a mean sojourn of 1 s.
    network = jackson(
        arrival_rates=[1.0], service_rates=[3.0], servers=1, routing=[[0.5]]
    )
    assert network.arrival_rates == pytest.approx((2.0,))
    assert network.visit_ratios == pytest.approx((2.0,))
    assert network.mean_sojourn == pytest.approx(2.0, rel=1e-14)


def test_jackson_traffic_rates_solve_the_hand_solved_equations() -> None:
    # lambda1 = 1 + 0.2 lambda2, lambda2 = 0.5 + 0.5 lambda1,
    # lambda3 = 0.3 lambda1 + 0.6 lambda2: 11/9, 10/9, 31/30.
    network = jackson(service_rates=[2.0, 1.0, 1.5], servers=[1, 2, 1], **THREE)
    assert network.arrival_rates == pytest.approx((11 / 9, 10 / 9, 31 / 30), rel=1e-14)
    total_in_system = sum(s.mean_in_system for s in network.stations)
    assert network.mean_sojourn == pytest.approx(total_in_system / 1.5, rel=1e-14)
    first = mm1(arrival_rate=11 / 9, service_rate=2.0)
    assert network.stations[0].mean_sojourn == pytest.approx(first.mean_sojourn)


def test_jackson_with_an_overloaded_station_is_unstable() -> None:
    network = jackson(
        arrival_rates=[1.0], service_rates=[1.5], servers=1, routing=[[0.4]]
    )
    assert not network.stable
    assert network.mean_sojourn == math.inf
    assert not network.stations[0].stable


def test_network_tables_name_their_stations() -> None:
    network = jackson(
        service_rates=[2.0, 1.0, 1.5], servers=[1, 2, 1], names=["a", "b", "c"], **THREE
    )
    frame = network.to_frame()
    assert list(frame["station"]) == ["a", "b", "c"]
    assert frame.loc[1, "mean_sojourn"] == network.station("b").mean_sojourn
    assert "<table>" in network._repr_html_()
    assert network.to_dict()["stations"]["c"]["servers"] == 1
    with pytest.raises(PushsimError, match="no station called 'd'"):
        network.station("d")


def test_qna_with_unit_scvs_equals_jackson() -> None:
    rates = [2.0, 1.0, 1.5]
    exact = jackson(service_rates=rates, servers=[1, 2, 1], **THREE)
    for superposition in ("hybrid", "asymptotic"):
        approx = qna(
            arrival_scvs=[1.0, 1.0, 1.0],
            service_means=[1 / r for r in rates],
            service_scvs=[1.0, 1.0, 1.0],
            servers=[1, 2, 1],
            superposition=superposition,
            **THREE,
        )
        assert approx.arrival_scvs == pytest.approx((1.0, 1.0, 1.0), rel=1e-12)
        assert approx.mean_sojourn == pytest.approx(exact.mean_sojourn, rel=1e-12)
        assert not approx.exact


def test_qna_single_station_is_kingman() -> None:
    network = qna(
        arrival_rates=[0.7],
        arrival_scvs=[2.5],
        service_means=[1.0],
        service_scvs=[0.4],
        servers=1,
        routing=[[0.0]],
    )
    king = gg1(arrival_rate=0.7, service_mean=1.0, arrival_scv=2.5, service_scv=0.4)
    assert network.arrival_scvs == pytest.approx((2.5,))
    assert network.stations[0].mean_wait == pytest.approx(king.mean_wait, rel=1e-14)


def test_qna_tandem_passes_on_the_departure_scv() -> None:
    # cd^2 = 1 + (1 - 0.5^2)(2 - 1) + 0.5^2 (0.5 - 1) / sqrt(1) = 1.625.
    network = qna(
        arrival_rates=[0.5, 0.0],
        arrival_scvs=[2.0, 1.0],
        service_means=[1.0, 1.2],
        service_scvs=[0.5, 1.0],
        servers=1,
        routing=[[0.0, 1.0], [0.0, 0.0]],
    )
    assert network.arrival_scvs == pytest.approx((2.0, 1.625), rel=1e-14)


def test_qna_departures_from_several_servers_use_the_square_root_of_c() -> None:
    # cd^2 = 1 + (1 - rho^2)(ca^2 - 1) + rho^2 (cs^2 - 1) / sqrt(4), rho = 0.75.
    network = qna(
        arrival_rates=[3.0, 0.0],
        arrival_scvs=[1.0, 1.0],
        service_means=[1.0, 0.1],
        service_scvs=[3.0, 1.0],
        servers=[4, 1],
        routing=[[0.0, 1.0], [0.0, 0.0]],
    )
    assert network.arrival_scvs[1] == pytest.approx(1.0 + 0.5625 * 2.0 / 2.0, rel=1e-14)


@pytest.mark.parametrize(
    ("superposition", "expected"), [("asymptotic", 2.5), ("hybrid", 1.75)]
)
def test_qna_superposition_of_two_equal_streams(
    superposition: str, expected: float
) -> None:
    # Two stations at rho = 0.5 with ca^2 = 3 depart with cd^2 = 1 + 0.75 * 2 = 2.5
    # and merge at a third at rho = 0.5. Asymptotic: the rate-weighted mean, 2.5.
    # Hybrid: v = 1 / (0.5^2 + 0.5^2) = 2, w = 1 / (1 + 4 * 0.25 * 1) = 0.5,
    # so 0.5 * 2.5 + 0.5 = 1.75.
    network = qna(
        arrival_rates=[0.5, 0.5, 0.0],
        arrival_scvs=[3.0, 3.0, 1.0],
        service_means=[1.0, 1.0, 0.5],
        service_scvs=[1.0, 1.0, 1.0],
        servers=1,
        routing=[[0, 0, 1], [0, 0, 1], [0, 0, 0]],
        superposition=superposition,  # type: ignore[arg-type]
    )
    assert network.arrival_scvs[2] == pytest.approx(expected, rel=1e-14)


def test_qna_feedback_scv_equals_the_fixed_point_of_the_approximations() -> None:
    # One station feeding back a share p of its output. Oracle: iterate
    # the three approximations (asymptotic superposition) to their fixed point.
    p, c0, cs, gamma, mean = 0.4, 2.0, 0.6, 0.5, 1.0
    rho = gamma / (1 - p) * mean
    ca = 1.0
    for _ in range(500):
        cd = 1 + (1 - rho**2) * (ca - 1) + rho**2 * (cs - 1)
        ca = (1 - p) * c0 + p * (p * cd + 1 - p)
    network = qna(
        arrival_rates=[gamma],
        arrival_scvs=[c0],
        service_means=[mean],
        service_scvs=[cs],
        servers=1,
        routing=[[p]],
        superposition="asymptotic",
    )
    assert network.arrival_scvs[0] == pytest.approx(ca, rel=1e-12)


def test_unreachable_stations_have_no_traffic_and_no_effect() -> None:
    network = qna(
        arrival_rates=[1.0, 0.0],
        arrival_scvs=[1.5, 1.0],
        service_means=[0.5, 1.0],
        service_scvs=[1.0, 1.0],
        servers=1,
        routing=[[0.0, 0.0], [0.0, 0.0]],
    )
    assert network.arrival_rates == (1.0, 0.0)
    assert network.stations[1].mean_in_system == 0.0
    assert np.isfinite(network.mean_sojourn)


@pytest.mark.parametrize(
    ("routing", "message"),
    [
        (
            [[0.0, 1.2], [0.0, 0.0]],
            r"routing\[0\]\[1\] must be a probability in \[0, 1\], got 1.2",
        ),
        ([[0.0, 0.7], [0.6, 0.5]], r"routing\[1\] must sum to at most 1"),
        (
            [[0.0, 1.0], [1.0, 0.0]],
            r"routing must let every message leave.*spectral radius is 1",
        ),
        ([[0.0, 1.0]], r"routing must be an 2 x 2 matrix, got shape \(1, 2\)"),
        ([[0.0, float("nan")], [0.0, 0.0]], r"routing\[0\]\[1\] must be a probability"),
    ],
)
def test_bad_routing_is_refused_with_its_place(
    routing: list[list[float]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        jackson(
            arrival_rates=[1.0, 0.0],
            service_rates=[2.0, 2.0],
            servers=1,
            routing=routing,
        )


def test_bad_station_vectors_are_refused_with_their_place() -> None:
    with pytest.raises(
        PushsimError, match=r"service_rates\[1\] must be finite and > 0"
    ):
        jackson(
            arrival_rates=[1.0, 0.0],
            service_rates=[2.0, -1.0],
            servers=1,
            routing=np.zeros((2, 2)),
        )
    with pytest.raises(
        ValueError, match=r"service_rates must have one value a station \(2\), got 3"
    ):
        jackson(
            arrival_rates=[1.0, 0.0],
            service_rates=[2.0, 1.0, 1.0],
            servers=1,
            routing=np.zeros((2, 2)),
        )
    with pytest.raises(ValueError, match=r"servers\[0\] must be >= 1, got 0"):
        jackson(
            arrival_rates=[1.0, 0.0],
            service_rates=[2.0, 1.0],
            servers=[0, 1],
            routing=np.zeros((2, 2)),
        )
    with pytest.raises(
        ValueError, match="at least one station with an external rate > 0"
    ):
        jackson(
            arrival_rates=[0.0, 0.0],
            service_rates=[2.0, 1.0],
            servers=1,
            routing=np.zeros((2, 2)),
        )
    with pytest.raises(
        ValueError, match="superposition must be 'hybrid' or 'asymptotic', got 'mean'"
    ):
        qna(
            arrival_rates=[1.0],
            arrival_scvs=[1.0],
            service_means=[0.5],
            service_scvs=[1.0],
            servers=1,
            routing=[[0.0]],
            superposition="mean",  # type: ignore[arg-type]
        )


def test_qna_with_an_overloaded_station_is_unstable_end_to_end() -> None:
    network = qna(
        arrival_rates=[1.0, 0.0],
        arrival_scvs=[1.5, 1.0],
        service_means=[0.5, 1.5],
        service_scvs=[1.0, 2.0],
        servers=1,
        routing=[[0.0, 1.0], [0.0, 0.0]],
    )
    assert not network.stable
    assert network.stations[0].stable and not network.stations[1].stable
    assert network.mean_sojourn == math.inf
