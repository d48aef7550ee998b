"""The searches, on judges whose answer is known: a threshold in the value."""

from __future__ import annotations

import pytest

from pushsim.errors import PushsimError
from pushsim.plan._search import NoValue, highest, smallest


class Threshold:
    """Passes at or above ``edge`` (or at or below it, for a factor); counts its calls."""

    def __init__(self, edge: float, *, below: bool = False, close: float = 0.0) -> None:
        self.edge, self.below, self.close = edge, below, close
        self.asked: list[float] = []

    def __call__(self, value: float) -> str:
        self.asked.append(value)
        if abs(value - self.edge) < self.close:
            return "inconclusive"
        passes = value <= self.edge if self.below else value >= self.edge
        return "pass" if passes else "fail"


@pytest.mark.parametrize("start", [1, 5, 12, 13, 40, 500])
def test_smallest_finds_the_edge_from_any_start(start: int) -> None:
    judge = Threshold(13)
    assert smallest(judge, start, 1, 1000) == 13
    assert len(set(judge.asked)) == len(judge.asked)  # no point judged twice


def test_from_the_right_start_it_costs_two_points() -> None:
    judge = Threshold(13)
    assert smallest(judge, 13, 1, 1000) == 13
    assert judge.asked == [13, 12]


def test_a_point_too_close_to_call_does_not_count_as_passing() -> None:
    judge = Threshold(13, close=0.5)  # 13 itself is too close to call
    assert smallest(judge, 10, 1, 1000) == 14


def test_the_lower_bound_may_be_the_answer() -> None:
    assert smallest(Threshold(0), 5, 2, 100) == 2


def test_none_within_the_bounds_raises() -> None:
    with pytest.raises(NoValue, match="no value up to 50 passes"):
        smallest(Threshold(80), 10, 1, 50)


def test_a_search_that_does_not_settle_is_stopped() -> None:
    with pytest.raises(PushsimError, match="judged 5 points without settling"):
        smallest(Threshold(10_000), 1, 1, 100_000, most=5)


@pytest.mark.parametrize("start", [0.1, 0.9, 1.0, 1.3, 4.0])
def test_highest_brackets_the_edge_within_the_tolerance(start: float) -> None:
    judge = Threshold(1.234, below=True)
    best, above = highest(judge, start, 1e-3, 10.0, tolerance=0.01)
    assert above is not None
    assert best <= 1.234 < above
    assert above / best - 1 <= 0.01


def test_highest_at_the_upper_bound_has_nothing_above() -> None:
    assert highest(Threshold(50.0, below=True), 1.0, 0.1, 8.0, tolerance=0.01) == (
        8.0,
        None,
    )
    with pytest.raises(NoValue):
        highest(Threshold(0.01, below=True), 1.0, 0.1, 8.0, tolerance=0.01)
