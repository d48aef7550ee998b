"""pushsim: queueing simulation and capacity planning for message-push systems.

Simulate a scenario of producers, queues, balancers and consumers, and read
its throughput, latency and losses with confidence intervals::

    import pushsim
    result = pushsim.simulate("scenarios/mm1.yaml")
    result.summary
    curves = pushsim.sweep("scenarios/mmc.yaml")   # one row per point, node, metric

Each public name is imported when it is first used, so that ``import
pushsim`` is quick and the ``pushsim`` command can answer Ctrl-C from its
first instant; ``dir(pushsim)`` and ``__all__`` list them all the same.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

#: True for type checkers only: ``typing`` is not imported at run time, so that
#: the script's start, before it can answer Ctrl-C, is as short as can be.
TYPE_CHECKING = False

__version__ = "0.1.0"

#: The module that defines each public name.
_HOMES = {
    "CheckResult": "pushsim.check",
    "check": "pushsim.check",
    "Comparison": "pushsim.compare",
    "compare": "pushsim.compare",
    "Fault": "pushsim.errors",
    "PushsimError": "pushsim.errors",
    "PushsimWarning": "pushsim.errors",
    "ScenarioError": "pushsim.errors",
    "Fit": "pushsim.fit",
    "fit": "pushsim.fit",
    "LiveResult": "pushsim.live",
    "run_live": "pushsim.live",
    "DayPlan": "pushsim.plan",
    "Plan": "pushsim.plan",
    "plan": "pushsim.plan",
    "plan_day": "pushsim.plan",
    "Result": "pushsim.result",
    "Scenario": "pushsim.scenario",
    "load_scenario": "pushsim.scenario",
    "simulate": "pushsim.simulate",
    "sweep": "pushsim.sweep",
}

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

if TYPE_CHECKING:
    from typing import Any

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


def __getattr__(name: str) -> Any:
    """A public name, imported from its module at its first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'pushsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(ModuleType):
    """The ``pushsim`` module, whose functions keep the names of their subpackages.

    Importing a subpackage such as ``pushsim.plan`` binds it on its parent,
    which would hide the function ``pushsim.plan``; that binding is skipped,
    so ``pushsim.plan`` is the function whatever was imported first.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        hidden = isinstance(value, ModuleType) and value.__name__ == f"pushsim.{name}"
        if hidden and name in _HOMES:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
