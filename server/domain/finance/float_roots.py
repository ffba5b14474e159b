"""The float side of the IRR search (server.domain.finance.cashflows): the NPV, scaled so that it
stays finite anywhere in (-1, inf), evaluated on many points at once with a bound on its rounding
error, and the bisection and golden-section searches that locate its roots and dips. Points are
log-bases y = ln(1 + r); where floats cannot tell a sign, exact_roots decides in Decimal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal, localcontext

import numpy as np
from numpy.typing import NDArray

MAX_BISECTIONS = 200
WORKING_DIGITS = 40
"""Significant digits of Decimal arithmetic: the flows' scaling here, the NPV in cashflows."""


class ScaledNpv:
    """NPV(r) times a positive factor, evaluated without overflow anywhere in (-1, inf).

    For r >= 0 it is sum c_i (1 + r)^-t_i; for r < 0 it is that times (1 + r)^T
    (T the last time), sum c_i (1 + r)^(T - t_i), whose powers stay at most 1.
    Both have the roots of NPV and the same sign everywhere.
    """

    def __init__(self, flows: Sequence[Decimal], times: Sequence[Decimal]):
        # Scaled by the largest in Decimal before they become floats: flows of 1e400 or 1e-400
        # would be inf or 0 as floats, and the search would find no root where the IRR is 0.
        largest = max(abs(flow) for flow in flows) or Decimal(1)
        with localcontext() as context:
            context.prec = WORKING_DIGITS
            self.flows = np.array([float(flow / largest) for flow in flows], dtype=np.float64)
        self.times = np.array([float(t) for t in times], dtype=np.float64)
        self.span = float(self.times.max())

    def many(self, log_bases: NDArray[np.float64]) -> NDArray[np.float64]:
        with np.errstate(under="ignore"):
            return np.asarray(np.exp(self._exponents(log_bases)) @ self.flows, dtype=np.float64)

    def noise(self, log_bases: NDArray[np.float64]) -> NDArray[np.float64]:
        """A bound on the rounding error of ``many``: a few ulps of the sum of the terms' sizes
        per term, and per unit of the exponents (exp of a rounded argument)."""
        exponents = self._exponents(log_bases)
        with np.errstate(under="ignore"):
            size = np.exp(exponents) @ np.abs(self.flows)
        growth = len(self.flows) + 10 + np.abs(exponents).max(axis=1)
        return np.asarray(size * growth * 4 * np.finfo(np.float64).eps, dtype=np.float64)

    def _exponents(self, log_bases: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.where(
            log_bases[:, None] >= 0,
            -self.times[None, :] * log_bases[:, None],
            (self.span - self.times[None, :]) * log_bases[:, None],
        )

    def at(self, log_base: float) -> float:
        return float(self.many(np.array([log_base]))[0])


def bisect_root(function: ScaledNpv, low: float, high: float, f_low: float) -> tuple[float, int]:
    """A root of ``function`` in [low, high] (log-base coordinates), and the steps taken."""
    steps = 0
    while steps < MAX_BISECTIONS:
        middle = (low + high) / 2
        if middle in (low, high):
            break
        steps += 1
        f_middle = function.at(middle)
        if f_middle == 0:
            return middle, steps
        if (f_middle > 0) == (f_low > 0):
            low, f_low = middle, f_middle
        else:
            high = middle
    return (low + high) / 2, steps


def extreme(function: ScaledNpv, low: float, high: float, toward_zero_from: float) -> tuple[float, float]:
    """Where ``function`` comes closest to (or crosses) zero in [low, high], by golden-section
    search on its value times the sign of ``toward_zero_from``, and its value there."""
    sign = 1.0 if toward_zero_from > 0 else -1.0
    ratio = (math.sqrt(5) - 1) / 2
    a, b = low, high
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    f_c, f_d = sign * function.at(c), sign * function.at(d)
    for _ in range(MAX_BISECTIONS):
        if b - a <= 1e-15 * max(1.0, abs(a)):
            break
        if f_c < f_d:
            b, d, f_d = d, c, f_c
            c = b - ratio * (b - a)
            f_c = sign * function.at(c)
        else:
            a, c, f_c = c, d, f_d
            d = a + ratio * (b - a)
            f_d = sign * function.at(d)
    middle = (a + b) / 2
    return middle, function.at(middle)
