"""The live engine on the wall clock: it agrees with the simulator, up to its lateness.

These few tests run in real time (a few seconds each) and carry the
``live`` marker. Their tolerances are stated in each test: the standard
error of the difference, and the shift that the engine's own measured
lateness makes.
"""

from __future__ import annotations

import asyncio
import math

import numpy as np
import pytest
from scipy import stats

import pushsim
from pushsim.engines.base import Outcome
from pushsim.engines.live import Delivery
from pushsim.live import run_live
from pushsim.result import Result
from tests.conftest import CHECK_LEVEL, station

pytestmark = [
    pytest.mark.live,
    # lateness and short single runs are warned of; these tests read them.
    pytest.mark.filterwarnings("ignore::pushsim.errors.PushsimWarning"),
]

RATE, SERVICE = 140.0, 0.005  # M/M/1 at load 0.7, 5 ms services
SECONDS = 8.0


def standard_error(result: Result, node: str, metric: str) -> tuple[float, float, int]:
    """Estimate, standard error and degrees of freedom, from the 95 % interval."""
    mean, low, high = result.interval(node, metric)
    dof = result.replications - 1 if result.replications > 1 else result.batches - 1
    return mean, (high - low) / (2 * stats.t.ppf(0.975, dof)), dof


def allowed(se_a: float, dof_a: int, se_b: float, dof_b: int) -> float:
    """The CHECK_LEVEL half-width of a difference (Welch-Satterthwaite)."""
    variance = se_a**2 + se_b**2
    dof = variance**2 / (se_a**4 / dof_a + se_b**4 / dof_b)
    return float(stats.t.ppf(0.5 + CHECK_LEVEL / 2, dof)) * math.sqrt(variance)


def served(result: Result) -> tuple[np.ndarray, float]:
    """Service times of completed visits in the measuring window, and that window."""
    run, warm = result.runs[0], result.warmups[0]
    c = run.columns
    done = (c["outcome"] == Outcome.COMPLETED) & (c["enqueued_at"] >= warm.instant)
    return (c["finished_at"] - c["started_at"])[done], warm.horizon - warm.instant


def pk_wait(rate: float, service: np.ndarray) -> float:
    """Mean wait of M/G/1 (Pollaczek-Khinchine) with these service times."""
    load = rate * service.mean()
    return rate * float(np.mean(service**2)) / (2 * (1 - load))


def test_mm1_at_load_07_agrees_with_the_simulator_up_to_its_lateness() -> None:
    scenario = station(RATE, SERVICE, messages=1, replications=1, seed=11)
    scenario["experiment"] = {"duration": SECONDS, "warmup": "10%", "replications": 1}
    model = pushsim.load_scenario(scenario)
    sim = pushsim.simulate(model)
    live = run_live(model)
    assert not live.partial

    # The two runs draw the same arrivals and service times. Live services
    # are longer by each sleep's lateness, which the engine measures; through
    # the queue that lengthens the mean wait by what Pollaczek-Khinchine says
    # of the service times each engine actually had. Tolerance: that shift,
    # then the CHECK_LEVEL interval of the difference from both standard errors.
    diagnostics = live.runs[0].diagnostics
    lateness = diagnostics["service_lateness_mean"] * diagnostics["speed"]
    live_service, span = served(live)
    sim_service, _ = served(sim)

    def agrees(metric: str, shift: float) -> None:
        a, se_a, dof_a = standard_error(live, "q", metric)
        b, se_b, dof_b = standard_error(sim, "q", metric)
        gap = (a - b) - shift
        limit = allowed(se_a, dof_a, se_b, dof_b)
        assert abs(gap) <= limit, (
            f"{metric}: live {a:.6g}, simulated {b:.6g}, lateness explains "
            f"{shift:+.3g}; left {gap:+.3g}, allowed {limit:.3g}"
        )

    agrees("throughput", 0.0)
    agrees("service_mean", lateness)
    # Past load 0.9 the queue's figures hang on the busy machine, not on the
    # engine; its services, checked above, still had to agree.
    load = RATE * float(live_service.mean())
    if load >= 0.9:
        pytest.skip(
            f"the machine is too busy to compare queueing: timers woke "
            f"{lateness * 1e3:.3g} ms late, taking the live load to {load:.2f}"
        )
    wait_shift = pk_wait(RATE, live_service) - pk_wait(RATE, sim_service)
    agrees("wait_mean", wait_shift)
    agrees("sojourn_mean", wait_shift + lateness)
    # the live run kept to the scenario's clock: what it measured, in its span
    assert span == pytest.approx(0.9 * SECONDS, rel=0.01)


def test_a_handler_sleep_is_its_service_time_scaled_by_speed() -> None:
    # Each call sleeps 3 ms of real time; at speed 2 that is 6 ms of scenario
    # time. A sleep is never short, and on average it is late by no more than
    # the engine's own timers were at their 99th percentile.
    async def three_ms(delivery: Delivery) -> None:
        await asyncio.sleep(0.003)

    scenario = station(50.0, 0.01, 2, messages=1, replications=1, seed=4)
    scenario["experiment"] = {"duration": 6.0, "warmup": 0, "replications": 1}
    live = run_live(scenario, speed=2.0, handler=three_ms)
    service, _ = served(live)
    p99 = live.runs[0].diagnostics["timer_lateness_p99"]
    assert service.size > 100
    assert service.min() >= 0.006 - 1e-6
    assert service.mean() - 0.006 <= 2.0 * p99
