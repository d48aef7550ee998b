"""The balancing policies, on loads set by hand."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from pushsim.engines.balancing import make_policy
from pushsim.scenario import Balancer

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
