"""Same scenario, same seed: the same numbers, bit for bit, in any process."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap

import numpy as np

import pushsim
from tests.conftest import ROOT, SCENARIOS


def _digest(result: pushsim.Result) -> str:
    digest = hashlib.sha256()
    for run in result.runs:
        for name in sorted(run.columns):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(run.columns[name]).tobytes())
    return digest.hexdigest()


def test_same_seed_same_messages() -> None:
    path = SCENARIOS / "notification-fanout.yaml"
    first = pushsim.simulate(path, replications=2)
    second = pushsim.simulate(path, replications=2)
    assert first.messages.equals(second.messages)
    assert _digest(first) == _digest(second)


def test_another_seed_other_numbers() -> None:
    path = SCENARIOS / "mm1.yaml"
    assert _digest(pushsim.simulate(path, replications=1, seed=1)) != _digest(
        pushsim.simulate(path, replications=1, seed=2)
    )


def test_same_numbers_in_another_process() -> None:
    path = SCENARIOS / "burst.yaml"
    here = _digest(pushsim.simulate(path, replications=2))
    code = textwrap.dedent(
        f"""
        import pushsim
        from tests.engine.test_determinism import _digest
        print(_digest(pushsim.simulate({str(path)!r}, replications=2)))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == here


def test_adding_a_producer_leaves_the_others_arrivals_alone() -> None:
    base = {
        "seed": 9,
        "producers": {"a": {"arrivals": {"process": "poisson", "rate": 50}, "to": "q"}},
        "queues": {
            "q": {
                "consumers": {
                    "count": 4,
                    "service": {"law": "exponential", "mean": 0.01},
                }
            }
        },
        "experiment": {"duration": 20, "warmup": 0, "replications": 1},
    }
    more = {
        **base,
        "producers": {
            **base["producers"],
            "b": {"arrivals": {"process": "poisson", "rate": 30}, "to": "q"},
        },
    }

    def arrivals_of_a(scenario: dict) -> np.ndarray:
        messages = pushsim.simulate(scenario).messages
        return np.sort(
            messages.loc[messages["producer"] == "a", "created_at"].to_numpy()
        )

    assert np.array_equal(arrivals_of_a(base), arrivals_of_a(more))
