"""Load sweeps: a scenario run at many points, the curves they draw, and their answers.

:func:`sweep` runs the points (see :mod:`pushsim.sweep.points`) on an
executor (:mod:`pushsim.sweep.executors`) and returns one tidy table;
:func:`theory_curve` gives the theory along it on a fine grid;
:func:`saturation_throughput`, :func:`knee` and :func:`slo_limits` read the
answers a capacity planner wants from it (:mod:`pushsim.sweep.curves`).
"""

from __future__ import annotations

from pushsim.sweep.curves import Estimate, knee, saturation_throughput, slo_limits
from pushsim.sweep.executors import EXECUTORS, default_workers
from pushsim.sweep.points import DEFAULT_LOADS, LOAD, Point
from pushsim.sweep.run import SweepResult, run_sweep, sweep
from pushsim.sweep.theory import theory_curve

__all__ = [
    "DEFAULT_LOADS",
    "EXECUTORS",
    "LOAD",
    "Estimate",
    "Point",
    "SweepResult",
    "default_workers",
    "knee",
    "run_sweep",
    "saturation_throughput",
    "slo_limits",
    "sweep",
    "theory_curve",
]
