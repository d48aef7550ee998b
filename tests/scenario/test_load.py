"""Loading scenarios that are right: files, mappings, TOML, units, paths.

And the faults of a wrong one, as a user sees them: all at once, each at its
place, with a hint for a misspelled key.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from pushsim import Scenario, ScenarioError, load_scenario
from pushsim.distributions import EmpiricalLaw, OnOffArrivals, TraceArrivals
from pushsim.scenario.load import parse_scenario_text
from tests.conftest import installed

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
GOOD = ROOT / "tests" / "data" / "good"


def _mapping(**queue: Any) -> dict[str, Any]:
    """A one-queue scenario as a notebook user writes it."""
    return {
        "name": "mapping",
        "producers": {
            "api": {"arrivals": {"process": "poisson", "rate": "3k/min"}, "to": "push"}
        },
        "queues": {
            "push": {
                **queue,
                "consumers": {
                    "count": 2,
                    "service": {"law": "exponential", "mean": "4ms"},
                },
            }
        },
        "experiment": {"messages": "20k", "replications": 2},
    }


def _faults(source: Any) -> dict[str, str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(source)
    return {fault.path: fault.message for fault in caught.value.faults}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_shipped_scenario_loads(path: Path) -> None:
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert scenario.source_path == str(path)
    assert scenario.source_text == path.read_text(encoding="utf-8")
    assert scenario.summary_line().startswith(f"{scenario.name}: ")


def test_there_are_shipped_scenarios() -> None:
    assert len(SCENARIOS) >= 5


def test_a_mapping_loads() -> None:
    scenario = load_scenario(_mapping(capacity="1k"))
    assert scenario.queues["push"].capacity == 1000
    assert scenario.queues["push"].consumers.service.mean == pytest.approx(0.004)
    assert scenario.experiment.length == ("messages", 20_000.0)
    assert scenario.source_path is None
    assert load_scenario(scenario) is scenario


def test_a_toml_file_loads_as_its_yaml_twin() -> None:
    toml, yaml = load_scenario(GOOD / "small.toml"), load_scenario(GOOD / "small.yaml")
    assert toml.model_dump() == yaml.model_dump()
    assert toml.producers["api"].arrivals.rate == pytest.approx(50.0)
    assert toml.queues["front"].consumers.routes() == (("back", 0.3), ("exit", 0.7))
    assert toml.queues["back"].consumers.service.describe() == "deterministic(10ms)"
    assert toml.experiment.slo[1].node == "back"


def test_units_are_read_as_people_write_them() -> None:
    scenario = load_scenario(GOOD / "small.yaml")
    assert scenario.producers["api"].arrivals.rate == 50.0  # 3k/min
    assert scenario.queues["front"].ttl is not None
    assert scenario.queues["front"].ttl.mean == 2.0  # 2s
    assert scenario.queues["front"].consumers.service.mean == pytest.approx(
        0.004
    )  # 4ms
    assert scenario.queues["front"].consumers.routes()[0] == (
        "back",
        pytest.approx(0.3),
    )
    assert scenario.experiment.messages == 20_000  # 20k
    assert (scenario.experiment.warmup.kind, scenario.experiment.warmup.value) == (
        "share",
        0.1,
    )
    assert scenario.experiment.slo[0].limit == pytest.approx(0.2)  # p99 <= 200ms
    assert scenario.experiment.slo[1].limit == pytest.approx(0.8)  # 80%


def test_every_fault_is_listed_at_once() -> None:
    data = _mapping(capacity=-3, discipline="random")
    data["producers"]["api"]["arrivals"]["rate"] = "100/week"
    faults = _faults(data)
    assert sorted(faults) == [
        "producers.api.arrivals.rate",
        "queues.push.capacity",
        "queues.push.discipline",
    ]
    assert faults["queues.push.capacity"] == "must be >= 0, got -3"
    assert "got 'random'" in faults["queues.push.discipline"]
    assert "unknown time unit 'week'" in faults["producers.api.arrivals.rate"]


def test_faults_across_nodes_come_with_the_record_faults() -> None:
    data = _mapping(ttl="-1s")
    data["producers"]["api"]["to"] = "pusj"
    data["experiment"]["slo"] = ["wait_p80 <= 60s", "push.latency <= 1s"]
    faults = _faults(data)
    assert sorted(faults) == [
        "experiment.slo[1]",
        "producers.api.to",
        "queues.push.ttl",
    ]
    assert faults["producers.api.to"].startswith("unknown node 'pusj'")


def test_the_error_says_where_and_how_many() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_mapping(capacity=-3, discipline="random"))
    text = str(caught.value)
    assert text.splitlines()[0] == "2 faults in the scenario"
    assert "  queues.push.capacity: must be >= 0, got -3" in text.splitlines()


def test_a_misspelled_key_gets_a_hint() -> None:
    assert _faults(_mapping(capacty=100)) == {
        "queues.push.capacty": "unknown key 'capacty'; did you mean 'capacity'?"
    }


def test_the_hint_comes_from_the_keys_of_that_record() -> None:
    data = _mapping()
    data["queues"]["push"]["consumers"]["service"] = {
        "law": "exponential",
        "maen": "4ms",
    }
    assert _faults(data)["queues.push.consumers.service.maen"] == (
        "unknown key 'maen'; did you mean 'mean'?"
    )
    # 'colour' is close to 'column' (an empirical law's key), not to a queue's keys
    assert _faults(_mapping(colour="red"))["queues.push.colour"] == (
        "unknown key 'colour'; use capacity, consumers, discipline, overflow, ttl"
    )


def test_a_misspelled_law_gets_a_hint() -> None:
    data = _mapping()
    data["queues"]["push"]["consumers"]["service"] = {
        "law": "exponentail",
        "mean": "4ms",
    }
    message = _faults(data)["queues.push.consumers.service.law"]
    assert message.endswith("got 'exponentail'; did you mean 'exponential'?")


def test_on_and_off_keys_are_words(tmp_path: Path) -> None:
    assert parse_scenario_text("on: 1s\noff: 2s\nyes: 3\n") == {
        "on": "1s",
        "off": "2s",
        "yes": 3,
    }
    # values are still read as YAML reads them
    assert parse_scenario_text("repeat: off") == {"repeat": False}
    path = tmp_path / "onoff.yaml"
    path.write_text(
        "producers:\n"
        "  api:\n"
        "    arrivals: {process: onoff, rate: 1000/s, on: 200ms, off: 800ms}\n"
        "    to: push\n"
        "queues:\n"
        "  push: {consumers: {count: 1, service: 1ms}}\n",
        encoding="utf-8",
    )
    arrivals = load_scenario(path).producers["api"].arrivals
    assert isinstance(arrivals, OnOffArrivals)
    assert (arrivals.on, arrivals.off) == (0.2, 0.8)
    assert arrivals.rate == pytest.approx(200.0)


def test_file_paths_are_relative_to_the_scenario_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario(GOOD / "files.yaml")
    replay = scenario.producers["replay"].arrivals
    assert isinstance(replay, TraceArrivals)
    assert list(replay.times) == [0.0, 0.5, 1.5, 2.0, 4.0]
    service = scenario.queues["work"].consumers.service
    assert isinstance(service, EmpiricalLaw)
    assert list(service.values) == pytest.approx([0.002, 0.004, 0.006])


def test_file_paths_in_a_mapping_are_relative_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = parse_scenario_text((GOOD / "files.yaml").read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    faults = _faults(data)
    assert sorted(faults) == [
        "producers.replay.arrivals.file",
        "queues.work.consumers.service.file",
    ]
    assert str(tmp_path / "arrivals.csv") in faults["producers.replay.arrivals.file"]
    monkeypatch.chdir(GOOD)
    replay = load_scenario(data).producers["replay"].arrivals
    assert isinstance(replay, TraceArrivals)
    assert replay.duration == 4.0


def test_a_scenario_is_immutable() -> None:
    scenario = load_scenario(GOOD / "small.yaml")
    with pytest.raises(ValidationError, match="frozen"):
        scenario.seed = 4  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        scenario.queues["front"].capacity = 5  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        scenario.experiment.replications = 9  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        scenario.queues["front"].consumers.service.cv = 2.0  # type: ignore[misc,union-attr]
    with pytest.raises(TypeError):
        scenario.producers["api"].classes[0] = scenario.producers["api"].classes[0]  # type: ignore[index]
    assert scenario.seed == 3


def test_a_merged_key_may_be_overridden(tmp_path: Path) -> None:
    path = tmp_path / "merge.yaml"
    path.write_text(
        "producers:\n"
        "  api: {arrivals: {process: poisson, rate: 10/s}, to: a}\n"
        "queues:\n"
        "  a: &base\n"
        "    capacity: 5\n"
        "    consumers: {count: 1, service: 1ms, then: b}\n"
        "  b:\n"
        "    <<: *base\n"
        "    capacity: 10\n"
        "    consumers: {count: 2, service: 1ms}\n",
        encoding="utf-8",
    )
    queues = load_scenario(path).queues
    assert (queues["a"].capacity, queues["b"].capacity) == (5, 10)
    assert queues["b"].consumers.count == 2


def test_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    assert _faults(tmp_path / "nothing.yaml") == {
        "": f"no such file: {tmp_path / 'nothing.yaml'}"
    }
    assert _faults(tmp_path) == {"": f"{tmp_path} is a folder, not a scenario file"}
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    assert _faults(binary)[""].startswith(f"cannot read {binary}: ")
    assert _faults(42) == {"": "a scenario is a file path or a mapping, got 42"}


def test_validate_says_ok_for_each_shipped_scenario() -> None:
    done = subprocess.run(
        [
            installed("pushsim"),
            "validate",
            *(str(p.relative_to(ROOT)) for p in SCENARIOS),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert len(lines) == len(SCENARIOS)
    for path, line in zip(SCENARIOS, lines, strict=True):
        assert line.startswith(f"scenarios/{path.name}: ok: "), line


def _with_sweep(vary: str, values: list[Any], **queue: Any) -> dict[str, Any]:
    data = _mapping(**queue)
    data["experiment"]["sweep"] = {"vary": vary, "values": values}
    return data


@pytest.mark.parametrize(
    ("vary", "values"),
    [
        ("load", [0.5, 1, 1.2]),
        ("producers.api.arrivals.rate", ["10/s", 200]),
        ("queues.push.consumers.count", [1, 2, 4]),
        ("queues.push.capacity", [10, "1k"]),  # left at its default in the file
        ("queues.push.consumers.service.mean", ["2ms", 0.003]),
        ("experiment.warmup", ["5%", 100, "mser5"]),
    ],
)
def test_a_sweep_of_a_field_that_exists_loads(vary: str, values: list[Any]) -> None:
    sweep = load_scenario(_with_sweep(vary, values)).experiment.sweep
    assert sweep is not None and (sweep.vary, list(sweep.values)) == (vary, values)


def test_a_sweep_of_a_balancer_policy_checks_each_policy() -> None:
    data = _with_sweep("balancers.lb.policy", ["jsq", "round_robin", "fastest"])
    data["balancers"] = {"lb": {"policy": "random", "to": ["push"]}}
    data["producers"]["api"]["to"] = "lb"
    faults = _faults(data)
    assert list(faults) == ["experiment.sweep.values[2]"]
    assert faults["experiment.sweep.values[2]"].startswith(
        "'fastest' does not fit balancers.lb.policy: must be one of 'random',"
    )


@pytest.mark.parametrize(
    ("vary", "values", "place", "message"),
    [
        (
            "queues.push.capacty",
            [1],
            "experiment.sweep.vary",
            "got 'queues.push.capacty': queues.push has no 'capacty'; "
            "did you mean 'capacity'?",
        ),
        (
            "queues.push.ttl.mean",
            [1],
            "experiment.sweep.vary",
            "queues.push.ttl is not set, so it has no 'mean'",
        ),
        (
            "queues.push.consumers.count.value",
            [1],
            "experiment.sweep.vary",
            "queues.push.consumers.count is a single value, with no 'value' in it",
        ),
        (
            "experiment.sweep.values",
            [[1]],
            "experiment.sweep.vary",
            "a sweep cannot vary itself",
        ),
        (
            "load",
            [1, "fast", True, 0],
            "experiment.sweep.values[1]",
            "a load factor must be a number > 0, got 'fast'",
        ),
        (
            "queues.push.consumers.count",
            [2, 0],
            "experiment.sweep.values[1]",
            "0 does not fit queues.push.consumers.count: must be >= 1, got 0",
        ),
        (
            "experiment.messages",
            [100],
            "experiment.sweep.values[0]",
            "100 does not fit experiment.messages: then experiment.warmup: must be "
            "shorter than the run, but 500 messages cut the whole run of 100 messages",
        ),
    ],
)
def test_a_sweep_is_checked_against_the_scenario(
    vary: str, values: list[Any], place: str, message: str
) -> None:
    data = _with_sweep(vary, values)
    data["experiment"]["warmup"] = 500
    faults = _faults(data)
    assert place in faults, faults
    assert message in faults[place]


def test_a_load_sweep_is_checked_beside_other_faults() -> None:
    faults = _faults(_with_sweep("load", [-1], capacity=-3))
    assert sorted(faults) == ["experiment.sweep.values[0]", "queues.push.capacity"]


def test_overflow_needs_a_capacity_only_when_written() -> None:
    assert load_scenario(_mapping()).queues["push"].overflow == "drop_newest"
    assert load_scenario(_mapping(capacity=5, overflow="block")).queues["push"]
    for overflow in ("drop_newest", "drop_oldest", "block"):
        assert _faults(_mapping(overflow=overflow)) == {
            "queues.push.overflow": "applies only to a bounded queue (give capacity), "
            f"got {overflow} on a queue without capacity"
        }


def test_a_warmup_may_be_as_long_as_it_leaves_a_run() -> None:
    data = _mapping()
    data["experiment"] = {"duration": "10s", "warmup": 2000}  # a count, a duration run
    assert load_scenario(data).experiment.warmup.kind == "count"
    data["experiment"] = {"messages": 1000, "warmup": "30s"}  # a duration, a count run
    assert load_scenario(data).experiment.warmup.kind == "duration"
    data["experiment"] = {"messages": 1000, "warmup": 999}
    assert load_scenario(data).experiment.warmup.value == 999
    data["experiment"] = {"warmup": "5k"}
    assert load_scenario(data).experiment.warmup.value == 5000
    data["experiment"] = {"duration": "10s", "warmup": "10s"}
    assert _faults(data) == {
        "experiment.warmup": "must be shorter than the run, but 10s cuts the whole "
        "run of duration 10s"
    }


def test_a_queue_reached_only_from_an_unreached_queue() -> None:
    data = _mapping()
    service = {"count": 1, "service": "1ms"}
    data["queues"]["a"] = {"consumers": {**service, "then": "b"}}
    data["queues"]["b"] = {"consumers": {**service, "then": {"b": 0.5, "exit": 0.5}}}
    assert _faults(data) == {
        "queues.a": "no producer, balancer or route sends messages to this queue",
        "queues.b": "no messages reach this queue: only nodes that no message "
        "reaches route to it (a, b)",
    }


@pytest.mark.parametrize("depth", [150, 5000])
def test_a_mapping_or_a_file_nested_too_deeply(depth: int, tmp_path: Path) -> None:
    deep: Any = 1
    for _ in range(depth):
        deep = [deep]
    data = _mapping()
    data["name"] = deep
    assert _faults(data) == {"": "the mapping nests too deeply (more than 100 levels)"}
    path = tmp_path / "deep.yaml"
    path.write_text("name: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    assert _faults(path) == {"": "the file nests too deeply (more than 100 levels)"}
    toml = tmp_path / "deep.toml"
    toml.write_text("name = " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    assert _faults(toml) == {"": "the file nests too deeply (more than 100 levels)"}


def test_a_self_referring_yaml_alias_is_refused() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario_text("name: &a [*a]\n")
    assert "recursive node" in str(caught.value)
    looped: list[Any] = []
    looped.append(looped)
    data = _mapping()
    data["name"] = looped
    assert _faults(data) == {"": "the mapping nests too deeply (more than 100 levels)"}
