"""Exact fixed-point arithmetic for the score: integers in units of 10^-d, rounded half-up.

Every path that computes a score (these pure rules, the Ibis expression on DuckDB or Spark, the
benchmark's hand-written SQL and pandas) uses the same integer formulas, so they agree to the
last digit; a float is never rounded. Values stay far below 2^53, so an engine that divides
integers through a double still floors exactly (see docs/score.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import pairwise

Points = Sequence[tuple[int, int]]


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-up, for numerator >= 0 and denominator > 0."""
    return (2 * numerator + denominator) // (2 * denominator)


def to_units(value: Decimal, decimals: int) -> int:
    """``Decimal("4.85")`` at 2 decimals -> 485; refuses a value with more decimals."""
    scaled = value.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than {decimals} decimals")
    return int(scaled)


def from_units(units: int, decimals: int) -> Decimal:
    """485 at 2 decimals -> ``Decimal("4.85")``."""
    return Decimal(units).scaleb(-decimals)


def interpolate(points: Points, x: int) -> int:
    """A piecewise-linear table in integer units, flat beyond both ends, rounded half-up.

    On the segment (x0, y0)-(x1, y1) the value is (y0 * (x1 - x) + y1 * (x - x0)) / (x1 - x0):
    both terms are non-negative, so one half-up rounding of a non-negative ratio suffices.
    """
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in pairwise(points):
        if x <= x1:
            return round_half_up(y0 * (x1 - x) + y1 * (x - x0), x1 - x0)
    return points[-1][1]


def segment(points: Points, x: int) -> tuple[int, int]:
    """Indexes of the two points whose segment holds ``x`` (equal at a clamped end)."""
    if x <= points[0][0]:
        return 0, 0
    for index in range(1, len(points)):
        if x <= points[index][0]:
            return index - 1, index
    last = len(points) - 1
    return last, last
