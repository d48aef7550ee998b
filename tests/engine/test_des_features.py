"""The simulator's features: exact deterministic cases, and networks against theory."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import pushsim
from tests.conftest import assert_near_theory, station


def deterministic(
    duration: float | None = None, messages: int | None = None
) -> dict[str, Any]:
    length: dict[str, Any] = (
        {"duration": duration} if duration else {"messages": messages}
    )
    return {
        "producers": {
            "src": {"arrivals": {"process": "deterministic", "rate": 1}, "to": "q"}
        },
        "queues": {"q": {"consumers": {"count": 1, "service": "500ms"}}},
        "experiment": {**length, "warmup": 0, "replications": 1},
    }


@pytest.mark.filterwarnings("ignore:10.0% of the deliveries")
@pytest.mark.filterwarnings("ignore:no interval for")  # ten messages, one run
def test_dd1_counts_at_the_horizon_are_exact() -> None:
    # Arrivals at 1, 2, ..., 10 s; each served in 0.5 s. At 10.25 s nine are
    # done and the tenth is in service.
    result = pushsim.simulate(deterministic(duration=10.25))
    counts = result.conservation[0]
    assert counts == {
        "arrived": 10,
        "completed": 9,
        "dropped": 0,
        "expired": 0,
        "failed": 0,
        "in_system": 1,
        "accounted": 10,
        "duplicates": 0,
    }
    messages = result.messages
    done = messages[messages.outcome == "completed"]
    assert np.array_equal(done.created_at.to_numpy(), np.arange(1.0, 10.0))
    assert np.all(done.finished_at.to_numpy() - done.created_at.to_numpy() == 0.5)
    assert result.interval("q", "utilisation").mean == pytest.approx(
        (9 * 0.5 + 0.25) / 10.25
    )
    assert result.interval("q", "wait_mean").mean == 0.0
    assert result.interval("system", "sojourn_p99").mean == pytest.approx(0.5)


@pytest.mark.filterwarnings("ignore:10.0% of the deliveries")
def test_a_count_of_messages_stops_at_the_last_arrival() -> None:
    result = pushsim.simulate(deterministic(messages=10))
    assert result.runs[0].horizon == 10.0
    assert result.conservation[0]["completed"] == 9
    assert result.conservation[0]["in_system"] == 1


def test_tandem_queues_add_their_sojourns() -> None:
    lam, mu1, mu2 = 60.0, 100.0, 80.0
    scenario = station(lam, 1 / mu1)
    scenario["queues"]["q"]["consumers"]["then"] = "r"
    scenario["queues"]["r"] = {
        "consumers": {"count": 1, "service": {"law": "exponential", "mean": 1 / mu2}}
    }
    result = pushsim.simulate(scenario)
    assert_near_theory(result, "q", "sojourn_mean", 1 / (mu1 - lam))
    assert_near_theory(result, "r", "sojourn_mean", 1 / (mu2 - lam))
    assert_near_theory(
        result, "system", "sojourn_mean", 1 / (mu1 - lam) + 1 / (mu2 - lam)
    )


def test_feedback_loop_matches_jackson() -> None:
    # A share p of served messages comes back: the queue sees lam / (1 - p),
    # a message visits 1 / (1 - p) times on average.
    lam, mu, p = 40.0, 100.0, 0.5
    scenario = station(lam, 1 / mu, messages=30_000)
    scenario["queues"]["q"]["consumers"]["then"] = {"q": p, "exit": 1 - p}
    result = pushsim.simulate(scenario)
    visit = 1 / (mu - lam / (1 - p))
    assert_near_theory(result, "q", "sojourn_mean", visit)
    assert_near_theory(result, "q", "offered_rate", lam / (1 - p))
    assert_near_theory(result, "system", "sojourn_mean", visit / (1 - p))


def test_drop_oldest_loses_as_many_as_drop_newest() -> None:
    mu, rho, capacity = 100.0, 0.9, 5
    k = capacity + 1
    blocking = (1 - rho) * rho**k / (1 - rho ** (k + 1))
    result = pushsim.simulate(
        station(rho * mu, 1 / mu, capacity=capacity, overflow="drop_oldest")
    )
    assert_near_theory(result, "q", "drop_rate", blocking)


def test_lifo_keeps_the_fifo_mean_wait() -> None:
    mu, rho = 100.0, 0.7
    result = pushsim.simulate(station(rho * mu, 1 / mu, discipline="lifo"))
    assert_near_theory(result, "q", "wait_mean", rho / (mu - rho * mu))


def test_non_preemptive_priority_waits() -> None:
    # Cobham's formula: W_k = W0 / ((1 - s_{k-1})(1 - s_k)), W0 = sum lam_i E[S^2] / 2.
    mu, lam, share = 100.0, 80.0, 0.3
    scenario = station(lam, 1 / mu, discipline="priority", replications=10)
    scenario["producers"]["src"]["classes"] = [
        {"name": "hi", "share": share, "priority": 0},
        {"name": "lo", "share": 1 - share, "priority": 1},
    ]
    result = pushsim.simulate(scenario)
    w0 = lam * (2 / mu**2) / 2
    s1, s = share * lam / mu, lam / mu
    expected = {"src.hi": w0 / (1 - s1), "src.lo": w0 / ((1 - s1) * (1 - s))}
    messages = result.messages
    for cls, theory in expected.items():
        per_replication = []
        for warm, (_, frame) in zip(
            result.warmups, messages.groupby("replication"), strict=True
        ):
            rows = frame[(frame["class"] == cls) & (frame.outcome == "completed")]
            rows = rows[rows.created_at >= warm.instant]
            per_replication.append((rows.started_at - rows.enqueued_at).mean())
        values = np.asarray(per_replication)
        se = values.std(ddof=1) / math.sqrt(values.size)
        assert abs(values.mean() - theory) <= 4.78 * se, (
            cls,
            values.mean(),
            theory,
            se,
        )


def test_fanout_multiplies_deliveries() -> None:
    lam, mu = 20.0, 100.0
    scenario = station(lam, 1 / mu, 4, messages=20_000, replications=5)
    scenario["producers"]["src"]["fanout"] = 3
    result = pushsim.simulate(scenario)
    assert_near_theory(result, "system", "offered_rate", 3 * lam)
    assert_near_theory(result, "system", "published_rate", lam)
    assert (
        result.interval("system", "fanout_sojourn_mean").mean
        > result.interval("system", "sojourn_mean").mean
    )
    counts = result.conservation[0]
    assert counts["arrived"] == 3 * result.runs[0].published


def test_ttl_expires_waiting_messages_at_their_deadline() -> None:
    scenario = station(95.0, 0.01, ttl="20ms", messages=20_000, replications=3)
    result = pushsim.simulate(scenario)
    messages = result.messages
    expired = messages[messages.outcome == "expired"]
    assert len(expired) > 0
    waited = expired.finished_at - expired.enqueued_at
    assert np.allclose(waited, 0.02)
    served = messages[messages.outcome == "completed"]
    assert (served.started_at - served.enqueued_at).max() <= 0.02 + 1e-12


def test_block_loses_nothing_and_shows_the_wait() -> None:
    result = pushsim.simulate(
        pushsim.load_scenario("scenarios/channel-example.yaml"), replications=2
    )
    for counts in result.conservation:
        assert counts["dropped"] == 0 and counts["accounted"] == counts["arrived"]
    messages = result.messages
    blocked = messages.enqueued_at - messages.created_at
    assert blocked.max() > 0  # some producer waited for room
    assert (
        result.interval("system", "sojourn_mean").mean
        > result.interval("channel", "sojourn_mean").mean
    )


def test_single_replication_uses_batch_means() -> None:
    result = pushsim.simulate(station(50.0, 0.01, messages=40_000, replications=1))
    assert "batch means" in result.ci_method
    assert_near_theory(result, "q", "sojourn_mean", 1 / (100 - 50))
