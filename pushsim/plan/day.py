"""Staffing over a day: consumers per interval for a rate that follows a profile.

What is planned: a queue fed by producers whose rate changes by interval
(``arrivals: {process: profile, rates: [...], interval: 1h}``), and the
consumers it needs in each interval to meet the SLOs there.

Two plans are made and compared:

- **naive** (stationary independent period by period, SIPP): each interval
  is planned as if it were a steady state at that interval's own rate, with
  the stationary model theory has for the queue (Erlang C, Erlang A with a
  time-to-live, Allen-Cunneen, ...).
- **modified offered load** (MOL; O. B. Jennings, A. Mandelbaum, W. A.
  Massey & W. Whitt, "Server staffing to meet time-varying demand",
  Management Science 42(10), 1996): the load that consumers carry at time t
  is not lambda(t) E[S] but m(t), the mean number busy in the same system
  with unlimited consumers (see :mod:`._offered`). m(t) lags the rate by
  about a service time: it is still high just after a peak, when work that
  arrived during the peak is being done, and still low early in a rise.
  MOL plans each instant with the stationary model at the *modified* arrival
  rate m(t) / E[S], so the plan carries the backlog of busy intervals into
  the next ones. A schedule changes only at interval boundaries, so each
  interval gets, by default (``within="peak"``), the most the MOL asks for
  at any instant in it: m(t) is evaluated at ``resolution`` + 1 instants
  across the interval and its largest value staffed. That guarantees the
  staffing the MOL asks for throughout, at a price where m(t) moves much
  within an interval (just after a peak, as it falls); ``within="mean"``
  staffs the interval's time-average of m(t) instead, cheaper and no
  longer a guarantee. Shorter intervals narrow the difference.

Where the two differ: when service times are short next to the intervals
they agree; as service times grow towards the interval length, MOL asks
for fewer consumers at the start of a rise and more just after a peak, and
it is there that the naive plan misses its SLO.

The check: each schedule becomes the queue's consumer count (a staffing
profile, ``count: {profile: [...], interval: 1h}``) and the whole day is
simulated by the engine, consumers added and removed at the boundaries;
every interval's SLO metric is judged by its confidence interval over
replications (:mod:`._daycheck`). A profile that repeats is simulated for a
warm-up day first, so the measured day starts with the backlog of the
evening before, as the MOL's periodic steady state assumes.
:meth:`DayPlan.staffed` gives the scenario with either schedule, to
simulate, sweep or save.

Limits: one queue, FIFO, without a capacity, fed straight by producers
(no balancer, fan-out or onward routing), because the stationary models
that staff each interval are those of one such queue; producers that are
not a profile count at their long-run rate, as steady Poisson arrivals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pushsim.distributions import PoissonArrivals
from pushsim.engines.streams import Streams
from pushsim.errors import PushsimError
from pushsim.plan._daycheck import check_schedule, day_metric
from pushsim.plan._dayrecord import DayPlan
from pushsim.plan._evaluate import Predicted, predicted
from pushsim.plan._offered import SAMPLE, RateProfile, offered
from pushsim.plan._rule import check_confidence
from pushsim.plan._search import NoValue, smallest
from pushsim.plan._target import check_cost, check_factor, parse_slos
from pushsim.quantities import format_duration
from pushsim.scenario import Producer, Scenario, load_scenario, scaled
from pushsim.scenario.slo import SLO
from pushsim.simulate import with_overrides

__all__ = ["plan_day"]

#: The most consumers an interval's staffing search goes to.
MOST_CONSUMERS = 100_000


def _queue(scenario: Scenario, queue: str | None) -> str:
    names = list(scenario.queues)
    if queue is None:
        if len(names) != 1:
            raise PushsimError(
                f"this scenario has {len(names)} queues ({', '.join(names)}); name the "
                "one to staff"
            )
        return names[0]
    if queue not in scenario.queues:
        raise PushsimError(f"queue {queue!r}: no such queue; the queues are {names}")
    return queue


def _check_shape(scenario: Scenario, queue: str) -> None:
    """Refuse what the day plan does not cover, naming the field."""
    spec = scenario.queues[queue]
    where = f"queues.{queue}"
    faults = []
    if scenario.balancers or len(scenario.queues) != 1:
        faults.append("the scenario must be one queue fed straight by its producers")
    if spec.discipline != "fifo":
        faults.append(f"{where}.discipline: must be fifo, got {spec.discipline}")
    if spec.capacity is not None:
        faults.append(
            f"{where}.capacity: must be unset (unbounded), got {spec.capacity}"
        )
    if spec.consumers.then is not None:
        faults.append(f"{where}.consumers.then: must be unset (messages leave)")
    for name, producer in scenario.producers.items():
        if producer.fans_out:
            faults.append(f"producers.{name}.fanout: must be 1")
        if producer.arrivals.process == "trace":
            faults.append(f"producers.{name}.arrivals: a trace has no rate profile")
    if faults:
        raise PushsimError("the day plan covers this case only: " + "; ".join(faults))


def _profile(scenario: Scenario) -> RateProfile:
    """The total arrival rate by interval of the producers."""
    profiles = {
        name: p.arrivals
        for name, p in scenario.producers.items()
        if p.arrivals.process == "profile"
    }
    if not profiles:
        raise PushsimError(
            "the day plan needs a producer whose rate follows a profile "
            "(arrivals: {process: profile, rates: [...], interval: 1h})"
        )
    shapes = {(len(a.rates), a.interval, a.repeat) for a in profiles.values()}
    if len(shapes) > 1:
        raise PushsimError(
            "the day plan needs every profile to have the same number of rates, the "
            f"same interval and the same repeat; got {sorted(shapes)}"
        )
    count, interval, repeat = shapes.pop()
    rates = np.zeros(count)
    for producer in scenario.producers.values():
        arrivals = producer.arrivals
        if arrivals.process == "profile":
            rates += np.asarray(arrivals.rates, dtype=float)
        else:
            rates += float(arrivals.rate)
    return RateProfile(rates, interval, repeat)


def _current(
    scenario: Scenario, queue: str, profile: RateProfile
) -> tuple[np.ndarray | None, str]:
    """The queue's own schedule by the profile's intervals, or why it is not checked."""
    staffing = scenario.queues[queue].consumers.staffing
    if staffing is None:
        return None, ""
    size = profile.rates.size
    same = (
        len(staffing.profile) == size
        and math.isclose(staffing.interval, profile.interval)
        and staffing.repeat == profile.repeat
    )
    if same:
        return np.asarray(staffing.profile, dtype=int), ""
    how = "repeating" if profile.repeat else "once"
    return None, (
        f"not checked: queues.{queue}.consumers.count has {len(staffing.profile)} "
        f"intervals of {format_duration(staffing.interval)} "
        f"({'repeating' if staffing.repeat else 'once'}), and the day plan compares "
        f"a schedule on the rate profile's {size} of "
        f"{format_duration(profile.interval)} ({how}); simulate it as it is with "
        "pushsim run"
    )


class _Staffing:
    """The fewest consumers meeting the SLOs in a steady state at a given rate."""

    def __init__(self, scenario: Scenario, queue: str, slos: Sequence[SLO]) -> None:
        self.scenario = scenario
        self.queue = queue
        self.slos = slos
        self.mean = float(scenario.queues[queue].consumers.service.mean)
        self.cache: dict[float, int] = {}
        self.models: set[str] = set()

    def stationary(self, rate: float, count: int) -> Predicted:
        """Theory at one rate and count (producers replaced by Poisson arrivals)."""
        producer = Producer(arrivals=PoissonArrivals(rate=rate), to=self.queue)
        spec = self.scenario.queues[self.queue]
        consumers = spec.consumers.model_copy(update={"count": count})
        model = self.scenario.model_copy(
            update={
                "producers": {"steady": producer},
                "queues": {
                    self.queue: spec.model_copy(update={"consumers": consumers})
                },
            }
        )
        return predicted(model, self.slos)

    def __call__(self, rate: float) -> int:
        key = float(f"{rate:.9g}")
        if key not in self.cache:
            self.cache[key] = self._search(key)
        return self.cache[key]

    def _search(self, rate: float) -> int:
        if rate <= 0:
            return 1

        def judge(count: float) -> str:
            theory = self.stationary(rate, int(count))
            holds = theory.holds(self.slos)
            if holds is None:
                raise PushsimError(
                    f"theory has no figure for {', '.join(s.text for s in self.slos)} "
                    f"at this queue ({theory.model or 'no model'}); the day plan needs one"
                )
            self.models.add(theory.model)
            return "pass" if holds else "fail"

        start = math.floor(rate * self.mean) + 1
        try:
            return smallest(judge, start, 1, MOST_CONSUMERS, most=200)
        except NoValue:
            raise PushsimError(
                f"no count of consumers up to {MOST_CONSUMERS} meets "
                f"{', '.join(s.text for s in self.slos)} at {rate:.4g} messages/s"
            ) from None


def _modified_rates(
    scenario: Scenario, queue: str, profile: RateProfile, resolution: int, within: str
) -> tuple[np.ndarray, np.ndarray]:
    """The MOL's offered load of each interval (peak or mean), and its rate."""
    law = scenario.queues[queue].consumers.service
    mean = float(law.mean)
    sample = None
    if getattr(law, "law", "") != "exponential":
        rng = Streams(scenario.seed, 0).generator(f"plan/offered/{queue}")
        sample = law.sample(rng, SAMPLE)
    steps = np.arange(resolution + 1) / resolution
    times = (np.arange(profile.rates.size)[:, None] + steps[None, :]) * profile.interval
    loads = offered(profile, mean, times.ravel(), sample=sample).reshape(times.shape)
    if within == "peak":
        staffed = loads.max(axis=1)
    else:  # the time-average over the interval, by the trapezoid rule
        staffed = (loads[:, 1:] + loads[:, :-1]).mean(axis=1) / 2
    staffed = np.where(staffed < 1e-12 * max(float(loads.max()), 1.0), 0.0, staffed)
    return staffed, staffed / mean


def _options(resolution: object, within: object) -> tuple[int, str]:
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, int)
        or resolution < 1
    ):
        raise PushsimError(
            f"resolution must be a whole number >= 1, got {resolution!r}"
        )
    if within not in ("peak", "mean"):
        raise PushsimError(f"within must be 'peak' or 'mean', got {within!r}")
    return resolution, str(within)


def plan_day(
    scenario: Scenario | Mapping[str, Any] | str | Path,
    *,
    slo: str | Sequence[str] | None = None,
    queue: str | None = None,
    load: float | None = None,
    cost: float | None = None,
    replications: int | None = None,
    seed: int | None = None,
    confidence: float = 0.95,
    check: bool = True,
    resolution: int = 12,
    within: str = "peak",
) -> DayPlan:
    """Consumers per interval of a rate profile: the MOL plan beside the naive one.

    When the queue's consumer count is itself a schedule with the profile's
    intervals (what is staffed now), it is checked as a third schedule,
    ``current``, beside the two plans; a schedule on other intervals is not,
    and the answer says so.

    ``slo``: objectives (default: the scenario's own); ``queue``: the queue
    to staff (default: the only one); ``load``: a factor on every rate;
    ``cost``: per consumer-hour; ``replications`` of the simulated day that
    checks both plans (default: the scenario's, at least 2; ``check=False``
    skips it); ``resolution``: instants per interval at which the MOL reads
    the offered load; ``within``: staff each interval for the ``peak`` of
    that load in it or its ``mean``. See the module docstring for the method.
    """
    model = with_overrides(load_scenario(scenario), seed=seed)
    if load is not None:
        model = scaled(model, check_factor("load", load))
    name = _queue(model, queue)
    _check_shape(model, name)
    slos = parse_slos(model, slo)
    for objective in slos:
        day_metric(objective, name)
    level = check_confidence(confidence)
    steps, rule = _options(resolution, within)
    reps = _replications(model, replications)
    price = None if cost is None else check_cost(cost)

    profile = _profile(model)
    staffing = _Staffing(model, name, slos)
    staffed, modified = _modified_rates(model, name, profile, steps, rule)
    naive = np.array([staffing(r) for r in profile.rates])
    mol = np.array([staffing(r) for r in modified])
    plans = {"naive": naive, "mol": mol}
    current, not_checked = _current(model, name, profile)
    if current is not None:
        plans["current"] = current
    checked = None
    unfinished: dict[str, int] = {}
    if check:
        offset = profile.period if profile.repeat else 0.0
        frames = []
        for label, counts in plans.items():
            frame = check_schedule(
                label,
                model,
                name,
                counts,
                profile.interval,
                offset,
                slos,
                replications=reps,
                confidence=level,
                repeat=profile.repeat,
            )
            unfinished[label] = int(frame.attrs["unfinished"])
            frames.append(frame)
        checked = pd.concat(frames, ignore_index=True)
        checked.attrs = {}
    return DayPlan(
        scenario=model,
        queue=name,
        slos=slos,
        interval=profile.interval,
        schedule=_schedule(profile, staffing.mean, staffed, plans),
        check=checked,
        price=price,
        confidence=level,
        replications=reps,
        models=tuple(sorted(staffing.models)),
        within=rule,
        unfinished=unfinished,
        repeat=profile.repeat,
        schedules=tuple(plans),
        notes=(("current schedule", not_checked),) if not_checked else (),
    )


def _schedule(
    profile: RateProfile,
    mean: float,
    peak: np.ndarray,
    plans: Mapping[str, np.ndarray],
) -> pd.DataFrame:
    starts = np.arange(profile.rates.size) * profile.interval
    frame = pd.DataFrame(
        {
            "interval": np.arange(profile.rates.size),
            "start": starts,
            "end": starts + profile.interval,
            "arrival_rate": profile.rates,
            "offered_load": profile.rates * mean,
            "mol_load": peak,
            "naive": plans["naive"].astype(int),
            "mol": plans["mol"].astype(int),
            "difference": (plans["mol"] - plans["naive"]).astype(int),
        }
    )
    if "current" in plans:
        frame["current"] = plans["current"].astype(int)
    return frame


def _replications(scenario: Scenario, replications: int | None) -> int:
    if replications is None:
        return max(scenario.experiment.replications, 2)
    if (
        isinstance(replications, bool)
        or not isinstance(replications, int)
        or replications < 2
    ):
        raise PushsimError(
            f"replications must be a whole number >= 2 for the day check, got {replications!r}"
        )
    return replications
