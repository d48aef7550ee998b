"""Service and inter-arrival laws, fan-out count laws and arrival processes.

Three families of pydantic records, each a union chosen by a key, as a
scenario writes them:

- ``Law`` (key ``law``): the continuous law of a duration, such as a service
  time; ``LawField`` also takes a bare duration as a deterministic law.
- ``CountLaw`` (key ``law``): how many deliveries a published message becomes;
  ``FanoutField`` also takes a bare whole number as a fixed count.
- ``ArrivalProcess`` (key ``process``): when a producer's messages arrive.

Every draw takes an explicit ``numpy.random.Generator``; nothing here touches
global random state. Files (empirical samples, traces) are named relative to
the ``base_dir`` of the validation context.
"""

from .arrivals import (
    ARRIVAL_PROCESSES,
    ArrivalProcess,
    DeterministicArrivals,
    PoissonArrivals,
    RenewalArrivals,
)
from .counts import (
    COUNT_LAWS,
    CountLaw,
    EmpiricalCount,
    FanoutField,
    FixedCount,
    GeometricCount,
    PoissonCount,
    UniformCount,
)
from .empirical import EmpiricalLaw
from .laws import LAWS, Law, LawField
from .modulated import MMPPArrivals, OnOffArrivals, ProfileArrivals
from .parametric import (
    DeterministicLaw,
    ErlangLaw,
    ExponentialLaw,
    GammaLaw,
    HyperexponentialLaw,
    UniformLaw,
)
from .skewed import BoundedParetoLaw, LognormalLaw, WeibullLaw
from .trace import TraceArrivals

__all__ = [
    "ARRIVAL_PROCESSES",
    "COUNT_LAWS",
    "LAWS",
    "ArrivalProcess",
    "BoundedParetoLaw",
    "CountLaw",
    "DeterministicArrivals",
    "DeterministicLaw",
    "EmpiricalCount",
    "EmpiricalLaw",
    "ErlangLaw",
    "ExponentialLaw",
    "FanoutField",
    "FixedCount",
    "GammaLaw",
    "GeometricCount",
    "HyperexponentialLaw",
    "Law",
    "LawField",
    "LognormalLaw",
    "MMPPArrivals",
    "OnOffArrivals",
    "PoissonArrivals",
    "PoissonCount",
    "ProfileArrivals",
    "RenewalArrivals",
    "TraceArrivals",
    "UniformCount",
    "UniformLaw",
    "WeibullLaw",
]
