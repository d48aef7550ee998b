"""What every engine produces: a :class:`Run` of per-visit records.

An engine turns a scenario and a replication number into a :class:`Run`: one
record for each visit of a message to a queue, in numpy arrays, plus the
facts of the run (its horizon, what the node and class numbers mean, the
engine's own diagnostics). The simulator and the live engine produce the
same shape, so every measure, plot and report works on either, and a fake
engine can stand in for both in tests.

Time names follow one rule: ``*_at`` is an instant on the run's clock,
``*_time`` a span; both in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from pushsim.scenario import Scenario

__all__ = [
    "COLUMNS",
    "OUTCOMES",
    "Engine",
    "Outcome",
    "RecordLog",
    "Run",
]


class Outcome:
    """How a visit ended: the codes of the ``outcome`` column."""

    COMPLETED = 0  #: served, and left the system
    FORWARDED = 1  #: served, and went on to another node
    DROPPED = 2  #: refused by a full queue, or pushed out by a newer message
    EXPIRED = 3  #: waited longer than its time-to-live
    IN_SYSTEM = 4  #: still waiting or in service when the run ended
    FAILED = 5  #: the consumer's work raised an error (live engine)


#: Outcome names by code, as the ``outcome`` column of the messages table shows them.
OUTCOMES = ("completed", "forwarded", "dropped", "expired", "in_system", "failed")

#: The record columns, in the order an engine writes them.
COLUMNS = (
    "message",  # delivery number, unique within a replication
    "published",  # number of the published message it was fanned out from
    "class_id",  # index into Run.classes
    "node_id",  # index into Run.nodes
    "created_at",  # when the published message was created
    "enqueued_at",  # when this visit reached the queue (after any blocking)
    "started_at",  # when service began (NaN if it never did)
    "finished_at",  # when the visit ended: served, dropped or expired (NaN if not)
    "outcome",  # an Outcome code
)
_WIDTH = len(COLUMNS)


class RecordLog:
    """Visit records appended one at a time, kept as blocks of doubles.

    ``add`` extends a plain list (the cheapest append Python has); every
    :data:`FLUSH` records the engine calls :meth:`flush`, which moves them into
    a float64 array, so at most one block is ever held as Python objects.
    Ids and codes are exact in float64 (ids up to 2**53) and are typed when
    the run ends.
    """

    FLUSH = 1 << 14

    def __init__(self) -> None:
        self._pending: list[float] = []
        self._blocks: list[np.ndarray] = []
        self.add = self._pending.extend  # add((message, published, ..., outcome))

    def __len__(self) -> int:
        return (sum(b.size for b in self._blocks) + len(self._pending)) // _WIDTH

    def flush(self) -> None:
        """Move the records added since the last flush into an array."""
        if self._pending:
            self._blocks.append(np.asarray(self._pending, dtype=np.float64))
            self._pending.clear()

    def columns(self) -> dict[str, np.ndarray]:
        """The records as typed columns, ordered by message then enqueue time."""
        self.flush()
        flat = np.concatenate(self._blocks) if self._blocks else np.zeros(0)
        self._blocks = []
        table = flat.reshape(-1, _WIDTH)
        order = np.lexsort((table[:, 5], table[:, 0]))
        table = table[order]
        return {
            "message": table[:, 0].astype(np.int64),
            "published": table[:, 1].astype(np.int64),
            "class_id": table[:, 2].astype(np.int16),
            "node_id": table[:, 3].astype(np.int16),
            "created_at": np.ascontiguousarray(table[:, 4]),
            "enqueued_at": np.ascontiguousarray(table[:, 5]),
            "started_at": np.ascontiguousarray(table[:, 6]),
            "finished_at": np.ascontiguousarray(table[:, 7]),
            "outcome": table[:, 8].astype(np.int8),
        }


@dataclass(frozen=True)
class Run:
    """One replication of one scenario on one engine.

    ``columns`` holds the visit records (see :data:`COLUMNS`); ``horizon`` is
    the instant the run stopped, ``published`` how many messages the
    producers created and ``deliveries`` how many deliveries they fanned out
    to. ``nodes[i]`` is the queue that ``node_id == i`` names and
    ``classes[j]`` the ``(producer, class)`` of ``class_id == j``.
    """

    engine: str
    replication: int
    columns: dict[str, np.ndarray]
    horizon: float
    published: int
    deliveries: int
    nodes: tuple[str, ...]
    classes: tuple[tuple[str, str], ...]
    diagnostics: dict[str, float] = field(default_factory=dict)
    partial: bool = False

    @property
    def visits(self) -> int:
        """How many visit records the run holds."""
        return int(self.columns["message"].size)

    def retained_bytes(self) -> int:
        """Bytes held by the record arrays."""
        return int(sum(column.nbytes for column in self.columns.values()))


class Engine(Protocol):
    """Anything that can run one replication of a scenario."""

    name: str

    def run(self, scenario: Scenario, replication: int) -> Run:
        """Run replication number ``replication`` (its streams come from the seed)."""
        ...
