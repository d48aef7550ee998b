"""``simulate``: run a scenario's replications on an engine and measure them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pushsim.engines.base import Engine, Run
from pushsim.engines.des import DesEngine
from pushsim.errors import PushsimError
from pushsim.result import Result
from pushsim.scenario import Scenario, load_scenario

__all__ = ["simulate", "with_overrides"]

Progress = Callable[[int, int], None]


def with_overrides(
    scenario: Scenario, *, replications: int | None = None, seed: int | None = None
) -> Scenario:
    """The scenario with another replication count or seed, checked."""
    if replications is not None and (
        isinstance(replications, bool)
        or not isinstance(replications, int)
        or replications < 1
    ):
        raise PushsimError(
            f"replications must be a whole number >= 1, got {replications!r}"
        )
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or seed < 0
    ):
        raise PushsimError(f"seed must be a whole number >= 0, got {seed!r}")
    update: dict[str, Any] = {}
    if seed is not None:
        update["seed"] = seed
    if replications is not None:
        update["experiment"] = scenario.experiment.model_copy(
            update={"replications": replications}
        )
    if not update:
        return scenario
    derived = scenario.model_copy(update=update)
    # Kept apart too, so that a scenario derived from the file by with_values
    # keeps them.
    derived._overrides = {
        **scenario._overrides,
        **{
            k: v
            for k, v in (("seed", seed), ("replications", replications))
            if v is not None
        },
    }
    return derived


def simulate(
    scenario: Scenario | Mapping[str, Any] | str | Path,
    *,
    replications: int | None = None,
    seed: int | None = None,
    engine: Engine | None = None,
    progress: Progress | None = None,
    stoppable: bool = False,
) -> Result:
    """Simulate every replication of a scenario and return their measures.

    ``scenario`` is a :class:`Scenario`, a mapping or a file path;
    ``replications`` and ``seed`` override the scenario's own. Replication
    ``r`` draws its numbers from the seed and ``r`` alone, so a result is the
    same, bit for bit, wherever and in whatever order its replications run.

    With ``stoppable``, Ctrl-C (KeyboardInterrupt) drops the replication in
    progress and returns those finished, the result marked partial and its
    scenario's replications set to their number; with none finished, the
    KeyboardInterrupt goes on.
    """
    model = with_overrides(
        load_scenario(scenario), replications=replications, seed=seed
    )
    runner = engine or DesEngine()
    total = model.experiment.replications
    runs: list[Run] = []
    try:
        for replication in range(total):
            runs.append(runner.run(model, replication))
            if progress is not None:
                progress(replication + 1, total)
    except KeyboardInterrupt:
        if not (stoppable and runs):
            raise
        done = len(runs)
        if done == total:  # stopped after the last one: nothing is missing
            return Result(model, runs)
        result = Result(with_overrides(model, replications=done), runs, partial=True)
        result.notes.append(
            f"stopped by Ctrl-C after {done} of {total} replications; the one in "
            "progress was left out"
        )
        return result
    return Result(model, runs)
