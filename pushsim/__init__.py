"""pushsim: queueing simulation and capacity planning for message-push systems.

Simulate a scenario of producers, queues, balancers and consumers, and read
its throughput, latency and losses with confidence intervals::

    import pushsim
    result = pushsim.simulate("scenarios/mm1.yaml")
    result.summary
    curves = pushsim.sweep("scenarios/mmc.yaml")   # one row per point, node, metric
"""

from __future__ import annotations

__version__ = "0.1.0"

from pushsim.check import CheckResult, check
from pushsim.compare import Comparison, compare
from pushsim.errors import Fault, PushsimError, PushsimWarning, ScenarioError
from pushsim.fit import Fit, fit
from pushsim.live import LiveResult, run_live
from pushsim.plan import DayPlan, Plan, plan, plan_day
from pushsim.result import Result
from pushsim.scenario import Scenario, load_scenario
from pushsim.simulate import simulate
from pushsim.sweep import sweep

__all__ = [
    "CheckResult",
    "Comparison",
    "DayPlan",
    "Fault",
    "Fit",
    "LiveResult",
    "Plan",
    "PushsimError",
    "PushsimWarning",
    "Result",
    "Scenario",
    "ScenarioError",
    "__version__",
    "check",
    "compare",
    "fit",
    "load_scenario",
    "plan",
    "plan_day",
    "run_live",
    "simulate",
    "sweep",
]
