"""Durations, rates, shares and counts as people write them."""

from __future__ import annotations

import math

import pytest

from pushsim.quantities import (
    format_duration,
    format_rate,
    format_value,
    parse_count,
    parse_duration,
    parse_rate,
    parse_share,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("250us", 250e-6),
        ("250µs", 250e-6),
        ("4ms", 0.004),
        ("2s", 2.0),
        ("1.5min", 90.0),
        ("1h", 3600.0),
        ("1d", 86400.0),
        (" 3 ms ", 0.003),
        (2.5, 2.5),
        (3, 3.0),
        ("1e-3", 0.001),
    ],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "per_second"),
    [
        ("800/s", 800.0),
        ("3k/min", 50.0),
        ("50/h", 50 / 3600),
        ("1.2M/d", 1.2e6 / 86400),
        ("10/ms", 10_000.0),
        (800, 800.0),
        ("12", 12.0),
    ],
)
def test_rates(text: object, per_second: float) -> None:
    assert parse_rate(text) == pytest.approx(per_second, rel=1e-12)


def test_shares_and_counts() -> None:
    assert parse_share("0.1%") == pytest.approx(0.001)
    assert parse_share(0.25) == 0.25
    assert parse_count("200k") == 200_000
    assert parse_count("1.5M") == 1_500_000
    assert parse_count(7.0) == 7


@pytest.mark.parametrize(
    ("parse", "value", "message"),
    [
        (parse_duration, "4xs", "unknown time unit 'xs' in '4xs'"),
        (parse_duration, "fast", "must be a duration such as"),
        (parse_duration, float("nan"), "must be a finite duration"),
        (parse_rate, "800/week", "unknown time unit 'week'"),
        (parse_rate, "800 per s", "must be a rate such as"),
        (parse_share, "ten%", "must be a share such as"),
        (parse_count, "2.5", "must be a whole number"),
        (parse_count, 2.5, "must be a whole number"),
    ],
)
def test_bad_values_name_the_rule(parse: object, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse(value)  # type: ignore[operator]


@pytest.mark.parametrize(
    "parse", [parse_duration, parse_rate, parse_share, parse_count]
)
def test_wrong_types_are_type_errors(parse: object) -> None:
    with pytest.raises(TypeError, match="must be"):
        parse([1])  # type: ignore[operator]
    with pytest.raises(TypeError, match="must be"):
        parse(True)  # type: ignore[operator]


def test_formats() -> None:
    assert format_duration(0.004) == "4ms"
    assert format_duration(90.0) == "1.5min"
    assert format_duration(250e-6) == "250us"
    assert format_duration(math.inf) == "inf"
    assert format_rate(800) == "800/s"
    assert format_rate(12_500) == "12.5k/s"


@pytest.mark.parametrize(
    ("value", "unit", "digits", "shown"),
    [
        (392.772, "s", 4, "6.546min"),  # rounded in minutes, not to 392.8 s first
        (392.772, "s", 2, "6.5min"),
        (59.99996, "s", 4, "1min"),  # the rounding reaches the next unit
        (0.99996, "s", 4, "1s"),
        (0.2282, "s", 4, "228.2ms"),
        (0.2282, "s", 2, "230ms"),
        (3599.976, "s", 4, "1h"),
        (-392.772, "s", 4, "-6.546min"),
        (12_345.6, "1/s", 4, "12.35k/s"),
        (9999.6, "1/s", 4, "10k/s"),
        (9999.4, "1/s", 4, "9999/s"),
        (999_999.6, "1/s", 4, "1M/s"),
        (5432.1, "1/s", 2, "5400/s"),
        (0.8, "ratio", 4, "80%"),
        (0.123456, "ratio", 4, "12.3%"),
        (0.996, "ratio", 2, "100%"),  # not 1e+02%
        (123.0, "", 2, "120"),
        (math.nan, "s", 4, "-"),
    ],
)
def test_a_figure_is_rounded_in_the_unit_it_is_shown_in(
    value: float, unit: str, digits: int, shown: str
) -> None:
    assert format_value(value, unit, digits) == shown


def test_a_rounding_that_reaches_the_next_unit_is_shown_in_it() -> None:
    assert format_duration(59.99996) == "1min"
    assert format_duration(0.99996e-3) == "1ms"
    assert format_rate(9999.6) == "10k/s"  # not 1e+04/s
    assert format_rate(math.inf) == "inf/s"


def test_the_commands_and_the_check_show_figures_by_one_formatter() -> None:
    from pushsim.check import _format, gate, output, slo_gate
    from pushsim.cli import common, fit, live, plan, run, sweep
    from pushsim.plan import _facts, planning

    modules = (_format, gate, output, slo_gate, common, fit, live, plan, run, sweep)
    for module in (*modules, _facts, planning):
        assert getattr(module, "format_value", format_value) is format_value, module
    assert not hasattr(common, "fmt_value")
