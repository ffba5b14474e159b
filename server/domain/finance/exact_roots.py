"""The IRR search's last word: signs and roots of the NPV in high-precision Decimal.

The floating-point search (float_roots, from cashflows) says roughly where the
roots are, but near a root of multiplicity m its NPV is smaller than its
rounding error over a band about eps^(1/m) wide (6e-6 for a triple root), and
between two close roots the NPV may never rise above that error. Here the NPV is
evaluated in Decimal together with a bound on its rounding error, so a sign is
reported only when it is certain; where even MAX_DIGITS digits leave it
uncertain, the value is zero to within 10^-MAX_DIGITS of its terms, and that
point is taken as a root. A root is reported only once two points no further
apart than ROOT_WIDTH (in the rate) have certain opposite signs, or one point is
zero in that sense: every rate returned is then within 1e-12 of a true root.

Points are log-bases y = ln(1 + r), as in the float search: NPV(y) is the sum of
c_i exp(-t_i y).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, localcontext

DIGITS = (50, 100, 200)
"""Working precisions tried in turn until a sign is certain."""
MAX_DIGITS = DIGITS[-1]
ROOT_WIDTH = Decimal("1e-14")
"""Bisection stops when the bracket is this narrow in the rate; rates are reported to 12 places."""
TURN_DIGITS = 100
TURN_WIDTH = Decimal("1e-40")
"""How closely (in log-base) the lowest point of a dip is located."""
TOUCH = Decimal("1e-60")
"""A dip whose lowest |NPV| is below this fraction of its terms' size touches zero there."""


def _golden_ratio(digits: int) -> Decimal:
    with localcontext() as context:
        context.prec = digits
        return (Decimal(5).sqrt() - 1) / 2


class ExactNpv:
    """The NPV of ``flows`` at times ``times``, evaluated in Decimal with an error bound."""

    def __init__(self, flows: Sequence[Decimal], times: Sequence[Decimal]):
        self.flows = list(flows)
        self.times = list(times)
        self._periodic = all(t == index for index, t in enumerate(self.times))
        self._count = len(self.flows) + 10

    def value(self, y: Decimal, digits: int) -> tuple[Decimal, Decimal, Decimal]:
        """NPV at log-base ``y`` to about ``digits`` digits, the sum of its terms' sizes, and a
        bound on its rounding error."""
        with localcontext() as context:
            context.prec = digits + 5
            if self._periodic:
                # Horner in 1 / (1 + r): an error of at most about 2n ulps of the sum of |terms|.
                inverse = (-y).exp()
                total, size = Decimal(0), Decimal(0)
                for flow in reversed(self.flows):
                    total = total * inverse + flow
                    size = size * inverse + abs(flow)
                growth = self._count
            else:
                # exp(-t y) is off by about |t y| ulps, the rounding of its argument.
                terms = [
                    flow * (-t * y).exp() if t else flow
                    for flow, t in zip(self.flows, self.times, strict=True)
                ]
                total = sum(terms, Decimal(0))
                size = sum((abs(term) for term in terms), Decimal(0))
                growth = self._count + int(max(abs(t * y) for t in self.times))
            bound = size * growth * Decimal(1).scaleb(3 - digits)
        return total, size, bound

    def sign(self, y: Decimal) -> int:
        """1 or -1 where the NPV's sign at ``y`` is certain; 0 where it is zero to MAX_DIGITS digits."""
        for digits in DIGITS:
            total, _, bound = self.value(y, digits)
            if abs(total) > bound:
                return 1 if total > 0 else -1
        return 0

    def root(
        self, low: Decimal, high: Decimal, low_sign: int, estimate: Decimal | None = None
    ) -> tuple[Decimal, int]:
        """The rate of a root between ``low`` and ``high``, where the NPV has certain signs
        ``low_sign`` and its opposite, and the bisection steps taken. A float ``estimate`` of the
        root, when given, first narrows the bracket (checked, so a wrong estimate costs two steps)."""
        steps = 0
        if estimate is not None:
            for half_width in (Decimal("1e-12"), Decimal("1e-9"), Decimal("1e-6")):
                a, b = max(low, estimate - half_width), min(high, estimate + half_width)
                sign_a, sign_b = self.sign(a), self.sign(b)
                steps += 2
                if sign_a == 0:
                    return rate_of(a), steps
                if sign_b == 0:
                    return rate_of(b), steps
                if sign_a == low_sign and sign_b == -low_sign:
                    low, high = a, b
                    break
        with localcontext() as context:
            context.prec = 3 * MAX_DIGITS
            while rate_of(high, exact=True) - rate_of(low, exact=True) > ROOT_WIDTH:
                middle = (low + high) / 2
                steps += 1
                sign = self.sign(middle)
                if sign == 0:
                    return rate_of(middle), steps
                if sign == low_sign:
                    low = middle
                else:
                    high = middle
            return rate_of((low + high) / 2), steps

    def dip(self, low: Decimal, high: Decimal, outer_sign: int) -> tuple[list[Decimal], int]:
        """The roots in a dip of the NPV towards zero between ``low`` and ``high`` (where its
        sign is ``outer_sign``): none, one where it only touches zero, or two where it crosses.
        The dip's lowest point is found by golden-section search."""
        with localcontext() as context:
            context.prec = TURN_DIGITS + 20
            ratio = _golden_ratio(TURN_DIGITS + 20)

            def height(y: Decimal) -> Decimal:
                return outer_sign * self.value(y, TURN_DIGITS)[0]

            a, b = low, high
            c, d = b - ratio * (b - a), a + ratio * (b - a)
            f_c, f_d = height(c), height(d)
            steps = 0
            while b - a > TURN_WIDTH:
                steps += 1
                if f_c < f_d:
                    b, d, f_d = d, c, f_c
                    c = b - ratio * (b - a)
                    f_c = height(c)
                else:
                    a, c, f_c = c, d, f_d
                    d = a + ratio * (b - a)
                    f_d = height(d)
            turn = (a + b) / 2
            total, size, _ = self.value(turn, TURN_DIGITS)
        if abs(total) <= size * TOUCH:
            return [rate_of(turn)], steps
        if (total > 0) == (outer_sign > 0):
            return [], steps
        left, left_steps = self.root(low, turn, outer_sign)
        right, right_steps = self.root(turn, high, -outer_sign)
        return [left, right], steps + left_steps + right_steps


def log_base(rate: Decimal) -> Decimal:
    """ln(1 + ``rate``) to more digits than any sign is evaluated with: a bracket's end exactly,
    so that a root on the end is seen there (a float's log-base may fall on either side of it)."""
    with localcontext() as context:
        context.prec = MAX_DIGITS + 20
        return (1 + rate).ln()


def rate_of(y: Decimal, *, exact: bool = False) -> Decimal:
    """The rate exp(y) - 1, to 12 places (or to many digits with ``exact``); above -100%."""
    with localcontext() as context:
        context.prec = 60
        rate = y.exp() - 1
    if exact:
        return rate
    step = Decimal(1).scaleb(-12)
    return max(rate.quantize(step), step - 1).normalize() + 0
