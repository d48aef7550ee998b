"""The immutable records that the formulas return.

:class:`QueueMetrics` is the result of one station (M/M/1, M/M/c, M/G/1,
G/G/c, ...): its long-run utilisation, throughput, probabilities of waiting
and of loss, and its mean times (seconds) and mean counts (messages). Two
children add what only some models have: :class:`FiniteQueueMetrics` (a
bounded system: its capacity and state probabilities) and
:class:`AbandonmentMetrics` (impatient messages: abandonment and the times of
those served). :class:`NetworkMetrics` gathers the stations of a network and
its end-to-end figures.

Conventions, the same in every record:

- times are spans in seconds (``mean_wait``, ``mean_sojourn``), counts are
  time averages in messages (``mean_queue_length`` waiting only,
  ``mean_in_system`` waiting and in service); rates are per second;
- ``wait`` is the time from arrival to the start of service, ``sojourn`` the
  time from arrival to departure;
- an unstable station (load >= 1 with an unbounded queue) has
  ``stable=False``, infinite mean times and counts, and infinite quantiles;
  no figure is made up for it.

Each record has ``to_dict()`` (plain values, for a DataFrame row or JSON) and
``_repr_html_()`` (a two-column table in a notebook).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from pushsim.errors import PushsimError
from pushsim.theory.timelaws import Divergent, TimeDistribution, Unavailable

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AbandonmentMetrics",
    "FiniteQueueMetrics",
    "NetworkMetrics",
    "QueueMetrics",
]

_LAW = {"law": True}


@dataclass(frozen=True, kw_only=True)
class QueueMetrics:
    """Long-run figures of one queueing station, as a formula gives them.

    ``exact`` says whether the figures are exact for the model's assumptions
    (True) or an approximation (False). ``load`` is the offered load per
    server, arrival rate / (servers * service rate), and may exceed 1;
    ``utilisation`` is the share of time a server is busy.
    """

    model: str
    exact: bool
    stable: bool
    servers: int
    arrival_rate: float
    load: float
    utilisation: float
    throughput: float
    wait_probability: float
    loss_probability: float
    mean_wait: float
    mean_sojourn: float
    mean_queue_length: float
    mean_in_system: float
    wait_distribution: TimeDistribution = field(
        repr=False, compare=False, metadata=_LAW
    )
    sojourn_distribution: TimeDistribution = field(
        repr=False, compare=False, metadata=_LAW
    )

    def wait_cdf(self, t: float) -> float:
        """P(wait <= ``t`` seconds) for an arriving (admitted) message."""
        return self.wait_distribution.cdf(t)

    def sojourn_cdf(self, t: float) -> float:
        """P(sojourn <= ``t`` seconds) for an arriving (admitted) message."""
        return self.sojourn_distribution.cdf(t)

    def wait_quantile(self, p: float) -> float:
        """The ``p``-quantile of the wait in seconds (``p=0.99`` for the p99)."""
        return self.wait_distribution.quantile(p)

    def sojourn_quantile(self, p: float) -> float:
        """The ``p``-quantile of the sojourn in seconds (``p=0.99`` for the p99)."""
        return self.sojourn_distribution.quantile(p)

    @property
    def has_distribution(self) -> bool:
        """Whether the wait and sojourn cdfs and quantiles can be asked for."""
        return not isinstance(self.wait_distribution, Unavailable) and not isinstance(
            self.sojourn_distribution, Unavailable
        )

    def to_dict(self) -> dict[str, Any]:
        """The figures as plain values, keyed by field name (no distributions)."""
        return {
            item.name: getattr(self, item.name)
            for item in fields(self)
            if not item.metadata.get("law")
        }

    def _repr_html_(self) -> str:
        return html_table(self.to_dict())


@dataclass(frozen=True, kw_only=True)
class FiniteQueueMetrics(QueueMetrics):
    """A station with room for ``capacity`` messages in all, in service included.

    ``state_probabilities[n]`` is the long-run probability of n messages in
    the system, n = 0 ... capacity. ``loss_probability`` is the share of
    arrivals refused because the system is full; the wait and sojourn figures
    are those of the admitted messages.
    """

    capacity: int
    state_probabilities: tuple[float, ...]


@dataclass(frozen=True, kw_only=True)
class AbandonmentMetrics(QueueMetrics):
    """A station whose waiting messages leave after an exponential patience.

    ``loss_probability`` and ``abandonment_probability`` are the same number:
    the share of arrivals that leave before service. ``mean_wait`` and
    ``mean_sojourn`` average over all arrivals (an abandoning message's wait
    is its time in queue, its sojourn ends when it leaves); the ``_served``
    figures average over the messages that are served.
    """

    patience_mean: float
    abandonment_probability: float
    mean_wait_served: float
    mean_sojourn_served: float
    service_level: TimeDistribution = field(repr=False, compare=False, metadata=_LAW)
    served_wait_distribution: TimeDistribution = field(
        repr=False, compare=False, metadata=_LAW
    )

    def served_within(self, t: float) -> float:
        """The share of all arrivals that start service within ``t`` seconds.

        Messages that abandon count as not served, so this tends to
        ``1 - abandonment_probability`` as ``t`` grows.
        """
        return self.service_level.cdf(t)

    def served_wait_quantile(self, p: float) -> float:
        """The ``p``-quantile in seconds of the wait of the messages served."""
        return self.served_wait_distribution.quantile(p)


@dataclass(frozen=True, kw_only=True)
class NetworkMetrics:
    """An open network: one :class:`QueueMetrics` a station, and end to end.

    ``arrival_rates`` are the total rates into each station (external plus
    routed), from the traffic equations; ``visit_ratios`` are those rates
    over the total external rate (mean visits per message). ``mean_sojourn``
    and ``mean_wait`` are end to end, per message entering the network, by
    Little's law on the whole network.
    """

    model: str
    exact: bool
    stable: bool
    names: tuple[str, ...]
    stations: tuple[QueueMetrics, ...]
    external_arrival_rate: float
    arrival_rates: tuple[float, ...]
    visit_ratios: tuple[float, ...]
    arrival_scvs: tuple[float, ...]
    mean_wait: float
    mean_sojourn: float
    mean_in_system: float

    def station(self, name: str) -> QueueMetrics:
        """The result of the station called ``name``."""
        try:
            return self.stations[self.names.index(name)]
        except ValueError:
            raise PushsimError(
                f"no station called {name!r}; the stations are {list(self.names)}"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        """The end-to-end figures and, under ``stations``, each station's dict."""
        values: dict[str, Any] = {
            item.name: getattr(self, item.name)
            for item in fields(self)
            if item.name != "stations"
        }
        values["stations"] = {
            name: station.to_dict()
            for name, station in zip(self.names, self.stations, strict=True)
        }
        return values

    def to_frame(self) -> pd.DataFrame:
        """A tidy table: one row a station, one column a figure."""
        import pandas as pd

        rows = [
            {"station": name, **station.to_dict(), "arrival_scv": scv}
            for name, station, scv in zip(
                self.names, self.stations, self.arrival_scvs, strict=True
            )
        ]
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        summary = {
            key: value for key, value in self.to_dict().items() if key != "stations"
        }
        return html_table(summary)


def html_table(values: dict[str, Any]) -> str:
    """A compact two-column HTML table of names and formatted values."""
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(name)}</th>"
        f"<td style='text-align:right'>{html.escape(_format(value))}</td></tr>"
        for name, value in values.items()
    )
    return f"<table>{rows}</table>"


def _format(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return "inf" if math.isinf(value) else f"{value:.6g}"
    if isinstance(value, tuple) and len(value) > 8:
        return f"({len(value)} values)"
    if isinstance(value, tuple):
        return ", ".join(_format(item) for item in value)
    return str(value)


def unstable_metrics(
    *,
    model: str,
    exact: bool,
    servers: int,
    arrival_rate: float,
    load: float,
    service_capacity: float,
) -> QueueMetrics:
    """The record of an unbounded station whose load is 1 or more.

    Its servers are busy all the time and pass on ``service_capacity``
    messages a second; the queue grows without bound, so every mean time and
    count is infinite and every quantile is infinite.
    """
    return QueueMetrics(
        model=model,
        exact=exact,
        stable=False,
        servers=servers,
        arrival_rate=arrival_rate,
        load=load,
        utilisation=1.0,
        throughput=service_capacity,
        wait_probability=1.0,
        loss_probability=0.0,
        mean_wait=math.inf,
        mean_sojourn=math.inf,
        mean_queue_length=math.inf,
        mean_in_system=math.inf,
        wait_distribution=Divergent(),
        sojourn_distribution=Divergent(),
    )
