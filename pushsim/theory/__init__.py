"""Queueing theory: closed forms and approximations for pushsim's nodes.

One function a model, each taking keyword arguments (rates per second, times
in seconds, counts) and returning an immutable record of its long-run
figures (:class:`QueueMetrics` and its children). Where the model has a
closed-form distribution of the wait and the sojourn, the record answers
``wait_cdf``, ``wait_quantile``, ``sojourn_cdf`` and ``sojourn_quantile``
from it; otherwise those raise :class:`pushsim.errors.PushsimError` saying
so. An unstable station (load >= 1, unbounded queue) is reported as
``stable=False`` with infinite means, never as a number.

Exact: :func:`mm1`, :func:`mmc` (Erlang C), :func:`mmck`, :func:`erlang_b`,
:func:`erlang_c`, :func:`md1`, :func:`mg1` (Pollaczek-Khinchine, means),
:func:`mmc_abandonment` (Erlang A), :func:`jackson`. Approximate
(``exact=False``): :func:`gg1` (Kingman), :func:`ggc` (Allen-Cunneen),
:func:`qna` (Whitt), :func:`power_of_d` (mean-field limit). Planning:
:func:`required_servers`. Little's law: :func:`little_l`, :func:`little_w`,
:func:`little_rate`. A whole scenario: :func:`predict`, which picks the model
of each queue and says which, and why where none applies; :func:`offered_load`,
the traffic equations and where the scenario saturates.

Each module's docstring gives its model, assumptions, sources and cost.
"""

from __future__ import annotations

from pushsim.theory._checks import TheoryArgumentError, TheoryTypeError
from pushsim.theory.abandonment import mmc_abandonment
from pushsim.theory.balancing import power_of_d
from pushsim.theory.general import gg1, ggc, md1, mg1
from pushsim.theory.little import little_l, little_rate, little_w
from pushsim.theory.markovian import erlang_b, erlang_c, mm1, mmc, mmck
from pushsim.theory.networks import jackson, qna
from pushsim.theory.predict import predict
from pushsim.theory.prediction import NodePrediction, Prediction, SystemPrediction
from pushsim.theory.results import (
    AbandonmentMetrics,
    FiniteQueueMetrics,
    NetworkMetrics,
    QueueMetrics,
)
from pushsim.theory.staffing import StaffingResult, StaffingTarget, required_servers
from pushsim.theory.timelaws import TimeDistribution
from pushsim.theory.traffic import OfferedLoad, offered_load

__all__ = [
    "AbandonmentMetrics",
    "FiniteQueueMetrics",
    "NetworkMetrics",
    "NodePrediction",
    "OfferedLoad",
    "Prediction",
    "QueueMetrics",
    "StaffingResult",
    "StaffingTarget",
    "SystemPrediction",
    "TheoryArgumentError",
    "TheoryTypeError",
    "TimeDistribution",
    "erlang_b",
    "erlang_c",
    "gg1",
    "ggc",
    "jackson",
    "little_l",
    "little_rate",
    "little_w",
    "md1",
    "mg1",
    "mm1",
    "mmc",
    "mmc_abandonment",
    "mmck",
    "offered_load",
    "power_of_d",
    "predict",
    "qna",
    "required_servers",
]
