"""Shared test helpers: tolerances from the standard error, scenario builders."""

from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

#: Two-sided confidence of the statistical checks against theory: a check
#: that is right fails by chance with probability 1 - CHECK_LEVEL.
CHECK_LEVEL = 0.999


def assert_near_theory(result: Any, node: str, metric: str, expected: float) -> None:
    """The estimate lies within the CHECK_LEVEL interval of its standard error.

    The standard error comes from the result's own 95 % Student-t interval
    (replications or batch means); the allowed distance is the Student-t
    quantile at CHECK_LEVEL for the same degrees of freedom times that
    standard error. Nothing else widens it.
    """
    mean, low, high = result.interval(node, metric)
    dof = result.replications - 1 if result.replications > 1 else 19
    se = (high - low) / (2 * stats.t.ppf(0.975, dof))
    allowed = stats.t.ppf(0.5 + CHECK_LEVEL / 2, dof) * se
    assert math.isfinite(mean), f"{node}.{metric} is {mean}"
    assert abs(mean - expected) <= allowed, (
        f"{node}.{metric}: simulated {mean:.6g} (SE {se:.3g}) vs theory {expected:.6g}: "
        f"off by {abs(mean - expected) / se:.2f} SE, allowed {allowed / se:.2f} SE"
    )


def station(
    rate: float,
    mean_service: float,
    servers: int = 1,
    *,
    messages: int = 40_000,
    replications: int = 10,
    seed: int = 1,
    **queue: Any,
) -> dict[str, Any]:
    """A one-queue scenario with Poisson arrivals and exponential service."""
    return {
        "name": "station",
        "seed": seed,
        "producers": {
            "src": {"arrivals": {"process": "poisson", "rate": rate}, "to": "q"}
        },
        "queues": {
            "q": {
                **queue,
                "consumers": {
                    "count": servers,
                    "service": {"law": "exponential", "mean": mean_service},
                },
            }
        },
        "experiment": {
            "messages": messages,
            "warmup": "10%",
            "replications": replications,
        },
    }


def installed(command: str) -> str:
    """The path of a console script installed beside the running Python."""
    found = shutil.which(command, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(
            f"{command} is not installed beside {sys.executable}; pip install -e '.[dev]'"
        )
    return found
