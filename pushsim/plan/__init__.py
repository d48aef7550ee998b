"""Capacity planning against SLOs, from theory first and then by simulation.

- :func:`plan`: the fewest consumers (or the smallest value of any
  whole-number field) that meet every SLO at a load, or, with
  ``vary="load"``, the highest load a given fleet sustains; each started
  from queueing theory and confirmed by simulation with confidence
  intervals (:class:`Plan`), with the headroom, utilisation and cost at the
  plan.
- :func:`plan_day`: consumers per interval for a producer whose rate follows
  a profile, by the modified-offered-load method beside the naive
  per-interval plan, both checked by simulating the whole day
  (:class:`DayPlan`).
- :mod:`pushsim.plan.figures`: their figures.

The rule that decides a point: it meets an SLO only if the whole confidence
interval of its metric is on the allowed side of the limit, misses it only
if the whole interval is on the other side, and is otherwise too close to
call; then the replications that would decide it are named, from the
interval's half-width shrinking as 1 / sqrt(n) (see
:func:`replications_needed`).
"""

from __future__ import annotations

from pushsim.plan._dayrecord import DayPlan
from pushsim.plan._record import Headroom, Plan
from pushsim.plan._rule import Estimate, replications_needed
from pushsim.plan.day import plan_day
from pushsim.plan.planning import plan

__all__ = [
    "DayPlan",
    "Estimate",
    "Headroom",
    "Plan",
    "plan",
    "plan_day",
    "replications_needed",
]
