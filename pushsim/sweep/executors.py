"""Where the runs of a sweep execute: here, in local processes, or on Dask.

A task is one replication of one point. Its numbers depend on the point's
scenario and the replication number alone (see
:mod:`pushsim.engines.streams`), never on the worker that ran it or the order
in which tasks finished, so every executor gives the same results bit for
bit. Local processes are started with ``spawn``, which behaves the same on
every platform and does not inherit the parent's threads.

A Dask cluster is reached with ``dask.distributed`` (``pip install
'pushsim[dask]'``): a scheduler address, or a local cluster of worker
processes listening on 127.0.0.1 when none is given.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pushsim.engines.base import Run
from pushsim.engines.des import DesEngine
from pushsim.errors import PushsimError
from pushsim.scenario import Scenario

__all__ = ["EXECUTORS", "Interrupted", "Task", "default_workers", "execute"]

log = logging.getLogger("pushsim.sweep")

EXECUTORS = ("serial", "processes", "dask")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Task:
    """One replication of one point."""

    key: Hashable
    scenario: Scenario
    replication: int


@dataclass
class Interrupted(Exception):
    """The sweep was stopped; ``done`` holds the runs that had finished."""

    done: dict[Hashable, Run] = field(default_factory=dict)


def run_task(scenario: Scenario, replication: int) -> Run:
    """Run one replication; a module-level function, so workers can import it."""
    return DesEngine().run(scenario, replication)


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def execute(
    tasks: Sequence[Task],
    *,
    executor: str | Executor | Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> dict[Hashable, Run]:
    """Run every task and return its run by key.

    ``executor`` is ``"serial"``, ``"processes"`` (the default), ``"dask"``, a
    :class:`concurrent.futures.Executor`, or a ``dask.distributed.Client``.
    Ctrl-C (or any stop) raises :class:`Interrupted` with what had finished.
    """
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise PushsimError(f"workers must be a whole number >= 1, got {workers!r}")
    kind = executor if executor is not None else "processes"
    if isinstance(kind, str) and kind not in EXECUTORS:
        raise PushsimError(
            f"executor must be one of {', '.join(EXECUTORS)}, got {kind!r}"
        )
    if scheduler is not None and kind != "dask":
        raise PushsimError("a scheduler address applies only to the dask executor")
    count = workers or default_workers()
    if kind == "serial" or (kind == "processes" and (count == 1 or len(tasks) < 2)):
        return _serial(tasks, progress)
    if kind == "processes":
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            return _pooled(pool, tasks, progress)
    if kind == "dask":
        with _dask_client(scheduler, count) as client:
            return _dask(client, tasks, progress)
    if isinstance(kind, Executor):
        return _pooled(kind, tasks, progress)
    if hasattr(kind, "submit") and hasattr(kind, "gather"):
        return _dask(kind, tasks, progress)
    raise PushsimError(
        f"executor must be one of {', '.join(EXECUTORS)}, a concurrent.futures "
        f"Executor or a dask Client, got {kind!r}"
    )


def _serial(tasks: Sequence[Task], progress: Progress | None) -> dict[Hashable, Run]:
    done: dict[Hashable, Run] = {}
    try:
        for task in tasks:
            done[task.key] = run_task(task.scenario, task.replication)
            if progress is not None:
                progress(len(done), len(tasks))
    except KeyboardInterrupt:
        raise Interrupted(done) from None
    return done


def _pooled(
    pool: Executor, tasks: Sequence[Task], progress: Progress | None
) -> dict[Hashable, Run]:
    futures: dict[Future[Run], Hashable] = {}
    done: dict[Hashable, Run] = {}
    try:
        with _workers_ignore_interrupts():
            for t in tasks:
                futures[pool.submit(run_task, t.scenario, t.replication)] = t.key
        for future in as_completed(futures):
            done[futures[future]] = future.result()
            if progress is not None:
                progress(len(done), len(tasks))
    except KeyboardInterrupt:
        for future in futures:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        raise Interrupted(done) from None
    return done


@contextmanager
def _workers_ignore_interrupts() -> Iterator[None]:
    """Start worker processes with Ctrl-C ignored: the parent stops the sweep.

    An ignored signal is inherited by a spawned process, so a Ctrl-C while the
    workers start does not kill them mid-import with a traceback each.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _dask_client(scheduler: str | None, workers: int) -> Iterator[Any]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise PushsimError(
            "the dask executor needs dask.distributed: pip install 'pushsim[dask]'"
        ) from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as error:
            raise PushsimError(
                f"--scheduler {scheduler}: cannot reach the Dask scheduler: {error}"
            ) from None
        with client:
            yield client
        return
    log.info("starting a local Dask cluster of %d workers", workers)
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _dask(client: Any, tasks: Sequence[Task], progress: Progress | None) -> dict:
    from dask.distributed import as_completed as dask_completed

    futures = {
        client.submit(run_task, t.scenario, t.replication, pure=False): t.key
        for t in tasks
    }
    done: dict[Hashable, Run] = {}
    try:
        for future in dask_completed(list(futures)):
            done[futures[future]] = future.result()
            if progress is not None:
                progress(len(done), len(tasks))
    except KeyboardInterrupt:
        client.cancel(list(futures))
        raise Interrupted(done) from None
    return done
