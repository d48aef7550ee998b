"""Assertions and pytest fixtures for teams that keep scenarios beside their code.

:func:`assert_slo` simulates a scenario (or takes a result) and fails with
the figures when an objective is not met::

    from pushsim.testing import assert_slo

    def test_push_meets_its_latency_target():
        assert_slo("scenarios/mmc.yaml", "p99 <= 100ms", "wait_p80 <= 20ms")

An SLO passes when the whole 95 % interval meets it; an inconclusive one
(the interval straddles the limit) fails with the replications that would
decide, unless ``allow_inconclusive``, which passes it with a warning.

As a pytest plugin (``pytest_plugins = ["pushsim.testing"]`` in the root
``conftest.py``) it adds the marker ``scenario`` and the fixtures
``scenario`` (the scenario the marker or an indirect parameter names) and
``scenario_result`` (its simulated result, made once per pytest run for
each scenario, seed and replications)::

    @pytest.mark.scenario("scenarios/mmc.yaml", replications=3)
    def test_mmc(scenario_result):
        assert_slo(scenario_result, "p99 <= 100ms")

    @pytest.mark.parametrize("scenario", scenario_files("scenarios"), indirect=True)
    def test_every_scenario_meets_its_slos(scenario):
        assert_slo(scenario)

A relative path in the marker or a parameter is read from pytest's root
folder; :func:`scenario_files` reads its folder from the current one. The
module needs pytest.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from pushsim.check.baseline import fingerprint
from pushsim.check.slo_gate import slo_verdicts
from pushsim.check.sources import SUFFIXES
from pushsim.errors import PushsimError, PushsimWarning
from pushsim.result import Result
from pushsim.scenario import SLO, Scenario, load_scenario, parse_slo
from pushsim.simulate import simulate, with_overrides

__all__ = ["assert_slo", "scenario", "scenario_files", "scenario_result"]

Target = Result | Scenario | Mapping[str, Any] | str | Path


def _parse(texts: tuple[str | SLO, ...]) -> list[SLO]:
    out = []
    for text in texts:
        if isinstance(text, SLO):
            out.append(text)
            continue
        try:
            out.append(parse_slo(text))
        except ValueError as error:
            raise PushsimError(f"SLO {text!r}: {error}") from None
    return out


def _result(target: Target, slos: list[SLO], overrides: dict[str, Any]) -> Result:
    if isinstance(target, Result):
        if any(v is not None for v in overrides.values()):
            raise PushsimError(
                "replications and seed apply to a scenario, not to a result that "
                "has already run"
            )
        return target
    model = with_overrides(load_scenario(target), **overrides)
    if slos:
        # The asserted SLOs join the scenario's, so their percentiles are measured.
        merged = (*model.experiment.slo, *slos)
        experiment = model.experiment.model_copy(update={"slo": merged})
        model = model.model_copy(update={"experiment": experiment})
    return simulate(model)


def assert_slo(
    target: Target,
    *slos: str | SLO,
    replications: int | None = None,
    seed: int | None = None,
    allow_inconclusive: bool = False,
) -> Result:
    """Assert that a scenario meets ``slos`` (by default its own); return the result.

    ``target`` is a scenario (a file path, a mapping or a :class:`Scenario`),
    which is simulated with its own replications and seed unless
    ``replications`` or ``seed`` are given, or a :class:`Result` already
    made. Each failed or inconclusive SLO is listed in the AssertionError
    with its measured figure, its 95 % interval and its limit.
    """
    wanted = _parse(slos)
    result = _result(target, wanted, {"replications": replications, "seed": seed})
    chosen = wanted or list(result.scenario.experiment.slo)
    if not chosen:
        raise PushsimError(
            f"scenario {result.scenario.name!r} has no SLOs and none were given; "
            "pass one such as 'p99 <= 200ms'"
        )
    failed, open_ = [], []
    for row in slo_verdicts(result, chosen):
        if row.verdict == "fail" or math.isnan(row.mean):
            failed.append(f"  fail: {row.message}")
        elif row.verdict == "inconclusive":
            open_.append(f"  inconclusive: {row.message}")
    where = (
        f"{result.scenario.name} (seed {result.seed}, {result.replications} "
        f"replication(s) on {result.engine})"
    )
    if failed or (open_ and not allow_inconclusive):
        raise AssertionError("\n".join([f"{where} misses its SLOs:", *failed, *open_]))
    for line in open_:
        warnings.warn(
            f"{where}:{line.removeprefix(' ')} (allowed)", PushsimWarning, stacklevel=2
        )
    return result


def scenario_files(folder: str | Path) -> list[Any]:
    """The scenario files of a folder as pytest parameters, each with its file name."""
    path = Path(folder)
    if not path.is_dir():
        raise PushsimError(f"{path}: no such folder of scenarios")
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in SUFFIXES)
    return [pytest.param(p.resolve(), id=p.name) for p in files]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``scenario`` marker."""
    config.addinivalue_line(
        "markers",
        "scenario(source, *, replications=None, seed=None): the scenario that the "
        "scenario and scenario_result fixtures of pushsim.testing give",
    )


def _requested(request: pytest.FixtureRequest) -> tuple[Any, dict[str, Any]]:
    marker = request.node.get_closest_marker("scenario")
    overrides: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    unknown = set(overrides) - {"replications", "seed"}
    if unknown:
        raise PushsimError(
            f"pytest.mark.scenario: unknown option(s) {sorted(unknown)}; use "
            "replications and seed"
        )
    if hasattr(request, "param"):
        return request.param, overrides
    if marker is None or not marker.args:
        raise PushsimError(
            "the scenario fixture needs @pytest.mark.scenario(PATH) or an indirect "
            "parameter naming the scenario"
        )
    return marker.args[0], overrides


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario:
    """The scenario named by ``@pytest.mark.scenario`` or an indirect parameter."""
    source, overrides = _requested(request)
    if isinstance(source, str | Path) and not Path(source).is_absolute():
        source = request.config.rootpath / source
    return with_overrides(load_scenario(source), **overrides)


@pytest.fixture(scope="session")
def _pushsim_results() -> dict[str, Result]:
    return {}


@pytest.fixture
def scenario_result(scenario: Scenario, _pushsim_results: dict[str, Result]) -> Result:
    """The simulated result of the ``scenario`` fixture, made once per pytest run.

    Results are kept by the scenario's fingerprint, which covers its seed and
    replications: the same scenario gives the same numbers, so one run serves.
    """
    key, _ = fingerprint(scenario)
    if key not in _pushsim_results:
        _pushsim_results[key] = simulate(scenario)
    return _pushsim_results[key]
