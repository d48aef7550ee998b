"""Scenarios fitted from logs of real messages.

:func:`fit` reads a trace (a CSV file or a DataFrame, one row a message:
arrival time and, where known, service time, wait and outcome) and estimates
the arrival rate by interval with its exact Poisson band, the service-time
law (maximum likelihood, least AIC) and the patience of the messages that
abandoned (censored data). The :class:`Fit` it returns holds tidy
DataFrames, writes itself as a scenario (:meth:`Fit.to_scenario`,
:meth:`Fit.to_yaml`), and draws its evidence with :func:`plot_rates`,
:func:`plot_service` and :func:`plot_patience`.
:func:`callcenter_trace` turns the records of a bank's call centre into a
trace, the worked example.
"""

from __future__ import annotations

from pushsim.fit.callcenter import callcenter_trace
from pushsim.fit.fitting import Fit, fit, peak_in_service
from pushsim.fit.laws import CANDIDATES, LawFit, fit_law, fit_laws
from pushsim.fit.patience import PatienceFit, fit_patience, kaplan_meier
from pushsim.fit.plots import plot_patience, plot_rates, plot_service
from pushsim.fit.rates import arrival_rates, garwood
from pushsim.fit.trace import Trace, read_trace

__all__ = [
    "CANDIDATES",
    "Fit",
    "LawFit",
    "PatienceFit",
    "Trace",
    "arrival_rates",
    "callcenter_trace",
    "fit",
    "fit_law",
    "fit_laws",
    "fit_patience",
    "garwood",
    "kaplan_meier",
    "peak_in_service",
    "plot_patience",
    "plot_rates",
    "plot_service",
    "read_trace",
]
