"""Broken scenarios: every file in tests/data/bad is refused, its fault named.

Each file there is a small scenario with one kind of fault, said in its first
line. The table below gives, for each file, the place of the fault in the
file and a fragment of its message (the rule and the value given); a file
without an entry fails :func:`test_every_file_has_an_expectation`.

``pushsim validate`` is run once over all files (the command takes 2-3 s to
start), and its stderr is split by file; a few files go through the command
alone too, to see the exit code of each.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from pushsim import ScenarioError, load_scenario
from tests.conftest import installed

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"

#: file -> (the fault's path, a fragment of its message)
EXPECTED: dict[str, tuple[str, str]] = {
    # the file as a whole
    "yaml-syntax-error.yaml": (
        "",
        "YAML syntax error at line 13, column 1: expected ',' or '}'",
    ),
    "yaml-tab-indent.yaml": (
        "",
        "YAML syntax error at line 11, column 1: found character '\\t'",
    ),
    "yaml-two-documents.yaml": ("", "expected a single document in the stream"),
    "yaml-nests-too-deeply.yaml": (
        "",
        "the file nests too deeply (more than 100 levels)",
    ),
    "yaml-complex-key.yaml": (
        "",
        "line 11, column 7: a key must be a name, got ['capacity', 'ttl']",
    ),
    "empty-file.yaml": ("", "the scenario is empty"),
    "not-a-mapping.yaml": (
        "",
        "a scenario must be a mapping of keys, got ['producers', 'queues']",
    ),
    "duplicate-key.yaml": ("", "line 12, column 5: key 'consumers' is given twice"),
    "merge-key-twice.yaml": (
        "",
        "key 'capacity' is given twice in one mapping (first at line 14)",
    ),
    "bad.toml": (
        "",
        "TOML syntax error: Illegal character '\\n' (at line 2, column 17)",
    ),
    "toml-unknown-key.toml": (
        "queues.push.colour",
        "unknown key 'colour'; use capacity, consumers",
    ),
    # keys and sections
    "unknown-key.yaml": (
        "queues.push.colour",
        "unknown key 'colour'; use capacity, consumers, discipline, overflow, ttl",
    ),
    "misspelled-key.yaml": ("queues.push.capacty", "did you mean 'capacity'?"),
    "unknown-top-level-key.yaml": (
        "producer",
        "unknown key 'producer'; did you mean 'producers'?",
    ),
    "no-queues.yaml": ("queues", "required, but missing"),
    "no-producers.yaml": ("producers", "required, but missing"),
    "empty-producers.yaml": ("producers", "must have at least 1 entry, got 0"),
    "missing-consumers.yaml": ("queues.push.consumers", "required, but missing"),
    "node-not-a-mapping.yaml": (
        "queues.push",
        "must be a mapping of keys to values, got 5",
    ),
    "name-not-a-text.yaml": ("name", "must be a text, got ['bad', 'name']"),
    # quantities
    "negative-rate.yaml": ("producers.api.arrivals.rate", "must be > 0, got -100"),
    "nan-rate.yaml": ("producers.api.arrivals.rate", "must be a finite rate, got nan"),
    "infinite-rate.yaml": (
        "producers.api.arrivals.rate",
        "must be a finite rate, got inf",
    ),
    "rate-bad-unit.yaml": (
        "producers.api.arrivals.rate",
        "unknown time unit 'week' in '100/week'; use one of ms, s",
    ),
    "duration-bad-unit.yaml": (
        "queues.push.consumers.service.mean",
        "unknown time unit 'days' in '5days'; use one of ns, us",
    ),
    "duration-not-a-duration.yaml": (
        "queues.push.consumers.service.mean",
        "must be a duration such as '250us', '4ms' or '2s', got 'fast'",
    ),
    "wrong-type-count.yaml": ("queues.push.consumers.count", "must be a whole number"),
    "count-not-whole.yaml": (
        "queues.push.consumers.count",
        "must be a whole number, got 2.5",
    ),
    "count-boolean.yaml": (
        "queues.push.consumers.count",
        "must be a whole number, got True",
    ),
    "zero-consumers.yaml": ("queues.push.consumers.count", "must be >= 1, got 0"),
    "negative-capacity.yaml": ("queues.push.capacity", "must be >= 0, got -5"),
    "negative-ttl.yaml": ("queues.push.ttl", "must be >= 0, got -2"),
    "negative-seed.yaml": ("seed", "must be >= 0, got -1"),
    # queues
    "bad-discipline.yaml": (
        "queues.push.discipline",
        "must be one of 'fifo', 'lifo' or 'priority', got 'random'",
    ),
    "bad-overflow.yaml": (
        "queues.push.overflow",
        "must be one of 'drop_newest', 'drop_oldest' or 'block', got 'reject'",
    ),
    "overflow-without-capacity.yaml": (
        "queues.push.overflow",
        "applies only to a bounded queue (give capacity), got drop_oldest",
    ),
    # laws
    "unknown-law.yaml": (
        "queues.push.consumers.service.law",
        "must be one of exponential, deterministic, uniform, erlang, gamma, lognormal, "
        "hyperexponential, weibull, bounded_pareto, empirical; got 'normal'",
    ),
    "missing-law.yaml": (
        "queues.push.consumers.service",
        "must be a mapping with 'law' set to one of: exponential,",
    ),
    "lognormal-negative-cv.yaml": (
        "queues.push.consumers.service.cv",
        "must be > 0, got -1",
    ),
    "lognormal-huge-cv.yaml": (
        "queues.push.consumers.service.cv",
        "must be at most 1e+15 for a lognormal law, got 1e+308",
    ),
    "hyperexponential-cv-below-one.yaml": (
        "queues.push.consumers.service.cv",
        "must be >= 1 for a hyperexponential law, got 0.5",
    ),
    "uniform-high-below-low.yaml": (
        "queues.push.consumers.service.high",
        "must be >= low (8ms), got 2ms",
    ),
    "exponential-mean-and-rate.yaml": (
        "queues.push.consumers.service",
        "give exactly one of mean and rate for an exponential law, got both",
    ),
    "law-missing-parameter.yaml": (
        "queues.push.consumers.service.cv",
        "required, but missing",
    ),
    "erlang-k-zero.yaml": ("queues.push.consumers.service.k", "must be >= 1, got 0"),
    "empirical-missing-file.yaml": (
        "queues.push.consumers.service.file",
        "'no-such-latencies.csv' not found (looked for",
    ),
    "empirical-file-is-a-folder.yaml": (
        "queues.push.consumers.service.file",
        "'latencies-folder' is a folder, not a file",
    ),
    "empirical-samples-and-file.yaml": (
        "queues.push.consumers.service",
        "give exactly one of samples and file for an empirical law, got both",
    ),
    "empirical-negative-sample.yaml": (
        "queues.push.consumers.service.samples[1]",
        "must be >= 0, got -0.004",
    ),
    # arrivals
    "unknown-process.yaml": (
        "producers.api.arrivals.process",
        "must be one of poisson, deterministic, renewal, mmpp, onoff, profile, trace; "
        "got 'bursty'",
    ),
    "missing-process.yaml": ("producers.api.arrivals", "'process' is missing"),
    "mmpp-one-rate.yaml": (
        "producers.api.arrivals.rates",
        "must have at least 2 entries, got 1",
    ),
    "onoff-missing-off.yaml": ("producers.api.arrivals.off", "required, but missing"),
    "profile-all-zero.yaml": (
        "producers.api.arrivals.rates",
        "at least one rate must be > 0",
    ),
    "renewal-bad-interarrival.yaml": (
        "producers.api.arrivals.interarrival.mean",
        "must be > 0, got -0.01",
    ),
    "trace-missing-file.yaml": (
        "producers.api.arrivals.file",
        "'no-such-trace.csv' not found (looked for",
    ),
    "trace-missing-column.yaml": (
        "producers.api.arrivals.column",
        "'trace.csv' has no column 'timestamp'; it has 't'",
    ),
    "trace-unsorted.yaml": (
        "producers.api.arrivals.column",
        "must be sorted in time, but line 4 ('0.25') is earlier than line 3 ('0.5')",
    ),
    # producers, classes, fan-out
    "class-shares-not-summing.yaml": (
        "producers.api.classes",
        "shares must sum to 1 (100%), got 0.9",
    ),
    "class-share-above-one.yaml": (
        "producers.api.classes[0].share",
        "must be between 0 and 1 (0% to 100%), got 1.5",
    ),
    "duplicate-class-name.yaml": (
        "producers.api.classes",
        "each name once, got bulk twice",
    ),
    "fanout-zero.yaml": ("producers.api.fanout", "must be >= 1 (a fixed fan-out"),
    "geometric-fanout-mean-below-one.yaml": (
        "producers.api.fanout.mean",
        "must be >= 1, got 0.5",
    ),
    "producer-without-target.yaml": ("producers.api.to", "required, but missing"),
    # topology
    "unknown-target.yaml": (
        "producers.api.to",
        "unknown node 'pusj'; known queues and balancers: push",
    ),
    "unknown-then-target.yaml": (
        "queues.push.consumers.then",
        "unknown node 'archive'; known queues and balancers: push",
    ),
    "unknown-balancer-target.yaml": ("balancers.lb.to", "unknown node 'pushh'"),
    "then-a-list.yaml": (
        "queues.push.consumers.then",
        "must be a node name, or a mapping of node names to probabilities, got ['push', 'exit']",
    ),
    "routing-not-summing-to-one.yaml": (
        "queues.push.consumers.then",
        "probabilities must sum to 1 (name 'exit' for the share that leaves), got 0.8",
    ),
    "routing-negative-probability.yaml": (
        "queues.push.consumers.then.push",
        "must be between 0 and 1 (0% to 100%), got -0.2",
    ),
    "cycle-without-exit.yaml": (
        "queues.push.consumers.then",
        "messages that reach this queue can never leave",
    ),
    "queue-unreached.yaml": (
        "queues.archive",
        "no producer, balancer or route sends messages to this queue",
    ),
    "balancer-loop.yaml": (
        "balancers.lb1.to",
        "routes back to itself through balancers only",
    ),
    "bad-node-name.yaml": (
        "queues.push queue",
        "must be a name of ASCII letters, digits, '_' or '-', starting with an ASCII "
        "letter or '_', got 'push queue'",
    ),
    "node-name-unicode.yaml": (
        "queues.生产者",
        "must be a name of ASCII letters, digits, '_' or '-', starting with an ASCII "
        "letter or '_', got '生产者'",
    ),
    "reserved-node-name.yaml": ("queues.system", "'system' is a reserved name"),
    "queue-and-balancer-same-name.yaml": (
        "balancers.push",
        "the name 'push' is also a queue; names are unique",
    ),
    "producer-to-exit.yaml": (
        "producers.api.to",
        "'exit' (leave the system) may follow a queue's consumers only",
    ),
    # balancers
    "unknown-policy.yaml": ("balancers.lb.policy", "got 'least_loaded'"),
    "weighted-without-weights.yaml": (
        "balancers.lb.weights",
        "policy weighted needs one weight per target",
    ),
    "weights-count-mismatch.yaml": (
        "balancers.lb.weights",
        "must have one per target (2), got 3",
    ),
    "negative-weight.yaml": ("balancers.lb.weights[1]", "must be > 0, got -2"),
    "power-of-d-too-large.yaml": (
        "balancers.lb.d",
        "must be at most the number of targets (2), got 3",
    ),
    "d-on-round-robin.yaml": (
        "balancers.lb.d",
        "applies only to policy power_of_d, not round_robin",
    ),
    "balancer-duplicate-target.yaml": (
        "balancers.lb.to",
        "each target once, got push twice",
    ),
    "balancer-no-targets.yaml": (
        "balancers.lb.to",
        "must have at least 1 entry, got 0",
    ),
    # experiment
    "messages-and-duration.yaml": (
        "experiment",
        "give the run length as messages or as duration, not both",
    ),
    "warmup-bad.yaml": (
        "experiment.warmup",
        "a share must be at least 0% and below 100%, got '150%'",
    ),
    "warmup-bad-word.yaml": (
        "experiment.warmup",
        "must be a count (5000), a duration ('30s'), a share ('10%') or 'mser5', got 'mser7'",
    ),
    "warmup-count-cuts-the-run.yaml": (
        "experiment.warmup",
        "must be shorter than the run, but 2000 messages cut the whole run of 1000 "
        "messages",
    ),
    "warmup-count-cuts-the-default-run.yaml": (
        "experiment.warmup",
        "100k messages cut the whole run of 100000 messages (the default length)",
    ),
    "warmup-duration-cuts-the-run.yaml": (
        "experiment.warmup",
        "must be shorter than the run, but 30s cuts the whole run of duration 10s",
    ),
    "replications-zero.yaml": ("experiment.replications", "must be >= 1, got 0"),
    "messages-zero.yaml": ("experiment.messages", "must be >= 1, got 0"),
    "duration-zero.yaml": ("experiment.duration", "must be > 0, got 0"),
    "bad-percentile.yaml": ("experiment.percentiles[2]", "must be < 100, got 100"),
    "bad-slo-syntax.yaml": (
        "experiment.slo[0]",
        "must read '[NODE.]METRIC OP VALUE' such as 'p99 <= 200ms'",
    ),
    "slo-unknown-metric.yaml": (
        "experiment.slo[1]",
        "unknown metric 'latency' in 'latency <= 200ms'; use offered_rate",
    ),
    "slo-unknown-node.yaml": (
        "experiment.slo[0]",
        "unknown node 'pusj' in 'pusj.utilisation <= 80%'; name a queue (push)",
    ),
    "slo-bad-limit.yaml": ("experiment.slo[0]", "bad limit in 'p99 <= fast'"),
    "slo-share-above-100.yaml": (
        "experiment.slo[0]",
        "bad limit in 'drop_rate <= 150%': a share must be between 0 and 100%, got 150%",
    ),
    "slo-negative-time.yaml": (
        "experiment.slo[0]",
        "bad limit in 'p99 <= -1s': a time limit must be >= 0, got -1s",
    ),
    "slo-negative-rate.yaml": (
        "experiment.slo[1]",
        "bad limit in 'throughput >= -5/s': a rate limit must be >= 0, got -5/s",
    ),
    "slo-utilisation-of-system.yaml": (
        "experiment.slo[0]",
        "the system has no utilisation (it is measured per queue), got "
        "'utilisation <= 80%'; name the queue, such as 'push.utilisation <= 80%'",
    ),
    "slo-percentile-100.yaml": (
        "experiment.slo[0]",
        "percentile 'p100' must lie strictly between p0 and p100",
    ),
    "slo-on-balancer.yaml": (
        "experiment.slo[0]",
        "'lb' is a balancer; SLOs apply to queues",
    ),
    "slo-not-a-list.yaml": ("experiment.slo", "must be a list, got 'p99 <= 200ms'"),
    "sweep-unknown-path.yaml": (
        "experiment.sweep.vary",
        "must be 'load' or the path of a field of this scenario, got 'nonsense.path': "
        "the scenario has no 'nonsense'",
    ),
    "sweep-bad-value.yaml": (
        "experiment.sweep.values[2]",
        "-3 does not fit queues.push.capacity: must be >= 0, got -3",
    ),
    "sweep-load-not-positive.yaml": (
        "experiment.sweep.values[1]",
        "a load factor must be a number > 0, got -3",
    ),
}

#: Phrases of pydantic, PyYAML or Python that mean a fault was not translated.
LEAKS = re.compile(
    r"Input should|Value error|Field required|validation error|should have|Traceback"
    r"|constrained-str|function-(?:after|before|wrap)|\[key\]|pydantic"
)
#: A fault's place: names joined by dots, list positions in brackets.
PLACE = re.compile(r"^(?:[^.\[\]]+(?:\.[^.\[\]]+|\[\d+\])*)?$")

#: Files that go through the command alone, for its exit code.
ALONE = ["unknown-key.yaml", "yaml-syntax-error.yaml", "bad.toml"]
#: Files that ``pushsim run`` must refuse before running anything.
RUN = [
    "negative-rate.yaml",
    "cycle-without-exit.yaml",
    "empty-file.yaml",
    "trace-missing-file.yaml",
]


def _files() -> list[Path]:
    return sorted(p for p in BAD.iterdir() if p.suffix in (".yaml", ".toml"))


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [installed("pushsim"), *args],
        cwd=BAD,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _prints(text: str, name: str) -> bool:
    """Whether ``pushsim``'s output holds the line of the expected fault of ``name``."""
    path, fragment = EXPECTED[name]
    start = f"  {path}: " if path else "  "
    return any(
        line.startswith(start) and fragment in line[len(start) :]
        for line in text.splitlines()
    )


def test_every_file_has_an_expectation() -> None:
    names = {p.name for p in _files()}
    assert sorted(names - EXPECTED.keys()) == [], (
        "files in tests/data/bad without an entry"
    )
    assert sorted(EXPECTED.keys() - names) == [], (
        "entries without a file in tests/data/bad"
    )
    assert len(names) >= 32


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_says_its_fault_first(name: str) -> None:
    first = (BAD / name).read_text(encoding="utf-8").splitlines()[0]
    assert re.match(r"^# \w.{8,}", first), f"{name} starts with {first!r}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_load_scenario_names_the_fault(name: str) -> None:
    path, fragment = EXPECTED[name]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(BAD / name)
    faults = caught.value.faults
    listed = "\n".join(f"{f.path!r}: {f.message}" for f in faults)
    assert any(f.path == path and fragment in f.message for f in faults), listed
    assert len(set(faults)) == len(faults), f"a fault given twice:\n{listed}"
    for fault in faults:
        assert PLACE.match(fault.path), f"odd path {fault.path!r}"
        assert not LEAKS.search(fault.message), f"untranslated message: {fault.message}"
    assert caught.value.source == str(BAD / name)


@pytest.fixture(scope="module")
def validated() -> dict[str, str]:
    """``pushsim validate`` over every bad file: each file's block of stderr."""
    names = [p.name for p in _files()]
    done = _command("validate", *names)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.stdout.strip() == "", "a bad file was passed as ok"
    blocks: dict[str, str] = {}
    head = re.compile(r"^(?P<name>\S+): \d+ faults? in the scenario$")
    current = None
    for line in done.stderr.splitlines():
        match = head.match(line)
        if match:
            current = match.group("name")
            assert current not in blocks, f"{current} reported twice"
            blocks[current] = ""
        else:
            assert current is not None and line.startswith("  "), f"stray line {line!r}"
            blocks[current] += line + "\n"
    assert sorted(blocks) == sorted(names)
    return blocks


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validate_prints_the_place_and_the_message(
    validated: dict[str, str], name: str
) -> None:
    assert _prints(validated[name], name), validated[name]


@pytest.mark.parametrize("name", ALONE)
def test_validate_alone_exits_1(name: str) -> None:
    done = _command("validate", name)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith(f"{name}: 1 fault in the scenario\n"), done.stderr
    assert _prints(done.stderr, name), done.stderr


@pytest.mark.parametrize("name", RUN)
def test_run_refuses_a_bad_file(name: str) -> None:
    done = _command("run", name)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.stdout == "", "nothing is simulated for a bad file"
    assert done.stderr.startswith(f"{name}: "), done.stderr
    assert _prints(done.stderr, name), done.stderr
