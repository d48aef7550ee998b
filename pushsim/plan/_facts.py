"""The answer of a plan in words: the key facts a report shows first."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pushsim.measures import unit_of
from pushsim.plan._rule import FAIL
from pushsim.quantities import format_rate, format_value
from pushsim.scenario import Scenario

if TYPE_CHECKING:
    from pushsim.plan._evaluate import Judged
    from pushsim.plan._record import Plan

__all__ = ["answer", "rate_text"]


def rate_text(scenario: Scenario, factor: float) -> str:
    """A rate factor and the offered rate it gives: ``x1.2 (864/s)``."""
    total = math.fsum(float(p.arrivals.rate) for p in scenario.producers.values())
    return f"x{factor:.4g} ({format_rate(total * factor)})"


def interval_text(mean: float, low: float, high: float, unit: str) -> str:
    """``46ms [44ms, 48ms]``, or the mean alone where there is no interval."""
    text = format_value(mean, unit)
    if not (math.isnan(low) or math.isnan(high)):
        text += f" [{format_value(low, unit)}, {format_value(high, unit)}]"
    return text


def _slo_facts(judged: Judged) -> list[tuple[str, str]]:
    facts = []
    for slo, value, verdict in zip(
        judged.slos, judged.estimates, judged.verdicts, strict=True
    ):
        shown = interval_text(value.mean, value.low, value.high, unit_of(slo.metric))
        facts.append((slo.text, f"{shown}: {verdict}"))
    return facts


def _undecided(judged: Judged) -> str:
    needed = judged.replications_to_decide()
    if needed is None:
        decide = (
            "no count of replications would decide it (the estimate is on the limit)"
        )
    else:
        decide = f"about {needed} replications would decide it"
    return f"too close to call with {judged.replications} replications; {decide}"


def _neighbour(plan: Plan) -> tuple[str, str]:
    """What happened one step past the answer: it fails, or is too close to call."""
    if plan.varies_load:
        label = "next factor tried"
        above = plan.headroom.above
        if above is None:
            return label, "none failed up to the bound"
        where = f"x{above:.4g}"
    else:
        label = "one fewer"
        if plan.next_point is None and not plan.next_unstable:
            return label, "not tried: the answer is the lowest value searched"
        where = f"{int(plan.value) - 1}"
    if plan.next_unstable:
        return label, f"{where}: fails (theory: a queue is overloaded)"
    judged = plan.next_point
    if judged is None:
        return label, f"{where}: not simulated"
    if judged.verdict == FAIL:
        missed = [
            s.text
            for s, v in zip(judged.slos, judged.verdicts, strict=True)
            if v == FAIL
        ]
        return label, f"{where}: fails {', '.join(missed)}"
    return label, f"{where}: {_undecided(judged)}"


def _headroom(plan: Plan) -> str:
    room = plan.headroom
    parts = []
    if room.ratio is not None and room.simulated is not None:
        text = f"{room.ratio:+.1%} (load x{room.simulated:.4g} holds"
        if room.above is not None:
            verdict = plan.verdict_at(plan.value, room.above)
            said = "fails" if verdict in (FAIL, None) else "is too close to call"
            text += f"; x{room.above:.4g} {said}"
        parts.append(text + ")")
    if room.theory_ratio is not None:
        parts.append(f"theory {room.theory_ratio:+.1%}")
    return ", ".join(parts) or "-"


def _utilisation(plan: Plan) -> list[tuple[str, str]]:
    facts = []
    for row in plan.utilisation.itertuples():
        shown = interval_text(row.mean, row.ci_low, row.ci_high, "ratio")
        facts.append(
            (f"{row.node} utilisation", f"{shown} ({row.consumers:g} consumers)")
        )
    return facts


def answer(plan: Plan) -> list[tuple[str, str]]:
    """The key facts of a plan as (what, figure) pairs, the answer first."""
    facts: list[tuple[str, str]] = []
    if plan.varies_load:
        facts.append(("highest load", rate_text(plan.scenario, plan.value)))
    else:
        counts = plan.vary.endswith("consumers.count")
        facts.append(
            ("consumers needed" if counts else plan.vary, f"{int(plan.value)}")
        )
        facts.append(("at load", rate_text(plan.scenario, plan.load)))
    if plan.theory_value is not None:
        value = plan.theory_value
        shown = f"x{value:.4g}" if plan.varies_load else f"{int(value)}"
        facts.append(("theory says", f"{shown} ({plan.theory_model})"))
    facts += _slo_facts(plan.at_plan)
    facts.append(_neighbour(plan))
    if not plan.varies_load:
        facts.append(("headroom", _headroom(plan)))
    facts += _utilisation(plan)
    if plan.cost_per_hour is not None:
        per_hour = plan.cost_per_hour
        facts.append(
            (
                "cost",
                f"{plan.consumers:g} consumers: {per_hour:.4g} per hour, "
                f"{24 * per_hour:.4g} per day",
            )
        )
    return facts
