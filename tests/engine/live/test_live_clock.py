"""The live engine's clocks: virtual time is exact, real time reports its lateness."""

from __future__ import annotations

import asyncio

import pytest

from pushsim.engines.live import LiveEngine, check_speed
from pushsim.engines.live.clock import RealClock, VirtualClock, VirtualLoop, new_loop
from pushsim.errors import PushsimError


def run_virtual(coroutine_function: object) -> object:
    loop = VirtualLoop()
    try:
        return loop.run_until_complete(coroutine_function(loop))  # type: ignore[operator]
    finally:
        loop.close()


def test_virtual_time_jumps_to_each_deadline_exactly() -> None:
    async def main(loop: asyncio.AbstractEventLoop) -> list[float]:
        clock = VirtualClock(loop, speed=1.0)
        seen = []
        for at in (0.1, 0.3, 1e6, 1e6 + 1e-9):
            late = await clock.sleep_until(at)
            seen.append((clock.now(), late))
        return seen

    assert run_virtual(main) == [(0.1, 0.0), (0.3, 0.0), (1e6, 0.0), (1e6 + 1e-9, 0.0)]


def test_asyncio_sleep_and_timers_run_in_virtual_time() -> None:
    async def main(loop: asyncio.AbstractEventLoop) -> list[tuple[str, float]]:
        order: list[tuple[str, float]] = []
        loop.call_at(2.0, lambda: order.append(("timer", loop.time())))
        loop.call_at(2.0 + 1e-9, lambda: order.append(("a ns later", loop.time())))
        await asyncio.sleep(5.0)
        order.append(("slept", loop.time()))
        return order

    assert run_virtual(main) == [
        ("timer", 2.0),
        ("a ns later", 2.0 + 1e-9),
        ("slept", 5.0),
    ]


def test_a_virtual_loop_with_nothing_scheduled_says_so() -> None:
    async def main(loop: asyncio.AbstractEventLoop) -> None:
        await loop.create_future()  # nothing will ever set it

    with pytest.raises(RuntimeError, match="the virtual loop has nothing scheduled"):
        run_virtual(main)


def available_loops() -> list[str]:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return ["select", "default"]
    return ["select", "default", "uvloop"]


@pytest.mark.live
@pytest.mark.parametrize("kind", available_loops())
def test_a_real_clock_never_wakes_early_and_says_how_late(kind: str) -> None:
    async def main() -> list[float]:
        clock = RealClock(speed=10.0)
        clock.start()
        lateness = []
        for k in range(1, 21):
            # 0.3 ms apart in real time: below uvloop's millisecond timers
            lateness.append(await clock.sleep_until(0.003 * k))
            assert clock.now() >= 0.003 * k
        return lateness

    loop = new_loop(kind)
    try:
        lateness = loop.run_until_complete(main())
    finally:
        loop.close()
    assert all(late >= 0.0 for late in lateness)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), True, "fast"])
def test_a_speed_must_be_a_finite_positive_number(bad: object) -> None:
    with pytest.raises(PushsimError, match="speed: must be a"):
        check_speed(bad)


def test_unknown_loops_and_clocks_are_refused() -> None:
    with pytest.raises(PushsimError, match="loop: must be one of select, default"):
        new_loop("tokio")
    with pytest.raises(PushsimError, match="clock: must be one of real, virtual"):
        LiveEngine(clock="sundial")


def test_uvloop_is_optional() -> None:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        with pytest.raises(PushsimError, match="uvloop is not installed; pip install"):
            new_loop("uvloop")
    else:
        loop = new_loop("uvloop")
        assert type(loop).__module__.startswith("uvloop")
        loop.close()
