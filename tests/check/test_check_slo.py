"""The SLO gate: pass, fail with the figures, inconclusive with what would decide."""

from __future__ import annotations

import math
import re
from functools import cache

import pytest
from scipy import stats

import pushsim
from pushsim import theory
from pushsim.check import CheckResult, CheckRow, check
from pushsim.check.slo_gate import replications_to_decide
from pushsim.errors import PushsimWarning
from pushsim.quantities import format_value
from tests.check._support import MEAN_SERVICE, RATE, push


def _mean_wait(consumers: int) -> float:
    return theory.mmc(
        arrival_rate=RATE, service_rate=1 / MEAN_SERVICE, servers=consumers
    ).mean_wait


def _limit() -> float:
    """A wait limit between the Erlang C mean waits of six and of five consumers.

    Theory gives 1.42 ms and 5.54 ms; the geometric middle, 2.8 ms, lies more
    than ten half-widths of the 95 % interval from either estimate (asserted
    below), so the verdicts do not hang on the draw.
    """
    return math.sqrt(_mean_wait(6) * _mean_wait(5))


def _slo_row(outcome: CheckResult) -> CheckRow:
    (row,) = [r for r in outcome.scenarios[0].rows if r.check == "slo"]
    return row


def test_a_scenario_meeting_its_slo_passes() -> None:
    limit = _limit()
    outcome = check(push(6, f"wait_mean <= {limit * 1e3:.4g}ms"))
    row = _slo_row(outcome)
    assert row.verdict == "pass", row.message
    assert outcome.passed and outcome.exit_code == 0
    assert limit - row.measured > 10 * (row.ci_high - row.measured)


def test_one_consumer_fewer_fails_with_the_figure_and_the_limit() -> None:
    limit = _limit()
    text = f"wait_mean <= {limit * 1e3:.4g}ms"
    outcome = check(push(5, text))
    row = _slo_row(outcome)
    assert row.verdict == "fail"
    assert not outcome.passed and outcome.exit_code == 1
    assert row.measured - limit > 10 * (row.measured - row.ci_low)
    (failure,) = outcome.failures
    message = failure[1].message
    assert message.startswith(text)
    assert f"measured {format_value(row.measured, 's')}" in message
    assert f"misses the limit {format_value(row.limit, 's')}" in message


@cache
def _borderline() -> tuple[str, float, float, float, float]:
    """An SLO whose limit lies inside the interval the same run will give.

    The same scenario and seed give the same numbers, so a limit half-way
    between the estimate and the top of its interval is straddled for sure.
    """
    result = pushsim.simulate(push(6))
    mean, low, high = result.interval("system", "wait_mean")
    limit = mean + (high - mean) / 2
    return f"wait_mean <= {limit * 1e3:.9g}ms", mean, low, high, limit


def test_a_borderline_case_is_inconclusive_and_names_the_replications() -> None:
    text, mean, low, high, limit = _borderline()
    outcome = check(push(6, text))
    row = _slo_row(outcome)
    assert row.verdict == "inconclusive"
    assert not outcome.passed and outcome.exit_code == 1
    needed = replications_to_decide(mean, low, high, limit, 4, 3)
    assert needed is not None and needed > 4
    found = re.search(r"about (\d+) replications \(now 4\) would decide", row.message)
    assert found is not None, row.message
    assert int(found.group(1)) == needed


def test_allow_inconclusive_passes_with_a_warning() -> None:
    text, *_ = _borderline()
    with pytest.warns(PushsimWarning, match="counted as a pass"):
        outcome = check(push(6, text), allow_inconclusive=True)
    assert outcome.passed and outcome.exit_code == 0
    assert _slo_row(outcome).verdict == "inconclusive"


def _half_width(se: float, n: int, count: int) -> float:
    """The half-width with ``count`` replications, the spread as measured over ``n``."""
    return float(stats.t.ppf(0.975, count - 1)) * se * math.sqrt(n / count)


@pytest.mark.parametrize(
    ("mean", "half", "limit", "n"),
    [
        (1.0, 0.5, 1.2, 4),
        (10.0, 3.0, 8.5, 10),
        (0.2, 0.01, 0.205, 5),
        (5.0, 1.0, 4.0, 2),
    ],
)
def test_the_replications_named_are_the_fewest_that_would_decide(
    mean: float, half: float, limit: float, n: int
) -> None:
    needed = replications_to_decide(mean, mean - half, mean + half, limit, n, n - 1)
    assert needed is not None
    se = half / float(stats.t.ppf(0.975, n - 1))
    gap = abs(mean - limit)
    assert _half_width(se, n, needed) < gap
    assert needed == n + 1 or _half_width(se, n, needed - 1) >= gap


def test_batch_means_count_as_one_replication() -> None:
    # One run whose 32 batch means give a half-width of 0.5 around 1.0.
    needed = replications_to_decide(1.0, 0.5, 1.5, 1.25, 1, 31)
    assert needed is not None
    se = 0.5 / float(stats.t.ppf(0.975, 31))
    assert _half_width(se, 1, needed) < 0.25 <= _half_width(se, 1, needed - 1)


def test_a_mean_on_the_limit_cannot_be_decided() -> None:
    assert replications_to_decide(1.0, 0.5, 1.5, 1.0, 4, 3) is None
    assert replications_to_decide(math.nan, 0.5, 1.5, 1.0, 4, 3) is None
    # The limit so close that more than the schema's 10 000 would be needed.
    assert replications_to_decide(1.0, 0.5, 1.5, 1.0 + 1e-6, 4, 3) is None
