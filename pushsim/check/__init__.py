"""``pushsim check``: the CI gate for performance models.

Each scenario is simulated and judged: its SLOs from their 95 % intervals
(pass, fail, or inconclusive with the replications that would decide), the
conservation of its messages, and, against a committed baseline, whether its
model changed and whether its tracked metrics drifted beyond their tolerance
(a test that allows for the noise of both runs). The result says ``passed``
and writes JUnit XML and a Markdown summary::

    from pushsim.check import check
    outcome = check("scenarios/", baseline=".ci/baselines")
    outcome.passed, outcome.checks

The modules: :mod:`.gate` (``check``), :mod:`.slo_gate`, :mod:`.baseline`,
:mod:`.drift`, :mod:`.result` and :mod:`.output`.
"""

from pushsim.check.baseline import Baseline, Estimate, fingerprint
from pushsim.check.drift import Tolerance
from pushsim.check.gate import GATES, check
from pushsim.check.result import CheckResult, CheckRow, ScenarioCheck

__all__ = [
    "GATES",
    "Baseline",
    "CheckResult",
    "CheckRow",
    "Estimate",
    "ScenarioCheck",
    "Tolerance",
    "check",
    "fingerprint",
]
