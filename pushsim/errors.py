"""The exceptions pushsim raises for bad input.

Every error that a user's input can cause is a :class:`PushsimError`. A wrong
scenario raises :class:`ScenarioError`, which carries every fault found, each
with its place in the file (a dotted path such as
``queues.push.consumers.service.cv``) and the rule it broke.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Fault", "PushsimError", "PushsimWarning", "ScenarioError"]


class PushsimError(Exception):
    """Base of every error that pushsim raises for bad input or a bad request."""


@dataclass(frozen=True)
class Fault:
    """One thing wrong with a scenario: where it is and what rule it breaks."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ScenarioError(PushsimError, ValueError):
    """A scenario that cannot be run, with every fault found in it."""

    def __init__(self, faults: Iterable[Fault], *, source: str | None = None) -> None:
        self.faults: tuple[Fault, ...] = tuple(faults)
        self.source = source
        super().__init__(self._text())

    def _text(self) -> str:
        where = f"{self.source}: " if self.source else ""
        count = len(self.faults)
        head = f"{where}{count} fault{'s' if count != 1 else ''} in the scenario"
        return "\n".join([head, *(f"  {fault}" for fault in self.faults)])


class PushsimWarning(UserWarning):
    """Something the user should change: an unstable load, a warm-up too short."""
