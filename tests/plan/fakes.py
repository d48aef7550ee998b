"""A fake engine whose mean wait is set by the consumer count and the replication.

Its runs are one queue ``q`` of evenly spaced messages that each wait exactly
``wait(count, replication)`` seconds and are served in 1 ms, so every
measure of a replication is known in advance and a plan's verdicts can be
put exactly where a test wants them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pushsim.engines.base import Outcome, Run
from pushsim.scenario import Scenario

MESSAGES = 400
SERVICE = 0.001


class WaitEngine:
    """An engine whose replication r of a scenario with c consumers waits wait(c, r)."""

    name = "fake"

    def __init__(self, wait: Callable[[int, int], float]) -> None:
        self.wait = wait
        self.calls: list[tuple[int, int]] = []

    def run(self, scenario: Scenario, replication: int) -> Run:
        count = scenario.queues["q"].consumers.count
        self.calls.append((count, replication))
        wait = self.wait(count, replication)
        created = np.arange(MESSAGES, dtype=float)
        started = created + wait
        ids = np.arange(MESSAGES, dtype=np.int64)
        columns = {
            "message": ids,
            "published": ids,
            "class_id": np.zeros(MESSAGES, dtype=np.int16),
            "node_id": np.zeros(MESSAGES, dtype=np.int16),
            "created_at": created,
            "enqueued_at": created,
            "started_at": started,
            "finished_at": started + SERVICE,
            "outcome": np.full(MESSAGES, Outcome.COMPLETED, dtype=np.int8),
        }
        return Run(
            engine=self.name,
            replication=replication,
            columns=columns,
            horizon=float(started[-1] + 1.0),
            published=MESSAGES,
            deliveries=MESSAGES,
            nodes=("q",),
            classes=(("src", "default"),),
        )
