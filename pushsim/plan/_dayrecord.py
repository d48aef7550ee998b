"""The result of a day plan: the two schedules, their check, and the answer."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pushsim.plan._daycheck import NO_MESSAGES, schedule_count
from pushsim.plan._rule import FAIL, INCONCLUSIVE, PASS, combined
from pushsim.quantities import format_duration
from pushsim.scenario import Scenario, with_values
from pushsim.scenario.slo import SLO

__all__ = ["SCHEDULES", "DayPlan"]

#: The two schedules that every day plan makes, as the tables name them; a
#: queue whose count is already a schedule adds its own as ``current``.
SCHEDULES = ("naive", "mol")


#: How the answer names each schedule.
_TITLES = {"naive": "naive", "mol": "MOL", "current": "current"}


def clock(seconds: float) -> str:
    """An instant of the day as ``hh:mm`` (``d2 hh:mm`` past the first day)."""
    minutes = round(seconds / 60.0)
    days, rest = divmod(minutes, 24 * 60)
    text = f"{rest // 60:02d}:{rest % 60:02d}"
    return text if days == 0 else f"d{days + 1} {text}"


@dataclass(frozen=True, eq=False)
class DayPlan:
    """Consumers per interval by the naive and the MOL method, and their check.

    ``schedule`` has one row per interval (``interval, start, end,
    arrival_rate, offered_load, mol_load, naive, mol, difference``: times in
    seconds from the start of the profile, loads in erlangs; ``mol_load`` is
    the peak or the mean of m(t) in the interval, as ``within`` says);
    ``check`` one row per schedule, interval and SLO (see :mod:`._daycheck`),
    or None when the day was not simulated; ``unfinished`` per schedule the
    messages of the measured day still in the system when its simulation
    ended (left out of the check). ``price`` is the cost of a consumer-hour.
    """

    scenario: Scenario = field(repr=False)
    queue: str
    slos: tuple[SLO, ...] = field(repr=False)
    interval: float
    schedule: pd.DataFrame = field(repr=False)
    check: pd.DataFrame | None = field(repr=False)
    price: float | None
    confidence: float
    replications: int
    models: tuple[str, ...] = ()
    within: str = "peak"
    unfinished: dict[str, int] = field(default_factory=dict)
    repeat: bool = True
    schedules: tuple[str, ...] = SCHEDULES
    notes: tuple[tuple[str, str], ...] = ()

    def counts(self, name: str) -> np.ndarray:
        """The consumers per interval of schedule ``naive`` or ``mol``."""
        if name not in self.schedules:
            raise KeyError(f"no schedule {name!r}; the schedules are {self.schedules}")
        return self.schedule[name].to_numpy()

    def staffed(self, name: str) -> Scenario:
        """The scenario with schedule ``name`` as the queue's consumer count.

        Its ``consumers.count`` becomes ``{profile: [...], interval: ...}``
        (repeating as the rate profile does); everything else is the
        scenario's own, so it runs, sweeps and checks like any other.
        """
        count = schedule_count(self.counts(name), self.interval, self.repeat)
        return with_values(
            self.scenario, {f"queues.{self.queue}.consumers.count": count}
        )

    def consumer_hours(self, name: str) -> float:
        """The consumer-hours schedule ``name`` pays for over the profile."""
        return float(self.counts(name).sum()) * self.interval / 3600.0

    def cost(self, name: str) -> float | None:
        """What schedule ``name`` costs over the profile (None without a price)."""
        return None if self.price is None else self.price * self.consumer_hours(name)

    @property
    def verdicts(self) -> pd.DataFrame:
        """Per interval and schedule: the verdict over every SLO, and what failed.

        Columns ``interval, start, naive, mol`` (verdicts) and ``naive_missed,
        mol_missed`` (the SLOs missed or too close to call). Empty without a check.
        """
        if self.check is None:
            return pd.DataFrame(columns=["interval", "start", *self.schedules])
        judged = self.check[self.check.slo != ""]
        rows = []
        for (interval, start), group in judged.groupby(
            ["interval", "start"], sort=True
        ):
            row: dict[str, object] = {"interval": interval, "start": start}
            for name in self.schedules:
                part = group[group.schedule == name]
                verdicts = [v for v in part.verdict if v != NO_MESSAGES]
                row[name] = combined(verdicts) if verdicts else NO_MESSAGES
                missed = part[part.verdict.isin([FAIL, INCONCLUSIVE])]
                row[f"{name}_missed"] = ", ".join(
                    f"{s} ({v})"
                    for s, v in zip(missed.slo, missed.verdict, strict=True)
                )
            rows.append(row)
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """The schedule beside each interval's verdicts: the plan at a glance."""
        frame = self.schedule.copy()
        frame.insert(1, "from", [clock(s) for s in frame.start])
        verdicts = self.verdicts
        if len(verdicts):
            for name in self.schedules:
                frame[f"{name}_check"] = verdicts[name].to_numpy()
        return frame.drop(columns=["start", "end"])

    def answer(self) -> list[tuple[str, str]]:
        """The key facts of the day plan, as (what, figure) pairs."""
        hours = ", ".join(
            f"{_TITLES[n]} {self.consumer_hours(n):.4g}" for n in self.schedules
        )
        facts = [
            ("intervals", f"{len(self.schedule)} of {format_duration(self.interval)}"),
            ("consumer-hours", hours),
            ("where they differ", self._differences("mol", "naive")),
        ]
        if "current" in self.schedules:
            facts.append(("current against MOL", self._differences("current", "mol")))
        if self.price is not None:
            costs = ", ".join(
                f"{_TITLES[n]} {self.cost(n):.4g}" for n in self.schedules
            )
            facts.append(("cost", costs))
        if self.check is not None:
            for name in self.schedules:
                what = "schedule" if name == "current" else "plan"
                facts.append((f"check of the {name} {what}", self._check_text(name)))
        facts.append(("theory", "; ".join(self.models) or "-"))
        facts.extend(self.notes)
        return facts

    def _differences(self, name: str, other: str) -> str:
        difference = self.counts(name) - self.counts(other)
        where = np.flatnonzero(difference)
        if where.size == 0:
            return "nowhere: the two agree"
        starts = self.schedule.start.to_numpy()
        parts = [f"{clock(starts[i])} {int(difference[i]):+d}" for i in where]
        label = f"{_TITLES[name]} minus {_TITLES[other]}"
        noun = "interval" if where.size == 1 else "intervals"
        return f"{where.size} {noun} ({label}): " + ", ".join(parts)

    def _check_text(self, name: str) -> str:
        verdicts = self.verdicts
        column = verdicts[name]
        met = int((column == PASS).sum())
        empty = int((column == NO_MESSAGES).sum())
        failed = verdicts[column == FAIL]
        close = verdicts[column == INCONCLUSIVE]
        judged = len(verdicts) - empty
        text = (
            f"meets every SLO in {met} of {judged} interval{'' if judged == 1 else 's'}"
        )
        if empty:
            text += f" with messages ({empty} had none)"
        if len(failed):
            text += "; misses in " + ", ".join(clock(s) for s in failed.start)
        reps = self.replications
        if len(close):
            text += "; too close to call in " + ", ".join(
                f"{clock(s)} ({self._days_to_decide(name, s)})" for s in close.start
            )
        text += f" ({reps} simulated days, {self.confidence:.0%} intervals"
        text += "; in brackets, the days that would decide)" if len(close) else ")"
        left = self.unfinished.get(name, 0)
        if left:
            text += (
                f"; {left} messages of the day were still in the system when the "
                "simulation ended and are left out"
            )
        return text

    def _days_to_decide(self, name: str, start: float) -> int:
        """The simulated days that would decide every SLO of an interval."""
        assert self.check is not None
        rows = self.check[
            (self.check.schedule == name)
            & (self.check.start == start)
            & (self.check.verdict == INCONCLUSIVE)
        ]
        return int(rows.replications_needed.max())

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in self.answer()
        )
        table = self.table().to_html(index=False, float_format=lambda v: f"{v:.4g}")
        name, queue = html.escape(self.scenario.name), html.escape(self.queue)
        head = f"<p><b>Day plan for {name}</b>: {queue}</p>"
        return f"{head}<table>{rows}</table>{table}"

    def __repr__(self) -> str:
        hours = self.consumer_hours("mol")
        return (
            f"<DayPlan {self.scenario.name!r}: {len(self.schedule)} intervals, "
            f"MOL {hours:.4g} consumer-hours>"
        )
