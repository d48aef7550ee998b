"""The scenario: one system and one experiment, as typed, immutable records.

The file's shape (see the README) maps onto these records one to one: nodes
are mappings keyed by their name, ``to`` names the next node, a law is a
mapping with ``law`` and its parameters, a bare duration is a deterministic
time. Each record checks its own fields; the rules that span nodes (targets
that exist, routes that leave the system) live in :mod:`.checks`.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    PrivateAttr,
    StringConstraints,
    Tag,
    model_validator,
)

from pushsim.distributions import ArrivalProcess, FanoutField, FixedCount, LawField
from pushsim.quantities import (
    TAG_SEPARATOR,
    Count,
    Model,
    PositiveDuration,
    Probability,
    WholeNumber,
    parse_share,
)
from pushsim.scenario.slo import SLO, parse_slo
from pushsim.scenario.staffing import MAX_CONSUMERS, StaffingProfile

__all__ = [
    "EXIT",
    "SYSTEM",
    "Balancer",
    "ConsumerGroup",
    "Experiment",
    "KeySpace",
    "MessageClass",
    "Producer",
    "Queue",
    "Scenario",
    "StaffingProfile",
    "Sweep",
    "Warmup",
]

#: The node name that SLOs and results use for the whole system.
SYSTEM = "system"
#: The target name in a routing mapping that means "leave the system".
EXIT = "exit"

#: What a node or class name may be: ASCII letters, digits, '_' and '-', not first
#: a digit or '-'.
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"
NodeName = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=64)]
SUM_TOLERANCE = 1e-9

DEFAULT_PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)
DEFAULT_MESSAGES = 100_000


class KeySpace(Model):
    """The keys that messages of a class carry, for consistent-hash balancing.

    Keys are the integers ``0 .. count-1``, drawn uniformly or, with
    ``zipf > 0``, with probability proportional to ``1 / (rank + 1) ** zipf``
    (a few hot users, a long tail).
    """

    count: Count = Field(ge=1)
    zipf: float = Field(default=0.0, ge=0.0)


class MessageClass(Model):
    """A kind of message: its share of a producer's traffic and its priority."""

    name: NodeName
    share: Probability
    priority: int = 0
    key: KeySpace | None = None


def _default_classes() -> tuple[MessageClass, ...]:
    return (MessageClass(name="default", share=1.0),)


class Producer(Model):
    """Where messages come from: an arrival process, classes and a fan-out."""

    arrivals: ArrivalProcess
    classes: tuple[MessageClass, ...] = Field(
        default_factory=_default_classes, min_length=1
    )
    fanout: FanoutField = FixedCount(value=1)
    to: NodeName

    @property
    def fans_out(self) -> bool:
        """Whether a published message may become other than exactly one delivery."""
        return self.fanout != FixedCount(value=1)

    @model_validator(mode="after")
    def _classes_add_up(self) -> Producer:
        total = math.fsum(c.share for c in self.classes)
        if abs(total - 1.0) > SUM_TOLERANCE:
            raise ValueError(f"classes: shares must sum to 1 (100%), got {total:g}")
        names = [c.name for c in self.classes]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"classes: each name once, got {', '.join(twice)} twice")
        return self


def _routing(value: Any) -> Any:
    """``then`` as written: null, a node name, or a mapping of names to shares."""
    if isinstance(value, dict):
        return {
            k: parse_share(v) if isinstance(v, str) else v for k, v in value.items()
        }
    return value


def _route_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        return f"then{TAG_SEPARATOR}shares"
    return f"then{TAG_SEPARATOR}node" if isinstance(value, str) else None


#: A node name, or a mapping of node names to probabilities; chosen by the
#: value's type, so that a fault names only the rules of the shape given.
Routing = Annotated[
    Annotated[NodeName, Tag(f"then{TAG_SEPARATOR}node")]
    | Annotated[dict[NodeName, Probability], Tag(f"then{TAG_SEPARATOR}shares")],
    Discriminator(
        _route_kind,
        custom_error_type="then_type",
        custom_error_message="must be a node name, or a mapping of node names to probabilities",
    ),
]


def _count_kind(value: Any) -> str | None:
    if isinstance(value, dict | StaffingProfile):
        return f"count{TAG_SEPARATOR}profile"
    if isinstance(value, int | float | str):
        return f"count{TAG_SEPARATOR}fixed"
    return None


#: A fixed number of consumers, or a schedule of them by interval; chosen by
#: the value's type, so that a fault names only the rules of the shape given.
ConsumerCount = Annotated[
    Annotated[
        Annotated[WholeNumber, Field(ge=1, le=MAX_CONSUMERS)],
        Tag(f"count{TAG_SEPARATOR}fixed"),
    ]
    | Annotated[StaffingProfile, Tag(f"count{TAG_SEPARATOR}profile")],
    Discriminator(
        _count_kind,
        custom_error_type="count_type",
        custom_error_message="must be a whole number, or a schedule by interval",
    ),
]


class ConsumerGroup(Model):
    """The competing consumers of one queue, and where a finished message goes.

    ``count`` is a whole number, or a :class:`StaffingProfile` (consumers by
    interval) for a fleet that is scaled over the day.
    """

    count: ConsumerCount
    service: LawField
    then: Annotated[Routing | None, BeforeValidator(_routing)] = None

    @model_validator(mode="after")
    def _routes_add_up(self) -> ConsumerGroup:
        if isinstance(self.then, dict):
            total = math.fsum(self.then.values())
            if abs(total - 1.0) > SUM_TOLERANCE:
                raise ValueError(
                    f"then: probabilities must sum to 1 (name '{EXIT}' for the share "
                    f"that leaves), got {total:g}"
                )
        return self

    @property
    def staffing(self) -> StaffingProfile | None:
        """The schedule, when the count changes over time; None for a fixed count."""
        return self.count if isinstance(self.count, StaffingProfile) else None

    @property
    def mean_count(self) -> float:
        """The number of consumers on a long run: the count, or a schedule's mean.

        A schedule that repeats counts by its mean over a period; one that
        does not, by the last count, which stays.
        """
        if isinstance(self.count, StaffingProfile):
            return self.count.long_run_mean
        return float(self.count)

    def mean_count_until(self, horizon: float | None) -> float:
        """The mean number on duty over ``[0, horizon)`` (None: a long run)."""
        if isinstance(self.count, StaffingProfile):
            return self.count.mean_until(horizon)
        return float(self.count)

    @property
    def peak_count(self) -> int:
        """The most consumers at any time."""
        return (
            self.count.peak if isinstance(self.count, StaffingProfile) else self.count
        )

    @property
    def fixed_count(self) -> int:
        """The count where only a fixed one is covered (a model): a schedule's if it
        never changes."""
        if isinstance(self.count, StaffingProfile):
            if self.count.constant is None:
                raise ValueError(
                    "this consumer count follows a schedule, not one number"
                )
            return self.count.constant
        return self.count

    def consumer_time(self, a: float, b: float) -> float:
        """Consumer-seconds on duty over ``[a, b)``."""
        if isinstance(self.count, StaffingProfile):
            return self.count.consumer_time(a, b)
        return self.count * max(b - a, 0.0)

    def describe_count(self) -> str:
        """``8``, or the schedule's short form."""
        staffing = self.staffing
        return str(self.count) if staffing is None else staffing.describe()

    def routes(self) -> tuple[tuple[str, float], ...]:
        """``(target, probability)`` pairs; the target ``exit`` leaves the system."""
        if self.then is None:
            return ((EXIT, 1.0),)
        if isinstance(self.then, str):
            return ((self.then, 1.0),)
        return tuple(self.then.items())


class Queue(Model):
    """Where messages wait, and the consumer group that serves them.

    ``capacity`` is the most messages that may wait, not counting those in
    service (as a broker counts its queue); the theory's Kendall K is then
    ``capacity + consumers.count``. ``ttl`` is how long a message may wait
    before it expires: a duration, or a law (patience).
    """

    capacity: Count | None = None
    discipline: Literal["fifo", "lifo", "priority"] = "fifo"
    overflow: Literal["drop_newest", "drop_oldest", "block"] = "drop_newest"
    ttl: LawField | None = None
    consumers: ConsumerGroup

    @model_validator(mode="after")
    def _overflow_needs_capacity(self) -> Queue:
        if "overflow" in self.model_fields_set and self.capacity is None:
            raise ValueError(
                f"overflow: applies only to a bounded queue (give capacity), "
                f"got {self.overflow} on a queue without capacity"
            )
        return self


Policy = Literal[
    "random",
    "weighted",
    "round_robin",
    "jsq",
    "power_of_d",
    "least_work_left",
    "consistent_hash",
]


class Balancer(Model):
    """A zero-time router in front of several nodes."""

    policy: Policy
    to: tuple[NodeName, ...] = Field(min_length=1)
    d: int | None = Field(default=None, ge=1)
    weights: tuple[Annotated[float, Field(gt=0, allow_inf_nan=False)], ...] | None = (
        None
    )

    @model_validator(mode="after")
    def _policy_parameters(self) -> Balancer:
        if self.d is not None and self.policy != "power_of_d":
            raise ValueError(f"d: applies only to policy power_of_d, not {self.policy}")
        if self.weights is not None and self.policy != "weighted":
            raise ValueError(
                f"weights: apply only to policy weighted, not {self.policy}"
            )
        if self.policy == "weighted":
            if self.weights is None:
                raise ValueError("weights: policy weighted needs one weight per target")
            if len(self.weights) != len(self.to):
                raise ValueError(
                    f"weights: must have one per target ({len(self.to)}), got {len(self.weights)}"
                )
        if self.policy == "power_of_d" and self.choices > len(self.to):
            raise ValueError(
                f"d: must be at most the number of targets ({len(self.to)}), got {self.d}"
            )
        twice = sorted({t for t in self.to if self.to.count(t) > 1})
        if twice:
            raise ValueError(f"to: each target once, got {', '.join(twice)} twice")
        return self

    @property
    def choices(self) -> int:
        """How many targets power-of-d samples (2 unless ``d`` says otherwise)."""
        return 2 if self.d is None else self.d


class Warmup(Model):
    """How much of each run is cut before measuring.

    Written in a scenario as a count of messages (``5000``), a duration
    (``30s``), a share of the run (``10%``) or ``mser5`` (the MSER-5 rule picks
    the truncation point from the data).
    """

    kind: Literal["count", "duration", "share", "mser5"]
    value: float = 0.0
    text: str

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        return _parse_warmup(value)


_WARMUP_RULE = "must be a count (5000), a duration ('30s'), a share ('10%') or 'mser5'"


def _parse_warmup(value: Any) -> dict[str, Any]:
    from pushsim.quantities import parse_count, parse_duration

    text = str(value)
    if isinstance(value, bool):
        raise ValueError(f"{_WARMUP_RULE}, got {value!r}")
    if isinstance(value, int):
        kind, number = "count", float(parse_count(value))
    elif isinstance(value, float):
        raise ValueError(f"{_WARMUP_RULE}, got {value!r}")
    elif isinstance(value, str) and value.strip().lower() == "mser5":
        kind, number = "mser5", 0.0
    elif isinstance(value, str) and value.strip().endswith("%"):
        kind, number = "share", parse_share(value)
        if not 0.0 <= number < 1.0:
            raise ValueError(
                f"a share must be at least 0% and below 100%, got {value!r}"
            )
    elif isinstance(value, str) and re.search(r"\d\s*[kKMG]?\s*$", value):
        try:
            kind, number = "count", float(parse_count(value))
        except ValueError:
            raise ValueError(f"{_WARMUP_RULE}, got {value!r}") from None
    elif isinstance(value, str):
        kind, number = "duration", parse_duration(value)
    else:
        raise ValueError(f"{_WARMUP_RULE}, got {value!r}")
    if number < 0:
        raise ValueError(f"must be >= 0, got {value!r}")
    return {"kind": kind, "value": number, "text": text}


class Sweep(Model):
    """What a sweep varies (``load`` or a field's path) and over which values.

    Here only the shape is checked; that the path exists and that each value
    fits its field is checked against the whole scenario, in :mod:`.sweep`.
    """

    vary: str = "load"
    values: tuple[Any, ...] = Field(min_length=1)


def _slo(value: Any) -> Any:
    return parse_slo(value) if not isinstance(value, SLO) else value


class Experiment(Model):
    """Run length, warm-up, replications, percentiles and SLOs."""

    messages: Count | None = Field(default=None, ge=1)
    duration: PositiveDuration | None = None
    warmup: Warmup = Field(default_factory=lambda: Warmup.model_validate("10%"))
    replications: int = Field(default=5, ge=1, le=10_000)
    percentiles: tuple[Annotated[float, Field(gt=0, lt=100)], ...] = DEFAULT_PERCENTILES
    slo: tuple[Annotated[SLO, BeforeValidator(_slo)], ...] = ()
    sweep: Sweep | None = None

    @model_validator(mode="after")
    def _one_length(self) -> Experiment:
        if self.messages is not None and self.duration is not None:
            raise ValueError("give the run length as messages or as duration, not both")
        self._warmup_within_run()
        return self

    def _warmup_within_run(self) -> None:
        """A warm-up of the run's own unit must leave some of the run to measure."""
        from pushsim.quantities import format_duration

        kind, amount = self.length
        warmup = self.warmup
        if kind == "messages" and warmup.kind == "count" and warmup.value >= amount:
            given = "" if self.messages is not None else " (the default length)"
            raise ValueError(
                f"warmup: must be shorter than the run, but {warmup.text} messages "
                f"cut the whole run of {int(amount)} messages{given}"
            )
        if kind == "duration" and warmup.kind == "duration" and warmup.value >= amount:
            raise ValueError(
                f"warmup: must be shorter than the run, but {warmup.text} cuts the "
                f"whole run of duration {format_duration(amount)}"
            )

    @property
    def length(self) -> tuple[str, float]:
        """``("messages", n)`` or ``("duration", seconds)``: when a run stops."""
        if self.duration is not None:
            return ("duration", self.duration)
        return ("messages", float(self.messages or DEFAULT_MESSAGES))


class Scenario(Model):
    """A whole scenario: the topology, the seed and the experiment."""

    name: str = "scenario"
    description: str | None = None
    seed: int = Field(default=0, ge=0)
    producers: dict[NodeName, Producer] = Field(min_length=1)
    balancers: dict[NodeName, Balancer] = Field(default_factory=dict)
    queues: dict[NodeName, Queue] = Field(min_length=1)
    experiment: Experiment = Field(default_factory=Experiment)

    _source_path: str | None = PrivateAttr(default=None)
    _source_text: str | None = PrivateAttr(default=None)
    _source_data: Any = PrivateAttr(default=None)
    _base_dir: Any = PrivateAttr(default=None)
    _rate_factor: float = PrivateAttr(default=1.0)
    # Seed and replications set over the file's (see pushsim.simulate.with_overrides).
    _overrides: dict[str, int] = PrivateAttr(default_factory=dict)

    @property
    def source_path(self) -> str | None:
        """The file this scenario was read from, if any."""
        return self._source_path

    @property
    def source_text(self) -> str | None:
        """The text of that file, as the user wrote it (for reports)."""
        return self._source_text

    def node_kind(self, name: str) -> str | None:
        """``queue``, ``balancer``, ``system`` or None for an unknown name."""
        if name in self.queues:
            return "queue"
        if name in self.balancers:
            return "balancer"
        return "system" if name == SYSTEM else None

    def summary_line(self) -> str:
        """One line that says what the scenario is."""
        from pushsim.quantities import format_duration, format_rate

        offered = sum(p.arrivals.rate for p in self.producers.values())  # may be inf
        consumers = sum(q.consumers.peak_count for q in self.queues.values())
        varying = any(q.consumers.staffing for q in self.queues.values())
        kind, amount = self.experiment.length
        length = (
            f"{int(amount)} messages" if kind == "messages" else format_duration(amount)
        )

        def count(n: int, word: str) -> str:
            return f"{n} {word}{'' if n == 1 else 's'}"

        return (
            f"{self.name}: {count(len(self.producers), 'producer')} "
            f"({format_rate(offered)} offered), {count(len(self.queues), 'queue')}, "
            f"{count(len(self.balancers), 'balancer')}, "
            f"{'up to ' if varying else ''}{count(consumers, 'consumer')}; "
            f"{length} x {self.experiment.replications} replications, seed {self.seed}"
        )
