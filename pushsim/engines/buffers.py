"""The order of a queue's waiting room, by discipline: FIFO, LIFO or priority.

A buffer holds visits in progress (lists, see :mod:`pushsim.engines.waiting`)
for the queues of both engines, and hands out the next one to serve and, for
``drop_oldest``, the one that has waited longest. Visits that expired while
waiting stay in the buffer as tombstones (their state says so) and are
skipped when they come up: removing them from the middle of a deque would
cost more than stepping over them later.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["Buffer", "make_buffer"]

#: Index of a visit's state, and the state values (see waiting.py).
STATE = 9
WAITING = 0


class Buffer:
    """First in, first out."""

    def __init__(self) -> None:
        self._items: deque[list[Any]] = deque()
        self.push = self._items.append

    def _take(self, take: Any) -> list[Any] | None:
        items = self._items
        while items:
            item: list[Any] = take()
            if item[STATE] == WAITING:
                return item
        return None

    def next(self) -> list[Any] | None:
        """The visit to serve next, or None if none is waiting."""
        return self._take(self._items.popleft)

    def oldest(self) -> list[Any] | None:
        """The visit that has waited longest, taken out of the buffer."""
        return self._take(self._items.popleft)

    def raw_next(self) -> Callable[[], list[Any]]:
        """``next`` for a buffer that never holds tombstones (no expiry)."""
        return self._items.popleft

    def items(self) -> list[list[Any]]:
        """Every visit still waiting, in no particular order."""
        return [item for item in self._items if item[STATE] == WAITING]


class LifoBuffer(Buffer):
    """Last in, first out: the newest waiting visit is served first."""

    def next(self) -> list[Any] | None:
        return self._take(self._items.pop)


class PriorityBuffer(Buffer):
    """Lowest priority number first, first in, first out within a priority."""

    def __init__(self, priorities: list[int]) -> None:
        self._levels = sorted(set(priorities))
        self._by_level: dict[int, deque[list[Any]]] = {p: deque() for p in self._levels}
        self._items = deque()

    def push(self, item: list[Any]) -> None:
        self._by_level[item[7]].append(item)

    def next(self) -> list[Any] | None:
        for level in self._levels:
            items = self._by_level[level]
            while items:
                item = items.popleft()
                if item[STATE] == WAITING:
                    return item
        return None

    def oldest(self) -> list[Any] | None:
        """The longest-waiting visit of the lowest priority that has any."""
        for level in reversed(self._levels):
            items = self._by_level[level]
            while items:
                item = items.popleft()
                if item[STATE] == WAITING:
                    return item
        return None

    def items(self) -> list[list[Any]]:
        return [i for d in self._by_level.values() for i in d if i[STATE] == WAITING]


def make_buffer(discipline: str, priorities: list[int]) -> Buffer:
    """The buffer for a queue's discipline."""
    if discipline == "lifo":
        return LifoBuffer()
    if discipline == "priority":
        return PriorityBuffer(priorities)
    return Buffer()
