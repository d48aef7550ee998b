"""The balancing policies on loads set by hand, and in front of simulated queues."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy

from pushsim.engines.balancing import make_policy
from pushsim.engines.base import Outcome, Run
from pushsim.engines.des import DesEngine, _Model
from pushsim.engines.des.fifo import Departures, FifoStation
from pushsim.engines.des.nodes import Station
from pushsim.scenario import Balancer, Queue, load_scenario

NAMES = ["a", "b", "c", "d"]


def policy(name: str, loads: list[float], **options: object) -> object:
    balancer = Balancer(policy=name, to=NAMES, **options)  # type: ignore[arg-type]
    return make_policy(
        balancer,
        NAMES,
        np.random.default_rng(7),
        loads=lambda: loads,
        work=lambda: loads,
    )


def test_jsq_takes_the_shortest_and_breaks_ties_uniformly() -> None:
    choose = policy("jsq", [3, 0, 2, 0])
    picks = Counter(choose(0) for _ in range(20_000))  # type: ignore[operator]
    assert set(picks) == {1, 3}
    # binomial: 10,000 expected, standard deviation 70.7; allow 4.5 of them
    assert abs(picks[1] - 10_000) <= 4.5 * math.sqrt(20_000 * 0.25)


def test_least_work_left_reads_the_work() -> None:
    choose = policy("least_work_left", [0.5, 0.2, 0.9, 0.3])
    assert {choose(0) for _ in range(100)} == {1}  # type: ignore[operator]


def test_round_robin_goes_in_turn() -> None:
    choose = policy("round_robin", [0, 0, 0, 0])
    assert [choose(0) for _ in range(6)] == [0, 1, 2, 3, 0, 1]  # type: ignore[operator]


@pytest.mark.parametrize("name", ["random", "weighted"])
def test_random_shares_follow_the_weights(name: str) -> None:
    weights = [1.0, 2.0, 3.0, 4.0]
    options = {"weights": weights} if name == "weighted" else {}
    choose = policy(name, [0, 0, 0, 0], **options)
    n = 40_000
    picks = Counter(choose(0) for _ in range(n))  # type: ignore[operator]
    shares = [w / sum(weights) for w in weights] if name == "weighted" else [0.25] * 4
    for index, share in enumerate(shares):
        assert abs(picks[index] - n * share) <= 4.5 * math.sqrt(n * share * (1 - share))


def test_power_of_d_picks_the_shorter_of_two_distinct() -> None:
    choose = policy("power_of_d", [5, 0, 5, 5], d=2)
    picks = Counter(choose(0) for _ in range(12_000))  # type: ignore[operator]
    # b is chosen whenever it is among the two sampled: probability 1/2.
    assert abs(picks[1] - 6_000) <= 4.5 * math.sqrt(12_000 * 0.25)


def test_consistent_hash_keeps_keys_and_moves_few_when_a_target_goes() -> None:
    choose = policy("consistent_hash", [0, 0, 0, 0])
    owners = {key: choose(key) for key in range(5_000)}  # type: ignore[operator]
    assert all(choose(key) == owner for key, owner in owners.items())  # type: ignore[operator]
    counts = Counter(owners.values())
    assert min(counts.values()) > 0.6 * 5_000 / 4  # no target starved

    three = Balancer(policy="consistent_hash", to=NAMES[:3])
    fewer = make_policy(
        three,
        NAMES[:3],
        np.random.default_rng(7),
        loads=lambda: [0] * 3,
        work=lambda: [0] * 3,
    )
    moved = sum(
        1 for key, owner in owners.items() if owner != 3 and fewer(key) != owner
    )
    assert moved == 0  # only the keys of the removed target move


# -- join the shortest queue on counts kept by the engine -------------------------


def reference_jsq(counts: list[int], u: float | None) -> int:
    """The rule written out: the ``int(u * ties)``-th of the tied, in index order."""
    best = min(counts)
    tied = [i for i, c in enumerate(counts) if c == best]
    if len(tied) == 1:
        return tied[0]
    assert u is not None
    return tied[int(u * len(tied))]


@pytest.mark.parametrize("live", [False, True])
def test_jsq_is_the_rule_draw_for_draw(live: bool) -> None:
    # Counts that change in place between choices, as the engine's do; the
    # choices must follow the rule with the uniforms of the balancer's own
    # stream, one drawn for each choice that has a tie and none otherwise.
    counts = [0] * 6
    balancer = Balancer(policy="jsq", to=[*"abcdef"])
    options = {"counts": counts} if live else {}
    choose = make_policy(
        balancer,
        list(balancer.to),
        np.random.default_rng(11),
        loads=lambda: counts,
        work=lambda: counts,
        **options,  # type: ignore[arg-type]
    )
    uniforms = iter(np.random.default_rng(11).random(4096).tolist())
    above = np.random.default_rng(5).integers(0, 3, size=(3_000, 6))
    for step, row in enumerate(above):
        # the least count cycles through 0, 1 and 2: every branch of the search
        low = step % 3
        counts[:] = (row + low).tolist()
        counts[step % 6] = low
        ties = counts.count(low)
        expected = reference_jsq(counts, next(uniforms) if ties > 1 else None)
        assert choose(0) == expected


@pytest.mark.parametrize("loads", [[2, 1, 3, 1, 1, 4], [5, 3, 2, 9, 2, 2]])
def test_jsq_ties_uniform_when_no_target_is_idle(loads: list[int]) -> None:
    low = min(loads)
    tied = [i for i, c in enumerate(loads) if c == low]
    balancer = Balancer(policy="jsq", to=[*"abcdef"])
    choose = make_policy(
        balancer,
        list(balancer.to),
        np.random.default_rng(3),
        loads=lambda: loads,
        work=lambda: loads,
        counts=loads,
    )
    n = 30_000
    picks = Counter(choose(0) for _ in range(n))
    assert set(picks) == set(tied)
    share = 1 / len(tied)
    # binomial per target; 4.5 standard deviations
    for index in tied:
        assert abs(picks[index] - n * share) <= 4.5 * math.sqrt(n * share * (1 - share))


# -- balancers in front of queues whose departures are computed on arrival --------
#
# A FIFO queue without time-to-live whose messages leave after service has
# its departures computed when a message arrives (pushsim.engines.des.fifo).
# A time-to-live that is never reached makes the same queue event-driven and
# changes no number, so the two must give the same records, bit for bit.

NEVER = "1000000s"  # a time-to-live far beyond every run below


def network(policy: str, *, event_driven: bool, **experiment: Any) -> dict[str, Any]:
    """Four bounded queues of two consumers behind a balancer, near saturation."""
    queue: dict[str, Any] = {
        "capacity": 3,
        "consumers": {"count": 2, "service": {"law": "exponential", "mean": 0.02}},
    }
    if event_driven:
        queue["ttl"] = NEVER
    balancer: dict[str, Any] = {"policy": policy, "to": ["a", "b", "c", "d"]}
    if policy == "power_of_d":
        balancer["d"] = 2
    return {
        "seed": 12,
        "producers": {
            "p": {"arrivals": {"process": "poisson", "rate": 380}, "to": "lb"}
        },
        "balancers": {"lb": balancer},
        "queues": {name: queue for name in "abcd"},
        "experiment": {"warmup": 0, "replications": 1, **experiment},
    }


def both_ways(make: Any) -> tuple[Run, Run]:
    """The run with computed departures and the event-driven one, checked to be so."""
    direct, driven = load_scenario(make(False)), load_scenario(make(True))
    assert all(isinstance(s, FifoStation) for s in _Model(direct, 0).stations.values())
    assert all(isinstance(s, Station) for s in _Model(driven, 0).stations.values())
    return DesEngine().run(direct, 0), DesEngine().run(driven, 0)


def assert_same_records(a: Run, b: Run) -> None:
    facts = ("horizon", "published", "deliveries")
    assert [getattr(a, f) for f in facts] == [getattr(b, f) for f in facts]
    for name in b.columns:
        assert np.array_equal(a.columns[name], b.columns[name], equal_nan=True), name


@pytest.mark.parametrize("policy", ["jsq", "power_of_d", "random"])
@pytest.mark.parametrize("length", [{"messages": 20_000}, {"duration": 40}])
def test_computed_departures_give_the_event_driven_records(
    policy: str, length: dict[str, float]
) -> None:
    def make(event_driven: bool) -> dict[str, Any]:
        return network(policy, event_driven=event_driven, **length)

    direct, driven = both_ways(make)
    assert_same_records(direct, driven)
    outcomes = Counter(direct.columns["outcome"].tolist())
    # the comparison covers drops and visits left in the system, not only completions
    assert outcomes[Outcome.DROPPED] > 0 and outcomes[Outcome.IN_SYSTEM] > 0


def test_queues_read_for_their_work_keep_their_events() -> None:
    # least_work_left reads the work left in service, which only the
    # event-driven queue keeps; the same holds behind a nested balancer.
    data = network("least_work_left", event_driven=False, messages=10)
    data["balancers"] = {
        "lb": {"policy": "least_work_left", "to": ["inner", "c"]},
        "inner": {"policy": "random", "to": ["a", "b"]},
    }
    data["producers"]["own"] = {
        "arrivals": {"process": "poisson", "rate": 5},
        "to": "d",
    }
    stations = _Model(load_scenario(data), 0).stations
    assert {n for n, s in stations.items() if isinstance(s, Station)} == {*"abc"}
    assert isinstance(stations["d"], FifoStation)  # fed by a producer of its own


def test_nested_balancers_read_computed_counts() -> None:
    def make(event_driven: bool) -> dict[str, Any]:
        data = network("jsq", event_driven=event_driven, messages=20_000)
        data["balancers"] = {
            "lb": {"policy": "jsq", "to": ["inner", "c", "d"]},
            "inner": {"policy": "jsq", "to": ["a", "b"]},
        }
        return data

    assert_same_records(*both_ways(make))


@pytest.mark.parametrize(
    "length", [{"duration": 10.5}, {"duration": 10.25}, {"messages": 10}]
)
def test_departure_at_the_horizon_as_the_event_driven_queue(
    length: dict[str, float],
) -> None:
    # Arrivals at 1, 2, ... s served in 0.5 s: the tenth leaves at 10.5 s, on
    # the horizon of the first run, which has not reached that instant.
    def make(event_driven: bool) -> dict[str, Any]:
        queue: dict[str, Any] = {"consumers": {"count": 1, "service": "500ms"}}
        if event_driven:
            queue["ttl"] = NEVER
        return {
            "producers": {
                "src": {"arrivals": {"process": "deterministic", "rate": 1}, "to": "q"}
            },
            "queues": {"q": queue},
            "experiment": {"warmup": 0, "replications": 1, **length},
        }

    direct, driven = both_ways(make)
    assert_same_records(direct, driven)
    assert Counter(direct.columns["outcome"].tolist())[Outcome.IN_SYSTEM] == 1


def test_a_finite_trace_drains_as_the_event_driven_queue(tmp_path: Path) -> None:
    trace = tmp_path / "arrivals.csv"
    trace.write_text("t\n0\n0.1\n0.15\n0.2\n0.25\n")

    def make(event_driven: bool) -> dict[str, Any]:
        queue: dict[str, Any] = {"consumers": {"count": 2, "service": "300ms"}}
        if event_driven:
            queue["ttl"] = NEVER
        arrivals = {"process": "trace", "file": str(trace), "column": "t"}
        return {
            "producers": {"replay": {"arrivals": arrivals, "to": "q"}},
            "queues": {"q": queue},
            "experiment": {"messages": 100, "warmup": 0, "replications": 1},
        }

    direct, driven = both_ways(make)
    assert_same_records(direct, driven)
    # All five served, the last after waiting for two others: it leaves at 0.9 s,
    # well after the last arrival (0.25 s), and the run ends then.
    assert direct.horizon == pytest.approx(0.9)
    assert np.all(direct.columns["outcome"] == Outcome.COMPLETED)


def test_a_computed_queue_shows_its_count_and_work_as_time_passes() -> None:
    # Two messages at 0 s, served in 2 s and 3 s by one consumer: the first
    # leaves at 2 s, the second starts then and leaves at 5 s. Read at 2 s,
    # the first has left: a departure at the instant of a look comes first.
    env = simpy.Environment()
    counts = [0]
    records: list[float] = []
    departures = Departures(env, counts, records.extend)
    spec = Queue(consumers={"count": 1, "service": "1s"})  # type: ignore[arg-type]
    queue = FifoStation(env, 0, spec, iter([2.0, 3.0]).__next__, departures, counts)
    for message in (0, 1):
        queue.accept([message, message, 0, 0.0], None)
    seen = []
    for until in (1.0, 2.0, 2.5, 6.0):
        env.run(until=until)
        seen.append((queue.count, queue.work_left(), len(records) // 9))
    assert seen == [(2, 4.0, 0), (1, 3.0, 1), (1, 2.5, 1), (0, 0.0, 2)]
    first, second = records[:9], records[9:]
    assert first[5:9] == [0.0, 0.0, 2.0, Outcome.COMPLETED]  # enqueued, started, done
    assert second[5:9] == [0.0, 2.0, 5.0, Outcome.COMPLETED]
