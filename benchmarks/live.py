"""How fast the live engine runs: the highest message rate with timers on time.

The workload is an M/M/16 queue at load 0.5 at speed 1: a producer
publishing Poisson arrivals at ``R`` per second, and 16 consumers whose
exponential service times have mean ``8 / R`` seconds. Every message costs
the engine one publish wait and one service wait, and the engine measures
how late each woke (see ``pushsim.engines.live.meter``).

The search doubles ``R`` from 250/s until the timer lateness p99 reaches
``--limit`` (1 ms) or the producer falls behind (it published less than 95 %
of the messages due), then halves the interval between the last rate that
held and the first that did not, three times; if 250/s does not hold, it
says so and stops. Each point is run up to ``--repeat`` (3) times and the
run with the lowest p99 is kept: on a shared machine, another process's
burst of work can make any one run late. It prints every point measured
and the highest rate that held. The engine is one thread on one event loop,
so this is the rate of one core.

Then it prints the mean timer lateness at light load (``R`` = 100/s) and the
speeds above which that lateness reaches 5 % of a service time (the live
engine warns) and the whole of it (timer granularity dominates), for service
times of 1 ms, 10 ms and 100 ms. Figures are printed, never asserted; they
depend on the machine and on what else runs on it (the load average is
printed beside them).

Usage: python benchmarks/live.py [--seconds S] [--limit SECONDS] [--loop select]
       [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import warnings
from typing import Any

from pushsim.engines.live import LiveEngine
from pushsim.scenario import load_scenario

CONSUMERS = 16
LOAD = 0.5
#: The first rate tried, in messages per second.
START = 250.0


def workload(rate: float, seconds: float) -> Any:
    """M/M/16 at load 0.5, ``rate`` messages per second, for ``seconds``."""
    return load_scenario(
        {
            "name": f"live-{rate:g}",
            "seed": 1,
            "producers": {
                "src": {"arrivals": {"process": "poisson", "rate": rate}, "to": "q"}
            },
            "queues": {
                "q": {
                    "consumers": {
                        "count": CONSUMERS,
                        "service": {
                            "law": "exponential",
                            "mean": LOAD * CONSUMERS / rate,
                        },
                    }
                }
            },
            "experiment": {"duration": seconds, "warmup": 0, "replications": 1},
        }
    )


def measure(rate: float, seconds: float, loop: str) -> dict[str, float]:
    """One live run at ``rate``: its lateness, lag, pace and CPU share."""
    run = LiveEngine(loop=loop).run(workload(rate, seconds), 0)
    d = run.diagnostics
    return {
        "rate": rate,
        "achieved": run.published / d["wall_seconds"],
        "kept_up": run.published / (rate * seconds),
        "late_mean": d["timer_lateness_mean"],
        "late_p99": d["timer_lateness_p99"],
        "lag_p99": d["loop_lag_p99"],
        "cpu": d["cpu_seconds"] / d["wall_seconds"],
    }


def show(point: dict[str, float], holds: bool) -> None:
    print(
        f"{point['rate']:>9.0f}/s  published {point['achieved']:>9.0f}/s "
        f"({point['kept_up']:6.1%})  lateness mean {point['late_mean'] * 1e6:7.0f} us "
        f"p99 {point['late_p99'] * 1e6:7.0f} us  loop lag p99 "
        f"{point['lag_p99'] * 1e6:6.0f} us  CPU {point['cpu']:5.0%}  "
        f"{'holds' if holds else 'does not hold'}",
        flush=True,
    )


def search(seconds: float, limit: float, loop: str, repeat: int) -> float:
    """The highest rate whose lateness p99 stays under ``limit`` (0: none held)."""

    def holds(rate: float) -> bool:
        # Best of ``repeat`` runs: on a shared machine another process's burst
        # can make one run late; a rate holds if the engine can hold it.
        best: dict[str, float] = {}
        for _ in range(repeat):
            point = measure(rate, seconds, loop)
            if not best or point["late_p99"] < best["late_p99"]:
                best = point
            if good_point(best):
                break
        show(best, good_point(best))
        return good_point(best)

    def good_point(point: dict[str, float]) -> bool:
        return point["late_p99"] < limit and point["kept_up"] >= 0.95

    good = START
    if not holds(good):
        return 0.0
    bad = good * 2
    while holds(bad):
        good, bad = bad, bad * 2
        if bad > 1e6:
            return good
    for _ in range(3):
        middle = (good + bad) / 2
        if holds(middle):
            good = middle
        else:
            bad = middle
    return good


def granularity(seconds: float, loop: str) -> None:
    """The mean lateness at light load, and the speeds at which it matters."""
    point = measure(100.0, seconds, loop)
    late = point["late_mean"]
    print(f"\nmean timer lateness at 100 messages/s: {late * 1e6:.0f} us (real time)")
    for service in (0.001, 0.01, 0.1):
        print(
            f"  service {service * 1e3:>5g} ms: lateness is 5% of it above speed "
            f"{0.05 * service / late:8.3g}, all of it above speed {service / late:8.3g}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="each point's length"
    )
    parser.add_argument("--limit", type=float, default=1e-3, help="lateness p99 bound")
    parser.add_argument("--loop", default="select", help="select, default or uvloop")
    parser.add_argument("--repeat", type=int, default=3, help="runs a point, best kept")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(
        f"live engine, loop {args.loop!r}, {args.seconds:g} s a point; load average "
        f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores\n"
    )
    best = search(args.seconds, args.limit, args.loop, args.repeat)
    bound = f"timer lateness p99 under {args.limit * 1e3:g} ms"
    if best:
        print(
            f"\nhighest rate with {bound}: {best:.0f} messages/s "
            f"(one core, loop {args.loop!r})"
        )
    else:
        print(f"\nno rate held {bound}, not even {START:g}/s: the machine is busy")
    granularity(args.seconds, args.loop)


if __name__ == "__main__":
    main()
