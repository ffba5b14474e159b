"""Net present value and internal rate of return: pure functions of Decimal inputs.

NPV is computed in Decimal with 40 significant digits. Two conventions for
periodic flows: FIRST_AT_T0 discounts flow i by (1 + r)^i (numpy-financial's
``npv``), END_OF_PERIOD by (1 + r)^(i + 1) (a spreadsheet's ``NPV()``). With
dates, XNPV discounts flow i by (1 + r)^((d_i - d_0) / 365) (actual/365).

IRR and XIRR are found by a bracketing search, never by Newton steps from a
guess: the NPV's sign is sampled over the bracket on a grid uniform in
log(1 + r), every sign change is refined by bisection, and so is every dip of
the NPV towards zero whose extreme (found by golden-section search) crosses it:
two roots closer than the grid's step. Floats only find the roots (float_roots):
every sign near zero, every root and every dip whose extreme floats cannot tell
from zero is settled in Decimal with a bound on its rounding error
(exact_roots), so each root reported is within 1e-12 of a true one, a double
root where the NPV only touches zero included. The outcome says whether no
root, one root or several were found. When the flows change sign once,
Descartes' rule of signs (which holds for real exponents too, so also for
XIRR) guarantees exactly one root above -100%, and the bracket's end points
decide whether it lies inside. The inputs and results are Decimal.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, DecimalException, localcontext
from enum import Enum

import numpy as np

from server.domain.finance.exact_roots import ExactNpv, log_base, rate_of
from server.domain.finance.float_roots import WORKING_DIGITS, ScaledNpv, bisect_root, extreme
from server.errors import InvalidArgument

MAX_FLOWS = 10_000
DAYS_PER_YEAR = 365
GRID_POINTS = 1_000
RATE_DIGITS = 12
"""Decimal places a rate is reported with: the solver is accurate to 1e-12."""
MAX_RATE = Decimal(1_000_000)


class NpvConvention(Enum):
    FIRST_AT_T0 = "first_at_t0"
    END_OF_PERIOD = "end_of_period"


class IrrOutcome(Enum):
    FOUND = "found"
    NO_SOLUTION = "no_solution"
    MULTIPLE_SOLUTIONS = "multiple_solutions"


@dataclass(frozen=True)
class IrrResult:
    outcome: IrrOutcome
    rate: Decimal | None
    roots: list[Decimal]
    sign_changes: int
    iterations: int
    lower_bound: Decimal
    upper_bound: Decimal


@dataclass(frozen=True)
class IrrBracket:
    lower: Decimal = Decimal("-0.99")
    upper: Decimal = Decimal(10)
    guess: Decimal | None = None


def check_rate(rate: Decimal, name: str) -> Decimal:
    if not rate.is_finite():
        raise InvalidArgument.field(name, "must be a finite number")
    if rate <= -1:
        raise InvalidArgument.field(name, "must be greater than -1 (-100%)")
    if rate > MAX_RATE:
        raise InvalidArgument.field(name, f"must be at most {MAX_RATE}")
    return rate


def check_flows(flows: Sequence[Decimal], name: str, minimum: int = 1) -> None:
    if len(flows) < minimum:
        raise InvalidArgument.field(name, f"needs at least {minimum} cash flow{'s' if minimum > 1 else ''}")
    if len(flows) > MAX_FLOWS:
        raise InvalidArgument.field(name, f"has more than {MAX_FLOWS} cash flows")
    for index, flow in enumerate(flows):
        if not flow.is_finite():
            raise InvalidArgument.field(f"{name}[{index}]", "must be a finite number")


def year_fractions(dates: Sequence[date], count: int, name: str) -> list[Decimal]:
    """(d_i - d_0) / 365 for each date, checking there is one per flow and none before the first."""
    if len(dates) != count:
        raise InvalidArgument.field(name, f"needs one date per cash flow ({count}), got {len(dates)}")
    first = dates[0]
    for index, day in enumerate(dates):
        if day < first:
            raise InvalidArgument.field(f"{name}[{index}]", "is before the first date")
    return [Decimal((day - first).days) / DAYS_PER_YEAR for day in dates]


def _exact(compute: str, fn: object) -> Decimal:
    try:
        with localcontext() as context:
            context.prec = WORKING_DIGITS
            result = fn()  # type: ignore[operator]
    except DecimalException as exc:
        raise InvalidArgument.field("rate", f"the {compute} is out of the representable range") from exc
    assert isinstance(result, Decimal)
    return result


def npv(rate: Decimal, flows: Sequence[Decimal], convention: NpvConvention) -> Decimal:
    """The net present value of periodic ``flows`` at ``rate`` per period."""
    check_rate(rate, "rate")
    check_flows(flows, "cash_flows")
    shift = 0 if convention is NpvConvention.FIRST_AT_T0 else 1

    def compute() -> Decimal:
        base = 1 + rate
        return sum((flow / base ** (index + shift) for index, flow in enumerate(flows)), Decimal(0))

    return _exact("net present value", compute)


def xnpv(rate: Decimal, flows: Sequence[Decimal], dates: Sequence[date]) -> Decimal:
    """The net present value of dated ``flows`` at annual ``rate`` (actual/365), first flow undiscounted."""
    check_rate(rate, "rate")
    check_flows(flows, "cash_flows")
    times = year_fractions(dates, len(flows), "dates")

    def compute() -> Decimal:
        base = 1 + rate
        return sum((flow / base**t if t else flow for flow, t in zip(flows, times, strict=True)), Decimal(0))

    return _exact("net present value", compute)


def sign_changes(flows: Sequence[Decimal]) -> int:
    signs = [flow > 0 for flow in flows if flow != 0]
    return sum(1 for before, after in itertools.pairwise(signs) if before != after)


def _check_bracket(bracket: IrrBracket) -> None:
    check_rate(bracket.lower, "lower_bound")
    check_rate(bracket.upper, "upper_bound")
    if bracket.upper <= bracket.lower:
        raise InvalidArgument.field("upper_bound", "must be above lower_bound")
    if bracket.guess is not None and not bracket.lower <= bracket.guess <= bracket.upper:
        raise InvalidArgument.field("guess", "must lie in the bracket [lower_bound, upper_bound]")


def irr(
    flows: Sequence[Decimal], bracket: IrrBracket, dates: Sequence[date] | None = None, name: str = "values"
) -> IrrResult:
    """The internal rate of return of ``flows`` (XIRR with ``dates``), searched for in the bracket."""
    check_flows(flows, name, minimum=2)
    _check_bracket(bracket)
    times = (
        year_fractions(dates, len(flows), "dates")
        if dates
        else [Decimal(index) for index in range(len(flows))]
    )
    changes = sign_changes(flows)

    def result(
        outcome: IrrOutcome, roots: list[Decimal], steps: int, rate: Decimal | None = None
    ) -> IrrResult:
        return IrrResult(outcome, rate, roots, changes, steps, bracket.lower, bracket.upper)

    if changes == 0:
        return result(IrrOutcome.NO_SOLUTION, [], 0)
    function = ScaledNpv(flows, times)
    exact = ExactNpv(flows, times)
    # ln(1 + r) in Decimal: a lower bound such as -0.999999999999999999999 is -1.0 as a float.
    low, high = (float(_exact("bracket", lambda r=r: (1 + r).ln())) for r in (bracket.lower, bracket.upper))
    # With one sign change there is exactly one root above -100%: the ends decide.
    grid = np.array([low, high]) if changes == 1 else np.linspace(low, high, GRID_POINTS + 1)
    values, noise = function.many(grid), function.noise(grid)
    # The grid's points in Decimal, its ends exactly the bracket's: a root on an end is inside.
    points = [log_base(bracket.lower), *(Decimal(y) for y in grid[1:-1].tolist()), log_base(bracket.upper)]
    # A float's sign is trusted only above its rounding error; nearer zero, Decimal decides.
    signs = [
        (1 if value > 0 else -1) if abs(value) > error else exact.sign(point)
        for point, value, error in zip(points, values.tolist(), noise.tolist(), strict=True)
    ]
    roots = [rate_of(point) for point, sign in zip(points, signs, strict=True) if sign == 0]
    steps = 0
    for index in range(len(grid) - 1):
        if signs[index] * signs[index + 1] < 0:
            left, right = float(grid[index]), float(grid[index + 1])
            estimate, taken = bisect_root(function, left, right, float(signs[index]))
            root, polished = exact.root(points[index], points[index + 1], signs[index], Decimal(estimate))
            roots.append(root)
            steps += taken + polished
    for index in range(1, len(grid) - 1):
        # Two roots closer together than the grid's step leave no sign change on it, only a dip
        # towards zero; the dip's extreme, past zero, separates them (at zero, a double root).
        sign = signs[index]
        if sign == 0 or not signs[index - 1] == sign == signs[index + 1]:
            continue
        before, here, after = (abs(float(v)) for v in values[index - 1 : index + 2])
        if not here < before or not here <= after:
            continue
        left, right = float(grid[index - 1]), float(grid[index + 1])
        turn, f_turn = extreme(function, left, right, toward_zero_from=sign)
        if abs(f_turn) <= float(function.noise(np.array([turn]))[0]):
            found, taken = exact.dip(Decimal(left), Decimal(right), sign)
            roots += found
            steps += taken
        elif (f_turn > 0) != (sign > 0):
            for low_end, high_end, end_sign in ((left, turn, sign), (turn, right, -sign)):
                estimate, taken = bisect_root(function, low_end, high_end, float(end_sign))
                root, polished = exact.root(Decimal(low_end), Decimal(high_end), end_sign, Decimal(estimate))
                roots.append(root)
                steps += taken + polished
    roots = sorted(set(roots))
    if not roots:
        return result(IrrOutcome.NO_SOLUTION, [], steps)
    if len(roots) == 1:
        return result(IrrOutcome.FOUND, roots, steps, roots[0])
    guess = bracket.guess
    nearest = min(roots, key=lambda root: abs(root - guess)) if guess is not None else None
    return result(IrrOutcome.MULTIPLE_SOLUTIONS, roots, steps, nearest)
