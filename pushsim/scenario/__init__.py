"""Scenario files: the schema, the units, loading and validation."""

from pushsim.scenario.load import load_scenario
from pushsim.scenario.schema import (
    EXIT,
    SYSTEM,
    Balancer,
    ConsumerGroup,
    Experiment,
    KeySpace,
    MessageClass,
    Producer,
    Queue,
    Scenario,
    Sweep,
    Warmup,
)
from pushsim.scenario.slo import SLO, parse_slo
from pushsim.scenario.vary import rate_factor, scaled, with_values

__all__ = [
    "EXIT",
    "SLO",
    "SYSTEM",
    "Balancer",
    "ConsumerGroup",
    "Experiment",
    "KeySpace",
    "MessageClass",
    "Producer",
    "Queue",
    "Scenario",
    "Sweep",
    "Warmup",
    "load_scenario",
    "parse_slo",
    "rate_factor",
    "scaled",
    "with_values",
]
