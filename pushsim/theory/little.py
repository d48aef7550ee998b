"""Little's law, L = lambda W, in its three arrangements.

Model: any system in the long run where messages arrive at a mean rate
lambda (per second), stay a mean time W (seconds) and number L on average,
whatever the laws and the discipline, so long as those limits exist
(J. D. C. Little, "A proof for the queuing formula L = lambda W", Operations
Research 9(3), 1961). It holds for a queue alone (L_q = lambda W_q), for a
station, and for a whole network with lambda its total external rate.

An infinite mean time or count (an unstable system) gives an infinite
result. Cost: O(1).
"""

from __future__ import annotations

from pushsim.theory._checks import TheoryArgumentError, check_nonnegative

__all__ = ["little_l", "little_rate", "little_w"]


def little_l(*, arrival_rate: float, mean_time: float) -> float:
    """The mean number in the system, L = ``arrival_rate`` * ``mean_time``."""
    lam = check_nonnegative("arrival_rate", arrival_rate, "per second")
    w = check_nonnegative("mean_time", mean_time, "seconds", allow_inf=True)
    if lam == 0.0:
        return 0.0
    return lam * w


def little_w(*, arrival_rate: float, mean_number: float) -> float:
    """The mean time in the system in seconds, W = ``mean_number`` / ``arrival_rate``."""
    lam = _positive_rate(arrival_rate)
    n = check_nonnegative("mean_number", mean_number, "messages", allow_inf=True)
    return n / lam


def little_rate(*, mean_number: float, mean_time: float) -> float:
    """The arrival rate per second, lambda = ``mean_number`` / ``mean_time``."""
    n = check_nonnegative("mean_number", mean_number, "messages")
    w = check_nonnegative("mean_time", mean_time, "seconds")
    if w == 0.0:
        raise TheoryArgumentError(f"mean_time must be > 0 seconds, got {w!r}")
    return n / w


def _positive_rate(arrival_rate: float) -> float:
    lam = check_nonnegative("arrival_rate", arrival_rate, "per second")
    if lam == 0.0:
        raise TheoryArgumentError(
            f"arrival_rate must be > 0 per second to find a mean time, got {lam!r}"
        )
    return lam
