"""Figures of sweeps and runs, each a matplotlib ``Figure``.

Of a sweep (the frame :func:`pushsim.sweep` returns): :func:`throughput`,
:func:`latency` and :func:`throughput_latency`, with every simulated point's
95 % confidence interval, theory as a line labelled with its model, SLO
limits, and saturated points (offered load >= 1) hollow. Of one run (a
:class:`pushsim.Result`): :func:`queue_length` over time, warm-up shaded, and
:func:`latency_cdf` against theory's distribution.

Every function takes ``ax=`` to draw into axes of your own and returns the
figure; without it a new figure is made without pyplot, so nothing is held
open and no display is needed: save it with ``figure.savefig``, or, in a
notebook with matplotlib's inline backend (active once ``matplotlib.pyplot``
is imported), leave it as a cell's value. Times are shown in the unit that
keeps the numbers readable, named on the axis. Each line a figure draws has
a ``gid`` that says what it shows (``theory-...``, ``simulated-...``,
``saturated-...``, ``slo-...``), for scripts that read figures back.
"""

from __future__ import annotations

from pushsim.plots._frame import theory_curve
from pushsim.plots.curves import latency, throughput, throughput_latency
from pushsim.plots.runs import latency_cdf, queue_length

__all__ = [
    "latency",
    "latency_cdf",
    "queue_length",
    "theory_curve",
    "throughput",
    "throughput_latency",
]
