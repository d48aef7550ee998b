"""A load sweep on one worker against the same sweep on several, in one process.

The sweep: M/M/4 at 10 loads from 0.5 to 0.95, 10 replications a point,
10**5 messages a replication (10**7 messages in all), run by
``pushsim.sweep`` on the local process executor with 1 worker (in this
process) and with N workers. It prints each wall time, the speed-up over one
worker, and whether the tables are identical bit for bit (they must be).
The speed-up is printed, never asserted: it depends on the machine and on
what else runs there.

Usage: python benchmarks/sweep.py [--workers N] [--messages M] [--replications R]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from pushsim import PushsimWarning, load_scenario
from pushsim.sweep import default_workers, sweep

LOADS = [float(x) for x in np.round(np.linspace(0.5, 0.95, 10), 3)]


def scenario(messages: int, replications: int) -> object:
    return load_scenario(
        {
            "name": "mmc-sweep",
            "seed": 7,
            "producers": {
                "api": {"arrivals": {"process": "poisson", "rate": 300}, "to": "q"}
            },
            "queues": {
                "q": {
                    "consumers": {
                        "count": 4,
                        "service": {"law": "exponential", "mean": "10ms"},
                    }
                }
            },
            "experiment": {
                "messages": messages,
                "warmup": "10%",
                "replications": replications,
            },
        }
    )


def timed(workers: int, messages: int, replications: int) -> tuple[float, pd.DataFrame]:
    model = scenario(messages, replications)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PushsimWarning)
        frame = sweep(model, values=LOADS, executor="processes", workers=workers)
    return time.perf_counter() - started, frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=max(default_workers(), 2))
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--replications", type=int, default=10)
    args = parser.parse_args()

    runs = len(LOADS) * args.replications
    total = runs * args.messages
    print(
        f"sweep: {len(LOADS)} points x {args.replications} replications x "
        f"{args.messages} messages = {total:.3g} messages"
    )
    one, base = timed(1, args.messages, args.replications)
    print(f"1 worker:  {one:7.1f} s  ({total / one:,.0f} messages/s)")
    many, frame = timed(args.workers, args.messages, args.replications)
    print(f"{args.workers} workers: {many:7.1f} s  ({total / many:,.0f} messages/s)")
    print(f"speed-up: {one / many:.2f}x on {args.workers} workers")
    same = base.equals(frame)
    print(f"identical tables: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
