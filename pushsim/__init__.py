"""pushsim: queueing simulation and capacity planning for message-push systems.

Simulate a scenario of producers, queues, balancers and consumers, and read
its throughput, latency and losses with confidence intervals::

    import pushsim
    result = pushsim.simulate("scenarios/mm1.yaml")
    result.summary
"""

from __future__ import annotations

__version__ = "0.1.0"

from pushsim.errors import Fault, PushsimError, PushsimWarning, ScenarioError
from pushsim.result import Result
from pushsim.scenario import Scenario, load_scenario
from pushsim.simulate import simulate

__all__ = [
    "Fault",
    "PushsimError",
    "PushsimWarning",
    "Result",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "simulate",
]
