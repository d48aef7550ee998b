"""Independent reference computations for the theory tests.

None of these share code with pushsim.theory: exact rational arithmetic for
Erlang's formulas, a generator matrix solved directly for birth-death
chains, the mean-field fixed point iterated for power-of-d, and matrix
exponentials for phase-type laws. They are slow and simple on purpose.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy import linalg


def erlang_b_exact(offered: Fraction | int, servers: int) -> Fraction:
    """Erlang B as an exact fraction: A^c / c! over sum_{n<=c} A^n / n!.

    With A = p / q, multiplying through by c! q^c leaves integers only:
    N_k = p^k + k q N_{k-1} (N_0 = 1) gives 1 / B = N_c / p^c.
    """
    a = Fraction(offered)
    p, q = a.numerator, a.denominator
    n, power = 1, 1
    for k in range(1, servers + 1):
        power *= p
        n = power + k * q * n
    return Fraction(power, n)


def erlang_c_exact(offered: Fraction | int, servers: int) -> Fraction:
    """Erlang C exactly, from Erlang B: C = B / (1 - rho (1 - B))."""
    a = Fraction(offered)
    b = erlang_b_exact(a, servers)
    rho = a / servers
    return b / (1 - rho * (1 - b))


def erlang_c_textbook(offered: Fraction | int, servers: int) -> Fraction:
    """Erlang C by the textbook formula with factorials, in exact arithmetic."""
    a = Fraction(offered)
    c = servers
    head = sum((a**n / math.factorial(n) for n in range(c)), Fraction(0))
    top = a**c / math.factorial(c) * Fraction(c) / (c - a)
    return top / (head + top)


def birth_death_stationary(births: list[float], deaths: list[float]) -> np.ndarray:
    """Stationary law of a finite birth-death chain, from its generator matrix.

    ``births[n]`` is the rate from n to n + 1 (n = 0..K-1), ``deaths[n]`` the
    rate from n + 1 to n. Solves pi Q = 0 with one balance equation replaced
    by sum(pi) = 1.
    """
    size = len(births) + 1
    generator = np.zeros((size, size))
    for n, rate in enumerate(births):
        generator[n, n + 1] = rate
    for n, rate in enumerate(deaths):
        generator[n + 1, n] = rate
    generator -= np.diag(generator.sum(axis=1))
    system = generator.T.copy()
    system[-1, :] = 1.0
    target = np.zeros(size)
    target[-1] = 1.0
    return np.linalg.solve(system, target)


def mean_field_sojourn(load: float, d: int, levels: int = 200) -> float:
    """Power-of-d mean sojourn (service rate 1) from the fixed point itself.

    At equilibrium the flow across level i balances: load * s_{i-1}^d = s_i,
    with s_0 = 1; the mean number per queue is sum s_i and Little's law
    gives the sojourn. No closed-form exponent is used.
    """
    s, total = 1.0, 0.0
    for _ in range(levels):
        s = load * s**d
        total += s
    return total / load


def countdown_absorption(
    start: np.ndarray, rates: np.ndarray, leave_rate: float, t: float
) -> tuple[float, float]:
    """A countdown j -> j - 1 at ``rates[j]``, j = 0 ending in "done".

    Each phase may also end early, in "left", at ``leave_rate``. Started from
    the law ``start`` over j, returns (P(still counting at t), P(done by t)),
    from the matrix exponential of the phase-type generator.
    """
    m = rates.size
    generator = np.zeros((m + 2, m + 2))  # phases 0..m-1, then done, then left
    for j in range(m):
        generator[j, j - 1 if j > 0 else m] = rates[j]
        generator[j, m + 1] = leave_rate
        generator[j, j] = -(rates[j] + leave_rate)
    law = np.concatenate([start, [0.0, 0.0]]) @ linalg.expm(generator * t)
    return float(law[:m].sum()), float(law[m])
