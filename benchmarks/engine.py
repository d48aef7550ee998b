"""pushsim's engine against a plain, idiomatic SimPy model, in one process.

The idiomatic model is the one the SimPy documentation teaches: a process
per message that requests a ``simpy.Resource``, holds it for its service
time and releases it, with variates from Python's ``random`` module, and a
list of every sojourn: about six events per message. pushsim runs the same
workloads with every message's record kept; its queues here are FIFO with
nothing after service, so it schedules one event per message (the arrival)
and computes each departure when the message arrives (see
``pushsim.engines.des.fifo``). Both run on the same kernel in the same
process, so the ratio says what fewer events per message buy; it is
printed, never asserted.

Where the two differ in what they do: the idiomatic balancer breaks ties by
the lowest index, without a random draw, and the idiomatic model keeps one
float per message where pushsim keeps a nine-column record; both favour the
idiomatic side.

Workloads (10**6 messages each unless --messages says otherwise):
  mm1   M/M/1 at load 0.8
  mm8   M/M/8 at load 0.9
  jsq16 16 single-consumer queues behind join-the-shortest-queue, load 0.9

Usage: python benchmarks/engine.py [--messages N] [--only NAME]
"""

from __future__ import annotations

import argparse
import gc
import random
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import simpy

from pushsim.engines.des import DesEngine
from pushsim.scenario import load_scenario

MU = 100.0  # service rate of one consumer, per second

WORKLOADS: dict[str, tuple[int, int, float]] = {
    # name: (queues, consumers per queue, load)
    "mm1": (1, 1, 0.8),
    "mm8": (1, 8, 0.9),
    "jsq16": (16, 1, 0.9),
}


def idiomatic(
    queues: int, servers: int, load: float, messages: int, seed: int
) -> list[float]:
    """The textbook SimPy model: a process per message and a Resource per queue."""
    env = simpy.Environment()
    rng = random.Random(seed)
    lam = load * queues * servers * MU
    resources = [simpy.Resource(env, capacity=servers) for _ in range(queues)]
    sojourns: list[float] = []

    def message(resource: simpy.Resource, created: float) -> Any:
        with resource.request() as request:
            yield request
            yield env.timeout(rng.expovariate(MU))
        sojourns.append(env.now - created)

    def source() -> Any:
        for _ in range(messages):
            yield env.timeout(rng.expovariate(lam))
            if queues == 1:
                chosen = resources[0]
            else:
                chosen = min(resources, key=lambda r: len(r.queue) + r.count)
            env.process(message(chosen, env.now))

    env.process(source())
    env.run()
    return sojourns


def scenario(queues: int, servers: int, load: float, messages: int) -> Any:
    names = [f"q{i:02d}" for i in range(queues)]
    rate = load * queues * servers * MU
    service = {"law": "exponential", "mean": 1 / MU}
    data: dict[str, Any] = {
        "name": "benchmark",
        "seed": 1,
        "producers": {
            "src": {
                "arrivals": {"process": "poisson", "rate": rate},
                "to": "lb" if queues > 1 else names[0],
            }
        },
        "queues": {
            n: {"consumers": {"count": servers, "service": service}} for n in names
        },
        "experiment": {"messages": messages, "warmup": 0, "replications": 1},
    }
    if queues > 1:
        data["balancers"] = {"lb": {"policy": "jsq", "to": names}}
    return load_scenario(data)


def pushsim_run(
    queues: int, servers: int, load: float, messages: int, seed: int
) -> Any:
    run = DesEngine().run(scenario(queues, servers, load, messages), seed)
    columns = run.columns
    sojourn = columns["finished_at"] - columns["created_at"]
    return run, sojourn


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    began = time.perf_counter()
    value = work()
    return time.perf_counter() - began, value


def retained_per_message(work: Callable[[], Any], messages: int) -> float:
    """Bytes still held after the run (the records it returns), per message."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = work()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return (after - before) / messages


def compare(name: str, workload: tuple[int, int, float], n: int, memory_n: int) -> str:
    """One line: both models' speed, the ratio, and the bytes each keeps."""
    queues, servers, load = workload
    base_time, sojourns = timed(lambda: idiomatic(queues, servers, load, n, 1))
    ours_time, (run, _) = timed(lambda: pushsim_run(queues, servers, load, n, 1))
    assert len(sojourns) > 0.99 * n and run.visits >= n
    base_bytes = retained_per_message(
        lambda: idiomatic(queues, servers, load, memory_n, 1), memory_n
    )
    ours_bytes = retained_per_message(
        lambda: pushsim_run(queues, servers, load, memory_n, 1), memory_n
    )
    return (
        f"{name:<8} {n / base_time:>16,.0f} {n / ours_time:>14,.0f} "
        f"{base_time / ours_time:>5.1f}x {base_bytes:>20.0f} {ours_bytes:>18.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--only", choices=sorted(WORKLOADS))
    args = parser.parse_args()
    n = args.messages
    memory_n = min(n, 100_000)

    print(
        f"{'workload':<8} {'idiomatic msg/s':>16} {'pushsim msg/s':>14} {'ratio':>6} "
        f"{'bytes/msg idiomatic':>20} {'bytes/msg pushsim':>18}"
    )
    for name, workload in WORKLOADS.items():
        if args.only and name != args.only:
            continue
        print(compare(name, workload, n, memory_n))
    print(f"numpy {np.__version__}, simpy {simpy.__version__}")


if __name__ == "__main__":
    main()
