"""Time for the live engine: scenario time on a real clock, or on a virtual one.

The live engine reads and waits in *scenario time*: with ``speed`` s, one
scenario second lasts ``1 / s`` real seconds, so ``speed=60`` runs an hour of
traffic in a minute. Every wait is on an absolute deadline (an instant of
scenario time), so a wake-up that comes late does not push the later ones.

- :class:`RealClock` reads ``time.perf_counter`` and waits with the event
  loop's timers. Each wait reports how late it woke, in real seconds.
- :class:`VirtualClock` runs on a :class:`VirtualLoop`, an asyncio loop whose
  clock does not follow the wall: when nothing is ready to run, it jumps to
  the next timer at once. Waits end exactly at their deadline, handlers that
  ``await asyncio.sleep`` see the same virtual time, and a run of an hour
  takes as long as its Python work. This is what the tests use.

Which real loop: asyncio's default loop on Linux waits in ``epoll``, whose
timeout is rounded up to whole milliseconds, so every timer there wakes up
to 1 ms late. The default here is a selector loop on ``select()``, whose
timeout has microsecond resolution. ``uvloop`` (if installed) is cheaper per
event but keeps millisecond timers on a millisecond clock: its timers wake
up to 1 ms early or late, and the real clock then waits again for the rest,
which runs the loop round until the deadline. See the README's measured
figures.

Limits: the ``select`` loop handles file descriptors below 1024 only (a
handler that opens more sockets than that needs ``loop="default"``). The
virtual loop advances time only through timers: a handler that waits on a
thread or on real I/O sees no virtual time pass while it waits, and a run in
which every task waits with no timer set ends there as stalled.
"""

from __future__ import annotations

import asyncio
import contextvars
import heapq
import math
import selectors
import time
from collections.abc import Callable
from typing import Any, Protocol

from pushsim.errors import PushsimError

__all__ = [
    "LOOPS",
    "Clock",
    "RealClock",
    "VirtualClock",
    "VirtualLoop",
    "new_loop",
]

#: The real event loops the engine can run on, by the name a user gives.
LOOPS = ("select", "default", "uvloop")


class Clock(Protocol):
    """Scenario time for the engine's tasks."""

    speed: float
    virtual: bool

    def start(self) -> None:
        """Make the present instant scenario time 0."""
        ...

    def now(self) -> float:
        """Scenario seconds since :meth:`start`."""
        ...

    def wall(self) -> float:
        """Real seconds on a monotonic clock (virtual seconds on a virtual one)."""
        ...

    async def sleep_until(self, at: float) -> float:
        """Wait until scenario instant ``at``; how late it woke, in real seconds.

        A deadline already past does not wait, but still lets the other tasks
        run once, so a task that is behind cannot starve the rest.
        """
        ...


class RealClock:
    """Scenario time on the wall clock, ``speed`` times faster than real time."""

    virtual = False

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._scale = 1.0 / speed
        self._origin = time.perf_counter()

    def start(self) -> None:
        """Make the present instant scenario time 0."""
        self._origin = time.perf_counter()

    def now(self) -> float:
        """Scenario seconds since :meth:`start`."""
        return (time.perf_counter() - self._origin) * self.speed

    def wall(self) -> float:
        """Real seconds on ``time.perf_counter``."""
        return time.perf_counter()

    async def sleep_until(self, at: float) -> float:
        """Wait until scenario instant ``at``; how late it woke, in real seconds."""
        target = self._origin + at * self._scale
        delay = target - time.perf_counter()
        if delay <= 0.0:
            await asyncio.sleep(0)
        while delay > 0.0:
            await asyncio.sleep(delay)
            # A loop with millisecond timers (uvloop) may wake early: wait the rest.
            delay = target - time.perf_counter()
        return time.perf_counter() - target


class VirtualClock:
    """Scenario time on a :class:`VirtualLoop`: deadlines are met exactly."""

    virtual = True

    def __init__(self, loop: asyncio.AbstractEventLoop, speed: float = 1.0) -> None:
        self.speed = speed
        self._scale = 1.0 / speed
        self._loop = loop
        self._origin = loop.time()

    def start(self) -> None:
        """Make the present virtual instant scenario time 0."""
        self._origin = self._loop.time()

    def now(self) -> float:
        """Scenario seconds since :meth:`start`."""
        return (self._loop.time() - self._origin) * self.speed

    def wall(self) -> float:
        """The loop's virtual seconds."""
        return self._loop.time()

    async def sleep_until(self, at: float) -> float:
        """Wait until scenario instant ``at`` exactly; lateness is 0."""
        loop = self._loop
        target = self._origin + at * self._scale
        if target <= loop.time():
            await asyncio.sleep(0)
        else:
            woken: asyncio.Future[None] = loop.create_future()
            handle = loop.call_at(target, _wake, woken)
            try:
                await woken
            except asyncio.CancelledError:
                handle.cancel()
                raise
        return loop.time() - target


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _JumpingSelector(selectors.SelectSelector):
    """A selector that, instead of blocking, moves its loop's clock forward."""

    def __init__(self, loop: VirtualLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[Any]:
        """Poll without waiting; where a real loop would wait, advance its clock."""
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            self._loop.nothing_scheduled()
        else:
            self._loop.advance(timeout)
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    """An asyncio loop on virtual time: when idle it jumps to the next timer.

    ``on_stall`` is called when no callback is ready and no timer is set, the
    moment a real loop would wait forever; without one, that is an error.
    """

    def __init__(self) -> None:
        self._virtual_now = 0.0
        self._timers: list[float] = []
        self.on_stall: Callable[[], None] | None = None
        super().__init__(_JumpingSelector(self))

    def time(self) -> float:
        """The loop's virtual clock, in seconds."""
        return self._virtual_now

    def call_at(  # type: ignore[override]
        self,
        when: float,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.TimerHandle:
        """Schedule ``callback`` at ``when``, noting the instant for :meth:`advance`."""
        heapq.heappush(self._timers, when)
        return super().call_at(when, callback, *args, context=context)

    def advance(self, timeout: float) -> None:
        """Move the clock to the next timer, at most ``timeout`` from now."""
        now = self._virtual_now
        timers = self._timers
        while timers and timers[0] <= now:
            heapq.heappop(timers)
        target = now + timeout
        # The loop computed timeout as (when - now); land on ``when`` itself, so
        # that instants stay exact instead of picking up a rounding error.
        if timers and timers[0] <= target + 1e-9 * max(1.0, abs(target)):
            target = heapq.heappop(timers)
        self._virtual_now = target
        # The loop runs the timers due before now + its clock resolution (1 ns on
        # a real clock). One unit in the last place runs those due at ``target``
        # and no later one, so that two events 1 ns apart stay apart.
        self._clock_resolution = math.ulp(target)

    def nothing_scheduled(self) -> None:
        """No callback is ready and no timer is set: the program cannot go on."""
        if self.on_stall is None:
            raise RuntimeError(
                "the virtual loop has nothing scheduled: every task waits for "
                "something that no timer will bring"
            )
        stall, self.on_stall = self.on_stall, None
        stall()


def new_loop(kind: str) -> asyncio.AbstractEventLoop:
    """A new real event loop: ``select`` (the default), ``default`` or ``uvloop``."""
    if kind == "select":
        return asyncio.SelectorEventLoop(selectors.SelectSelector())
    if kind == "default":
        return asyncio.new_event_loop()
    if kind == "uvloop":
        try:
            import uvloop
        except ImportError:
            raise PushsimError(
                "loop 'uvloop': uvloop is not installed; pip install uvloop, or use "
                "loop 'select'"
            ) from None
        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        return loop
    raise PushsimError(f"loop: must be one of {', '.join(LOOPS)}, got {kind!r}")
