"""Baselines: written then checked, a changed model, a changed engine, the files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pushsim.check import Baseline, check, fingerprint
from pushsim.check.result import CheckResult
from pushsim.errors import PushsimError
from pushsim.scenario import load_scenario
from pushsim.simulate import with_overrides
from tests.check._support import ChangedEngine, push, write_scenario


def _rows(outcome: CheckResult, kind: str) -> list:
    return [r for r in outcome.scenarios[0].rows if r.check == kind]


def _baselined(tmp_path: Path, scenario: dict) -> tuple[Path, Path]:
    path = write_scenario(tmp_path, "push", scenario)
    folder = tmp_path / "baselines"
    written = check(path, baseline=folder, update_baseline=True)
    assert written.passed
    return path, folder


def test_a_baseline_written_then_checked_passes(tmp_path: Path) -> None:
    path, folder = _baselined(tmp_path, push(6, "p99 <= 100ms"))
    document = json.loads((folder / "push.json").read_text())
    assert document["seed"] == 1 and document["replications"] == 4
    assert document["scenario_hash"].startswith("sha256:")
    assert "system.sojourn_p99" in document["metrics"]
    entry = document["metrics"]["system.sojourn_p99"]
    assert set(entry) == {"mean", "se", "n", "unit"} and entry["n"] == 4

    outcome = check(path, baseline=folder)
    assert outcome.passed and outcome.exit_code == 0
    assert [r.verdict for r in _rows(outcome, "model")] == ["pass"]
    drift = _rows(outcome, "drift")
    assert drift and all(r.verdict == "pass" and r.delta == 0 for r in drift)
    assert not outcome.scenarios[0].notes  # identical: nothing to say


def test_a_changed_service_time_fails_the_drift_gate_and_names_the_metric(
    tmp_path: Path,
) -> None:
    path, folder = _baselined(tmp_path, push(6))
    write_scenario(tmp_path, "push", push(6, mean_service=0.012))
    outcome = check(path, baseline=folder)
    assert not outcome.passed and outcome.exit_code == 1
    (model,) = _rows(outcome, "model")
    assert model.verdict == "fail" and "queues.q changed" in model.message
    failed = {r.name: r for r in _rows(outcome, "drift") if r.verdict == "fail"}
    assert "system.sojourn_mean" in failed
    row = failed["system.sojourn_mean"]
    assert row.message.startswith("system.sojourn_mean: ")
    assert "under a changed model" in row.message
    assert row.delta > row.allowed


def test_same_scenario_and_seed_with_other_results_means_the_engine_changed(
    tmp_path: Path,
) -> None:
    path, folder = _baselined(tmp_path, push(6))
    engine = ChangedEngine(push(6, mean_service=0.012))
    outcome = check(path, baseline=folder, engine=engine)
    assert not outcome.passed
    (model,) = _rows(outcome, "model")
    assert model.verdict == "pass"
    failed = [r for r in _rows(outcome, "drift") if r.verdict == "fail"]
    assert failed and all("the engine changed" in r.message for r in failed)
    assert any(
        "the same scenario and seed give other results" in n
        for n in outcome.scenarios[0].notes
    )


def test_an_independent_sample_of_the_same_model_does_not_drift(tmp_path: Path) -> None:
    """Another seed draws other numbers from the same model.

    The true change of every metric is zero, so a drift failure would be a
    false alarm, which the test keeps below alpha = 1 % per scenario; the
    model check reports the seed.
    """
    path, folder = _baselined(tmp_path, push(6))
    write_scenario(tmp_path, "push", push(6, seed=2))
    outcome = check(path, baseline=folder)
    (model,) = _rows(outcome, "model")
    assert model.verdict == "fail" and "seed 1 -> 2" in model.message
    drift = _rows(outcome, "drift")
    assert drift and all(r.verdict == "pass" for r in drift), [r.message for r in drift]
    assert any(r.delta != 0 for r in drift)


def test_gate_slo_reports_drift_without_failing_on_it(tmp_path: Path) -> None:
    path, folder = _baselined(tmp_path, push(6))
    write_scenario(tmp_path, "push", push(6, mean_service=0.012))
    outcome = check(path, baseline=folder, gate="slo")
    assert outcome.passed
    drift = _rows(outcome, "drift")
    assert any(r.verdict == "fail" for r in drift)
    assert not any(r.gated for r in drift)


def test_update_baseline_records_a_changed_model(tmp_path: Path) -> None:
    path, folder = _baselined(tmp_path, push(6))
    write_scenario(tmp_path, "push", push(6, mean_service=0.012))
    updated = check(path, baseline=folder, update_baseline=True)
    assert updated.passed
    assert any("wrote the baseline" in n for n in updated.scenarios[0].notes)
    assert check(path, baseline=folder).passed


def test_a_missing_baseline_fails_and_says_how_to_write_one(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "push", push(6))
    folder = tmp_path / "baselines"
    folder.mkdir()
    outcome = check(path, baseline=folder)
    (drift,) = _rows(outcome, "drift")
    assert drift.verdict == "fail" and "--update-baseline" in drift.message
    assert str(folder / "push.json") in drift.message


def test_bad_baseline_input_is_refused_before_anything_runs(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "push", push(6))
    with pytest.raises(PushsimError, match="no such folder"):
        check(path, baseline=tmp_path / "nowhere")
    with pytest.raises(PushsimError, match="needs a baseline folder"):
        check(path, update_baseline=True)
    with pytest.raises(PushsimError, match="gate: must be one of all, slo, drift"):
        check(path, gate="everything")
    with pytest.raises(PushsimError, match="engine: must be des or live"):
        check(path, engine="fast")


def test_a_corrupt_baseline_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "push.json"
    bad.write_text('{"format": 1, "scenario": "push"}')
    with pytest.raises(PushsimError, match=r"push\.json: a baseline field is missing"):
        Baseline.read(bad)
    bad.write_text("not json")
    with pytest.raises(PushsimError, match=r"push\.json: not a baseline \(bad JSON"):
        Baseline.read(bad)


_TEXT = """\
# a comment
name: push
producers:
  src: {arrivals: {process: poisson, rate: 400/s}, to: q}
queues:
  q: {consumers: {count: 6, service: {law: exponential, mean: 10ms}}}
experiment: {messages: 20000, replications: 4}
"""

_SAME = """\
experiment:
  replications: 4
  messages: 20000
queues:
  q:
    consumers: {service: {mean: 10ms, law: exponential}, count: 6}
producers:
  src: {to: q, arrivals: {rate: 400/s, process: poisson}}
name: push
description: layout, order and comments differ; the content does not
"""


def _fingerprint(tmp_path: Path, name: str, text: str) -> tuple[str, dict[str, str]]:
    path = tmp_path / name
    path.write_text(text)
    return fingerprint(load_scenario(path))


def test_the_fingerprint_ignores_layout_and_sees_content(tmp_path: Path) -> None:
    first, _ = _fingerprint(tmp_path, "a.yaml", _TEXT)
    second, _ = _fingerprint(tmp_path, "b.yaml", _SAME)
    assert first == second
    changed, parts = _fingerprint(
        tmp_path, "c.yaml", _TEXT.replace("count: 6", "count: 5")
    )
    assert changed != first
    _, old_parts = _fingerprint(tmp_path, "a.yaml", _TEXT)
    assert [k for k in parts if parts[k] != old_parts[k]] == ["queues.q"]


def test_an_override_of_seed_or_replications_changes_the_fingerprint(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(_TEXT)
    model = load_scenario(path)
    base, _ = fingerprint(model)
    assert fingerprint(with_overrides(model, seed=9))[0] != base
    assert fingerprint(with_overrides(model, replications=2))[0] != base


def test_a_file_the_scenario_names_counts_by_its_content(tmp_path: Path) -> None:
    samples = tmp_path / "service.csv"
    samples.write_text("service_ms\n8\n10\n12\n")
    text = _TEXT.replace(
        "{law: exponential, mean: 10ms}",
        "{law: empirical, file: service.csv, column: service_ms, unit: ms}",
    )
    first, _ = _fingerprint(tmp_path, "a.yaml", text)
    samples.write_text("service_ms\n8\n10\n13\n")
    second, _ = _fingerprint(tmp_path, "a.yaml", text)
    assert first != second
