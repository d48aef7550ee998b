"""One live replication: the scenario's nodes as tasks, run until the run ends.

The model wires producers, balancers and queues as the scenario says (the
balancers are :func:`pushsim.engines.balancing.make_policy`, the simulator's
own), starts one task per consumer and per producer, and waits for the end:

- ``complete``: the duration is over, or the last message the run asks for
  was published;
- ``drained``: every producer ran out of arrivals (a finite trace) and the
  system emptied;
- ``stalled``: on a virtual clock, every task waits and nothing is due;
- ``interrupted``: :meth:`LiveModel.end` was called from outside (Ctrl-C,
  ``LiveEngine.stop``), or the run's task was cancelled;
- ``failed``: a handler raised and the run was asked to stop on a failure.

At the end it reads the horizon, cancels every task at once (a task woken
but not yet run gets the cancellation instead, so nothing is recorded after
the horizon) and records what is left: visits in service, waiting, blocked
on the way in, and deliveries a producer had created but not yet offered,
each as ``in_system``. Every accepted delivery is accounted for.
"""

from __future__ import annotations

import asyncio
import logging
import math
import operator
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from pushsim.engines.balancing import make_policy
from pushsim.engines.base import Outcome, RecordLog
from pushsim.engines.draws import onward_choice
from pushsim.engines.live.clock import Clock, VirtualLoop
from pushsim.engines.live.handler import Delivery, Handler
from pushsim.engines.live.meter import Meter
from pushsim.engines.live.producer import Counter, LiveProducer
from pushsim.engines.live.station import LiveQueue, LiveRouter, Target
from pushsim.engines.streams import Streams, law_variates
from pushsim.scenario import Scenario

__all__ = ["LiveModel"]

log = logging.getLogger("pushsim.live")

#: Real seconds between two looks at a draining system, and between progress calls.
POLL_EVERY = 0.05
#: The reasons a run ends early, which make its result partial.
PARTIAL = ("interrupted", "failed")

Progress = Callable[[float], None]


class LiveModel:
    """One replication's nodes and tasks."""

    def __init__(
        self,
        scenario: Scenario,
        replication: int,
        clock: Clock,
        *,
        handler: Handler | None = None,
        stop_on_failure: bool = False,
    ) -> None:
        self.clock = clock
        self.handler = handler
        self.stop_on_failure = stop_on_failure
        self.records = RecordLog()
        self.meter = Meter()
        self.failures = 0
        self.first_failure = ""
        self.reason = ""
        self.horizon = math.nan
        self.error: BaseException | None = None
        self.tasks: list[asyncio.Task[Any]] = []
        self.ended = asyncio.Event()
        kind, amount = scenario.experiment.length
        self.duration = amount if kind == "duration" else None
        self.counter = Counter(
            int(amount) if kind == "messages" else None, lambda: self.end("complete")
        )
        self.classes = [
            (producer, c.name)
            for producer, spec in scenario.producers.items()
            for c in spec.classes
        ]
        self.queue_names = list(scenario.queues)
        streams = Streams(scenario.seed, replication)
        self._build_queues(scenario, streams)
        self._build_balancers(scenario, streams)
        self._build_routes(scenario, streams)
        self._build_producers(scenario, streams)

    # -- wiring ----------------------------------------------------------------------

    def _build_queues(self, scenario: Scenario, streams: Streams) -> None:
        priorities = [
            c.priority for spec in scenario.producers.values() for c in spec.classes
        ]
        self.counts = [0] * len(self.queue_names)
        self.queues: dict[str, LiveQueue] = {}
        for index, (name, queue) in enumerate(scenario.queues.items()):
            service = law_variates(
                queue.consumers.service, streams.generator(f"service/{name}")
            )
            patience = None
            if queue.ttl is not None:
                patience = law_variates(queue.ttl, streams.generator(f"ttl/{name}"))
            self.queues[name] = LiveQueue(
                self.clock,
                index,
                queue,
                service,
                patience,
                self.records,
                priorities,
                self.counts,
            )

    def _build_balancers(self, scenario: Scenario, streams: Streams) -> None:
        routers = {name: LiveRouter() for name in scenario.balancers}
        self.nodes: dict[str, Target] = {**self.queues, **routers}
        for name, balancer in scenario.balancers.items():
            targets = [self.nodes[t] for t in balancer.to]
            router = routers[name]
            router.targets = targets
            router.keyed = balancer.policy == "consistent_hash"
            router.choose = make_policy(
                balancer,
                list(balancer.to),
                streams.generator(f"balance/{name}"),
                loads=self._loads(targets),
                work=partial(_work_left, targets),
            )

    def _loads(self, targets: list[Target]) -> Callable[[], Sequence[int]]:
        """The counts of a balancer's targets, read in one step where they are queues."""
        if all(isinstance(t, LiveQueue) for t in targets):
            indices = [t.index for t in targets if isinstance(t, LiveQueue)]
            if len(indices) == 1:
                only = indices[0]
                return lambda: (self.counts[only],)
            return partial(operator.itemgetter(*indices), self.counts)
        return lambda: [t.count for t in targets]

    def _build_routes(self, scenario: Scenario, streams: Streams) -> None:
        for name, queue in scenario.queues.items():
            self.queues[name].onward = onward_choice(name, queue, self.nodes, streams)

    def _build_producers(self, scenario: Scenario, streams: Streams) -> None:
        self.producers: list[LiveProducer] = []
        first = 0
        for name, producer in scenario.producers.items():
            ids = list(range(first, first + len(producer.classes)))
            first += len(producer.classes)
            self.producers.append(
                LiveProducer(
                    name,
                    producer,
                    ids,
                    streams,
                    self.nodes[producer.to],
                    self.clock,
                    self.counter,
                    self.meter.publish.append,
                    self.records.flush,
                )
            )

    # -- the consumers' work ---------------------------------------------------------

    async def sleep_work(self, queue: LiveQueue, item: list[Any]) -> bool:
        """The simulated work: sleep for the drawn service time."""
        clock = self.clock
        started = clock.now()
        item[10] = started
        self.meter.service.append(await clock.sleep_until(started + item[5]))
        return False

    async def handler_work(self, queue: LiveQueue, item: list[Any]) -> bool:
        """The user's work: await the handler; an exception fails the delivery."""
        assert self.handler is not None
        started = self.clock.now()
        item[10] = started
        producer, name = self.classes[item[2]]
        delivery = Delivery(
            item[0],
            item[1],
            producer,
            name,
            item[8],
            self.queue_names[queue.index],
            item[3],
            item[4],
            started,
        )
        try:
            await self.handler(delivery)
        except Exception as error:
            self._failed(delivery, error)
            return True
        return False

    def _failed(self, delivery: Delivery, error: Exception) -> None:
        self.failures += 1
        if self.failures == 1:
            # The run's notes say so; the traceback is there for who asks for it.
            self.first_failure = f"{type(error).__name__}: {error}"
            log.debug(
                "the handler raised on delivery %d at queue %s; it counts as failed",
                delivery.message,
                delivery.queue,
                exc_info=error,
            )
        if self.stop_on_failure:
            # After this visit is recorded, so that it ends before the horizon.
            asyncio.get_running_loop().call_soon(self.end, "failed")

    # -- running ---------------------------------------------------------------------

    def end(self, reason: str) -> None:
        """End the run now: read the horizon and cancel every task."""
        if self.reason:
            return
        self.reason = reason
        self.horizon = self.clock.now()
        for task in self.tasks:
            task.cancel()
        self.ended.set()

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled() or self.reason:
            return
        error = task.exception()
        if error is not None:
            self.error = error
            self.end("error")

    def _start(self, coroutine: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine)
        task.add_done_callback(self._task_done)
        self.tasks.append(task)
        return task

    async def run(self, progress: Progress | None = None) -> None:
        """Run until the end; then :attr:`horizon` and :attr:`reason` say how it ended."""
        loop = asyncio.get_running_loop()
        self.clock.start()
        if self.reason:  # ended before it began
            self.horizon = 0.0
            return
        if isinstance(loop, VirtualLoop):
            loop.on_stall = self._stalled
        work = self.handler_work if self.handler is not None else self.sleep_work
        for queue in self.queues.values():
            queue.spawn = partial(self._spawn, queue, work)
            for _ in range(queue.servers):
                queue.spawn()
        producing = [self._start(p.run()) for p in self.producers]

        def finished() -> bool:
            return all(task.done() for task in producing) and self._empty()

        for queue in self.queues.values():
            if queue.staffing is not None:
                self._start(queue.follow(finished))
        if self.duration is not None:
            self._start(self._end_at(self.duration))
        if not self.clock.virtual:
            self._start(self.meter.probe(self.clock, self.ended))
            self._start(self._watch(producing, progress))
        try:
            await self.ended.wait()
        except asyncio.CancelledError:
            self.end("interrupted")
            raise
        finally:
            await asyncio.gather(*self.tasks, return_exceptions=True)
            if isinstance(loop, VirtualLoop):
                loop.on_stall = None

    def _spawn(self, queue: LiveQueue, work: Any) -> None:
        self._start(queue.consume(work))

    async def _end_at(self, instant: float) -> None:
        await self.clock.sleep_until(instant)
        self.end("complete")

    def _stalled(self) -> None:
        self.end("drained" if self._empty() else "stalled")

    def _empty(self) -> bool:
        return not any(self.counts) and all(not p.pending for p in self.producers)

    async def _watch(
        self, producing: list[asyncio.Task[Any]], progress: Progress | None
    ) -> None:
        """On a real clock: report progress, and end a run whose arrivals ran out."""
        while True:
            await asyncio.sleep(POLL_EVERY)
            if progress is not None:
                progress(self._done_share())
            if all(task.done() for task in producing) and self._empty():
                self.end("drained")

    def _done_share(self) -> float:
        if self.duration is not None:
            return min(self.clock.now() / self.duration, 1.0)
        return self.counter.published / max(self.counter.limit, 1)

    # -- the end of the run ----------------------------------------------------------

    def close(self) -> None:
        """Record everything still in the system at the horizon as ``in_system``."""
        add = self.records.add
        left = Outcome.IN_SYSTEM
        nan = math.nan
        for queue in self.queues.values():
            node = queue.index
            for item, started in queue.unfinished():
                # fmt: off
                add((item[0], item[1], item[2], node, item[3], item[4], started, nan,
                     left))
                # fmt: on
        for producer in self.producers:
            node = _first_queue(producer.target)
            for item in producer.pending:
                add((item[0], item[1], item[2], node, item[3], nan, nan, nan, left))

    @property
    def partial(self) -> bool:
        """Whether the run ended before the experiment said it should."""
        return self.reason in PARTIAL


def _work_left(targets: list[Target]) -> list[float]:
    return [t.work_left() for t in targets]


def _first_queue(node: Target) -> int:
    """The queue a message sent to ``node`` would reach first (for its record)."""
    while isinstance(node, LiveRouter):
        node = node.targets[0]
    assert isinstance(node, LiveQueue)
    return node.index
