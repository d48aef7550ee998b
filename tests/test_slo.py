"""SLO texts: ``[NODE.]METRIC OP VALUE``."""

from __future__ import annotations

import pytest

from pushsim.scenario.slo import parse_slo, percentile_name


@pytest.mark.parametrize(
    ("text", "node", "metric", "op", "limit"),
    [
        ("p99 <= 200ms", "system", "sojourn_p99", "<=", 0.2),
        ("drop_rate <= 0.1%", "system", "drop_rate", "<=", 0.001),
        ("fcm.utilisation <= 80%", "fcm", "utilisation", "<=", 0.8),
        ("wait_p80 <= 60s", "system", "wait_p80", "<=", 60.0),
        ("p99.9<=1s", "system", "sojourn_p999", "<=", 1.0),
        ("push.p99.9 < 2s", "push", "sojourn_p999", "<", 2.0),
        ("throughput >= 3k/min", "system", "throughput", ">=", 50.0),
        ("sojourn_mean <= 40ms", "system", "sojourn_mean", "<=", 0.04),
        ("queue_length <= 12", "system", "queue_length", "<=", 12.0),
    ],
)
def test_parse(text: str, node: str, metric: str, op: str, limit: float) -> None:
    slo = parse_slo(text)
    assert (slo.node, slo.metric, slo.op) == (node, metric, op)
    assert slo.limit == pytest.approx(limit)


def test_holds() -> None:
    slo = parse_slo("p99 <= 200ms")
    assert slo.holds(0.2) and not slo.holds(0.21) and slo.upper
    assert not parse_slo("throughput >= 10/s").upper


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p99 200ms", "must read '[NODE.]METRIC OP VALUE'"),
        ("latency <= 1s", "unknown metric 'latency'"),
        ("p99 <= 200xs", "bad limit in 'p99 <= 200xs': unknown time unit 'xs'"),
        ("p100 <= 1s", "must lie strictly between p0 and p100"),
        (42, "must be a text"),
    ],
)
def test_bad(text: object, message: str) -> None:
    with pytest.raises(
        ValueError, match=message.replace("[", r"\[").replace(".", r"\.")
    ):
        parse_slo(text)


def test_percentile_names() -> None:
    assert percentile_name(50) == "p50"
    assert percentile_name(99.9) == "p999"
    assert percentile_name(99.99) == "p9999"
