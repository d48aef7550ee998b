"""predict(scenario): the model chosen for each queue, its figures, its limits."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from pushsim.errors import PushsimError
from pushsim.scenario import Scenario, load_scenario
from pushsim.theory import (
    Prediction,
    ggc,
    jackson,
    mm1,
    mmc,
    mmc_abandonment,
    mmck,
    power_of_d,
    predict,
)
from pushsim.theory.prediction import percentile_level

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
EXP_10MS = {"law": "exponential", "mean": "10ms"}


def scenario(
    queues: dict[str, Any],
    *,
    to: str = "push",
    arrivals: dict[str, Any] | None = None,
    balancers: dict[str, Any] | None = None,
    slo: list[str] | None = None,
    **producer: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "test",
        "producers": {
            "api": {
                "arrivals": arrivals or {"process": "poisson", "rate": "720/s"},
                "to": to,
                **producer,
            }
        },
        "queues": queues,
        "experiment": {"percentiles": [50, 99], "slo": slo or []},
    }
    if balancers:
        data["balancers"] = balancers
    return data


def run(data: dict[str, Any]) -> Prediction:
    return predict(load_scenario(data))


def consumers(count: int, service: Any = EXP_10MS, **more: Any) -> dict[str, Any]:
    return {"consumers": {"count": count, "service": service, **more}}


def test_one_queue_of_eight_consumers_is_erlang_c() -> None:
    prediction = run(
        scenario({"push": consumers(8)}, slo=["p99 <= 100ms", "wait_p80 <= 20ms"])
    )
    exact = mmc(arrival_rate=720.0, service_rate=100.0, servers=8)
    node = prediction.node("push")
    assert node.covered and node.exact and node.stable
    assert node.model == "M/M/c (Erlang C)"
    assert prediction.value("push", "wait_mean") == pytest.approx(exact.mean_wait)
    assert prediction.value("system", "sojourn_p99") == pytest.approx(
        exact.sojourn_quantile(0.99)
    )
    assert prediction.value("system", "wait_p80") == pytest.approx(
        exact.wait_quantile(0.8)
    )
    table = prediction.slo()
    assert list(table["holds"]) == [True, True]
    assert table.loc[0, "predicted"] == pytest.approx(exact.sojourn_quantile(0.99))


def test_the_mm1_example_gives_the_values_in_its_comment() -> None:
    # 80/s on one consumer of 10 ms: sojourn 50 ms, wait 40 ms, p99 ln(100) x 50 ms.
    prediction = run(
        scenario(
            {"work": consumers(1)},
            to="work",
            arrivals={"process": "poisson", "rate": "80/s"},
        )
    )
    assert prediction.node("work").model == "M/M/1"
    assert prediction.value("system", "sojourn_mean") == pytest.approx(0.050)
    assert prediction.value("system", "wait_mean") == pytest.approx(0.040)
    assert prediction.value("system", "sojourn_p99") == pytest.approx(
        math.log(100) * 0.050
    )


def test_a_bounded_queue_is_mmck_with_kendalls_k_counting_the_consumers() -> None:
    prediction = run(scenario({"push": {"capacity": 5, **consumers(8)}}))
    exact = mmck(arrival_rate=720.0, service_rate=100.0, servers=8, capacity=13)
    assert prediction.node("push").model == "M/M/c/K"
    assert prediction.value("push", "drop_rate") == pytest.approx(
        exact.loss_probability
    )
    assert prediction.value("system", "drop_rate") == pytest.approx(
        exact.loss_probability
    )
    assert prediction.value("system", "throughput") == pytest.approx(exact.throughput)
    assert prediction.value("system", "sojourn_p99") == pytest.approx(
        exact.sojourn_quantile(0.99)
    )


def test_an_exponential_ttl_is_erlang_a_timed_over_served_messages() -> None:
    queue = {
        "ttl": {"law": "exponential", "mean": "20ms"},
        **consumers(8, {"law": "exponential", "mean": "12ms"}),
    }
    prediction = run(scenario({"push": queue}))
    exact = mmc_abandonment(
        arrival_rate=720.0, service_rate=1 / 0.012, servers=8, patience_mean=0.02
    )
    assert prediction.node("push").model == "M/M/c+M (Erlang A)"
    assert prediction.value("push", "expiry_rate") == pytest.approx(
        exact.abandonment_probability
    )
    assert prediction.value("push", "wait_mean") == pytest.approx(
        exact.mean_wait_served
    )
    assert prediction.value("push", "wait_p99") == pytest.approx(
        exact.served_wait_quantile(0.99)
    )
    with pytest.raises(PushsimError, match="not the sojourn distribution"):
        prediction.value("system", "sojourn_p99")


def test_a_tandem_is_a_jackson_network_with_littles_law_end_to_end() -> None:
    queues = {
        "push": consumers(8, then={"second": 0.5, "exit": 0.5}),
        "second": consumers(1, {"law": "exponential", "mean": "2ms"}),
    }
    prediction = run(scenario(queues))
    network = jackson(
        arrival_rates=[720.0, 0.0],
        service_rates=[100.0, 500.0],
        servers=[8, 1],
        routing=[[0.0, 0.5], [0.0, 0.0]],
    )
    assert prediction.value("second", "offered_rate") == pytest.approx(360.0)
    assert prediction.value("second", "sojourn_mean") == pytest.approx(
        network.stations[1].mean_sojourn
    )
    assert prediction.value("system", "sojourn_mean") == pytest.approx(
        network.mean_sojourn
    )
    assert prediction.system.exact
    with pytest.raises(PushsimError, match="no end-to-end sojourn distribution"):
        prediction.value("system", "sojourn_p99")


def test_general_service_with_poisson_arrivals_on_one_consumer_is_mg1() -> None:
    service = {"law": "gamma", "mean": "1ms", "cv": 1.5}
    prediction = run(scenario({"push": consumers(1, service)}))
    node = prediction.node("push")
    assert node.model == "M/G/1 (Pollaczek-Khinchine)" and node.exact
    assert node.value("wait_mean") == pytest.approx(0.72 * 3.25 / (2 * 0.28) * 1e-3)
    with pytest.raises(PushsimError, match="mean values only"):
        node.value("wait_p99")


def test_renewal_arrivals_are_approximated_by_allen_cunneen() -> None:
    arrivals = {
        "process": "renewal",
        "interarrival": {"law": "gamma", "mean": "1.6ms", "cv": 1.3},
    }
    service = {"law": "gamma", "mean": "5ms", "cv": 0.7}
    prediction = run(scenario({"push": consumers(4, service)}, arrivals=arrivals))
    approx = ggc(
        arrival_rate=625.0,
        service_mean=0.005,
        servers=4,
        arrival_scv=1.69,
        service_scv=0.49,
    )
    node = prediction.node("push")
    assert not node.exact and not prediction.system.exact
    assert node.value("wait_mean") == pytest.approx(approx.mean_wait)


def test_parallel_queues_mix_their_laws_end_to_end() -> None:
    queues = {
        "a": consumers(2),
        "b": consumers(1, {"law": "exponential", "mean": "5ms"}),
    }
    balancers = {"lb": {"policy": "weighted", "weights": [3, 1], "to": ["a", "b"]}}
    prediction = run(
        scenario(
            queues,
            to="lb",
            balancers=balancers,
            arrivals={"process": "poisson", "rate": "120/s"},
        )
    )
    a = mmc(arrival_rate=90.0, service_rate=100.0, servers=2)
    b = mm1(arrival_rate=30.0, service_rate=200.0)
    p99 = prediction.value("system", "sojourn_p99")
    assert 0.75 * a.sojourn_cdf(p99) + 0.25 * b.sojourn_cdf(p99) == pytest.approx(
        0.99, abs=1e-12
    )
    assert prediction.value("system", "sojourn_mean") == pytest.approx(
        0.75 * a.mean_sojourn + 0.25 * b.mean_sojourn
    )


def test_round_robin_smooths_poisson_arrivals_to_erlang_intervals() -> None:
    queues = {"a": consumers(2), "b": consumers(2)}
    balancers = {"lb": {"policy": "round_robin", "to": ["a", "b"]}}
    prediction = run(
        scenario(
            queues,
            to="lb",
            balancers=balancers,
            arrivals={"process": "poisson", "rate": "300/s"},
        )
    )
    approx = ggc(
        arrival_rate=150.0,
        service_mean=0.01,
        servers=2,
        arrival_scv=0.5,
        service_scv=1.0,
    )
    assert prediction.value("a", "wait_mean") == pytest.approx(approx.mean_wait)
    assert not prediction.node("a").exact


def test_power_of_d_over_identical_single_consumers_is_the_mean_field() -> None:
    queues = {f"q{i}": consumers(1) for i in range(16)}
    balancers = {"lb": {"policy": "power_of_d", "d": 2, "to": list(queues)}}
    prediction = run(
        scenario(
            queues,
            to="lb",
            balancers=balancers,
            arrivals={"process": "poisson", "rate": "1440/s"},
        )
    )
    field = power_of_d(load=0.9, d=2, service_rate=100.0)
    assert prediction.value("q3", "sojourn_mean") == pytest.approx(field.mean_sojourn)
    assert prediction.value("system", "sojourn_p99") == pytest.approx(
        field.sojourn_quantile(0.99)
    )
    assert any("many queues" in note for note in prediction.node("q3").assumptions)


def test_least_work_left_is_a_central_queue() -> None:
    queues = {f"q{i}": consumers(1) for i in range(8)}
    balancers = {"lb": {"policy": "least_work_left", "to": list(queues)}}
    prediction = run(scenario(queues, to="lb", balancers=balancers))
    central = mmc(arrival_rate=720.0, service_rate=100.0, servers=8)
    assert prediction.value("q0", "offered_rate") == pytest.approx(90.0)
    assert prediction.value("q0", "wait_mean") == pytest.approx(central.mean_wait)
    assert prediction.value("system", "wait_p99") == pytest.approx(
        central.wait_quantile(0.99)
    )
    assert prediction.value("system", "in_system") == pytest.approx(
        central.mean_in_system
    )


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (
            scenario(
                {"a": consumers(1), "b": consumers(1)},
                to="lb",
                balancers={"lb": {"policy": "jsq", "to": ["a", "b"]}},
            ),
            "policy jsq routes by queue lengths",
        ),
        (scenario({"push": consumers(2)}, fanout=3), "producers.api.fanout"),
        (
            scenario(
                {"push": consumers(2)},
                arrivals={"process": "onoff", "rate": "100/s", "on": "1s", "off": "1s"},
            ),
            "producers.api.arrivals: onoff",
        ),
        (
            scenario({"push": {"ttl": "2s", **consumers(2)}}),
            "queues.push.ttl: a fixed or non-exponential TTL",
        ),
        (
            scenario({"push": {"capacity": 10, "overflow": "block", **consumers(2)}}),
            "queues.push.overflow: block",
        ),
        (
            scenario(
                {
                    "push": {
                        "capacity": 10,
                        **consumers(2, {"law": "gamma", "mean": "1ms", "cv": 2}),
                    }
                }
            ),
            "exponential service only",
        ),
        (
            scenario(
                {f"q{i}": consumers(1) for i in range(2)},
                to="lb",
                balancers={"lb": {"policy": "power_of_d", "d": 2, "to": ["q0", "q1"]}},
            ),
            "samples every target",
        ),
    ],
    ids=[
        "jsq",
        "fanout",
        "onoff",
        "fixed-ttl",
        "block",
        "bounded-general",
        "pod-d-equals-n",
    ],
)
def test_what_no_model_covers_is_said_with_its_place(
    data: dict[str, Any], fragment: str
) -> None:
    prediction = run(data)
    assert not prediction.covered
    assert not prediction.system.covered
    uncovered = [node for node in prediction.nodes if not node.covered]
    assert uncovered
    assert any(fragment in reason for reason in uncovered[0].reasons), uncovered[
        0
    ].reasons
    with pytest.raises(PushsimError, match="not covered by the theory"):
        prediction.value(uncovered[0].node, "wait_mean")
    frame = prediction.to_frame()
    rows = frame[frame["node"] == uncovered[0].node]
    assert rows["value"].isna().all()
    assert rows["note"].str.contains(fragment, regex=False).all()


def test_a_queue_behind_a_bounded_one_is_not_covered() -> None:
    queues = {
        "first": {"capacity": 3, **consumers(2, then="second")},
        "second": consumers(2),
    }
    prediction = run(
        scenario(queues, to="first", arrivals={"process": "poisson", "rate": "100/s"})
    )
    assert prediction.node("first").covered
    assert not prediction.node("second").covered
    assert "fed by first" in prediction.node("second").reasons[0]


def test_an_overloaded_queue_is_unstable_never_a_number() -> None:
    prediction = run(
        scenario(
            {"push": consumers(8)},
            arrivals={"process": "poisson", "rate": "900/s"},
            slo=["p99 <= 1s"],
        )
    )
    assert prediction.stable is False
    assert prediction.node("push").stable is False
    assert prediction.value("system", "sojourn_mean") == math.inf
    assert prediction.value("system", "sojourn_p99") == math.inf
    assert bool(prediction.slo().loc[0, "holds"]) is False


def test_other_disciplines_keep_the_means_and_drop_the_distributions() -> None:
    prediction = run(scenario({"push": {"discipline": "lifo", **consumers(8)}}))
    fifo = mmc(arrival_rate=720.0, service_rate=100.0, servers=8)
    assert prediction.value("push", "wait_mean") == pytest.approx(fifo.mean_wait)
    with pytest.raises(PushsimError, match="discipline lifo"):
        prediction.value("push", "wait_p99")


def test_the_frame_is_tidy_and_the_metric_names_are_those_of_the_results() -> None:
    frame = run(scenario({"push": consumers(8)})).to_frame()
    assert list(frame.columns) == [
        "node",
        "metric",
        "value",
        "unit",
        "model",
        "exact",
        "stable",
        "note",
    ]
    push = frame[frame["node"] == "push"].set_index("metric")
    assert push.loc["utilisation", "value"] == pytest.approx(0.9)
    assert push.loc["sojourn_p99", "unit"] == "s"
    assert {"sojourn_p50", "wait_p99", "offered_rate", "in_system"} <= set(push.index)
    assert "utilisation" not in set(frame[frame["node"] == "system"]["metric"])
    with pytest.raises(PushsimError, match="does not predict 'block_mean'"):
        run(scenario({"push": consumers(8)})).value("push", "block_mean")


def test_a_queue_no_message_reaches_is_idle_and_left_out_end_to_end() -> None:
    # A scenario file may not hold such a queue (load_scenario refuses it), but
    # predict takes any Scenario record, so it must still handle one.
    data = scenario({"push": consumers(8), "spare": consumers(2)})
    prediction = predict(Scenario.model_validate(data))
    assert prediction.value("spare", "offered_rate") == 0.0
    assert prediction.value("system", "offered_rate") == pytest.approx(720.0)
    assert prediction.system.model == "M/M/c (Erlang C)"


@pytest.mark.parametrize(
    ("metric", "level"),
    [
        ("p99", ("sojourn", 99.0)),
        ("wait_p80", ("wait", 80.0)),
        ("sojourn_p999", ("sojourn", 99.9)),
        ("p99.9", ("sojourn", 99.9)),
        ("p05", ("sojourn", 0.5)),
        ("wait_mean", None),
    ],
)
def test_percentile_names_read_as_the_results_write_them(
    metric: str, level: tuple[str, float] | None
) -> None:
    assert percentile_level(metric) == level


@pytest.mark.skipif(not SCENARIOS.is_dir(), reason="no example scenarios in this tree")
@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_scenario_gets_a_prediction_or_its_reasons(path: Path) -> None:
    prediction = predict(load_scenario(path))
    for node in prediction.nodes:
        assert node.covered or node.reasons
    assert prediction.system.covered or prediction.system.reasons
    assert "<table>" in prediction._repr_html_()
    assert len(prediction.to_frame()) > 0
