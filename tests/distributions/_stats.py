"""Tolerances from standard errors, for the statistical checks of this folder.

Every check compares an estimate with its exact value and allows ``Z``
standard errors. At Z = 4.5 a two-sided normal deviation that large has
probability about 6.8e-6, so a correct law fails a check about 7 times in a
million seeds; the seeds are fixed, so a run is repeatable, but the tolerance
comes from the standard error, never from the seed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

#: Standard errors allowed: P(|N(0,1)| > 4.5) ~ 6.8e-6 per check.
Z = 4.5
#: The same false-failure probability for a t statistic on ``BATCHES - 1`` degrees
#: of freedom (batch means estimate their standard error from the batches).
BATCHES = 40
T = float(stats.t.isf(stats.norm.sf(Z), BATCHES - 1))


def assert_mean(sample: npt.NDArray[Any], mean: float, variance: float) -> None:
    """The sample mean lies within Z standard errors sqrt(variance / n) of ``mean``."""
    n = sample.size
    error = abs(float(np.mean(sample)) - mean)
    bound = Z * math.sqrt(variance / n)
    assert error <= bound, f"sample mean off by {error:.4g}, more than {bound:.4g}"


def assert_variance(sample: npt.NDArray[Any], variance: float, fourth: float) -> None:
    """The sample variance lies within Z standard errors of ``variance``.

    The standard error of the sample variance is sqrt((mu4 - sigma^4) / n), with
    ``fourth`` the law's fourth central moment mu4.
    """
    n = sample.size
    error = abs(float(np.var(sample, ddof=1)) - variance)
    bound = Z * math.sqrt((fourth - variance**2) / n)
    assert error <= bound, f"sample variance off by {error:.4g}, more than {bound:.4g}"


def central_fourth(
    values: npt.NDArray[np.floating], weights: npt.ArrayLike | None = None
) -> float:
    """The fourth central moment of a discrete law on ``values``."""
    p = (
        np.full(values.size, 1.0 / values.size)
        if weights is None
        else np.asarray(weights)
    )
    mean = float(p @ values)
    return float(p @ (values - mean) ** 4)


def batch_scv(intervals: npt.NDArray[np.floating]) -> tuple[float, float]:
    """The scv of ``intervals`` and its standard error from ``BATCHES`` batch means.

    Batches of consecutive intervals are nearly independent even when the
    intervals are correlated (an MMPP), so their spread gives the standard error.
    """
    batches = np.array_split(intervals, BATCHES)
    estimates = np.array([np.var(b) / np.mean(b) ** 2 for b in batches])
    overall = float(np.var(intervals) / np.mean(intervals) ** 2)
    return overall, float(np.std(estimates, ddof=1) / math.sqrt(BATCHES))
