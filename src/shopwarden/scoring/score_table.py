"""The score of every merchant as one Ibis expression over the window's aggregates.

The same fixed-point formulas as the pure rules (``rules.py``, SCORE-1..4), written
with Ibis integers so that DuckDB and Spark compute the whole score in the query: an operator's
distribution or a what-if over a million merchants never loops in Python. Integer division
compiles to ``FLOOR(a / b)``; all values stay far below 2^53, where that is exact.

The expression is kept small, because Ibis spends about a millisecond per node building and
compiling it: every constant of a formula is folded in Python (a segment of a table is one
``(a * x + b) // c``), a division by zero is a division by NULL (``NULLIF``: no data), and the
bands, which tile the scale and whose mappings span them exactly (``policy.py``), make one
piecewise-linear table over the whole scale.

Columns: ``merchant_id``, ``scored_orders``, ``status``, ``total_hundredths``, ``band``,
``score_hundredths``, and per indicator ``x__NAME`` (value units) and ``y__NAME`` (0-5 at 4
decimals), per dimension ``d__NAME``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from itertools import pairwise
from operator import add

import ibis  # type: ignore[import-untyped]
import ibis.expr.types as ir  # type: ignore[import-untyped]

from shopwarden.scoring.fixed_rules import to_units
from shopwarden.scoring.measures_model import (
    MAPPED_DECIMALS,
    MEASURES,
    TOTAL_DECIMALS,
    WEIGHT_DECIMALS,
)
from shopwarden.scoring.policy import ScorePolicy
from shopwarden.scoring.rules import INSUFFICIENT, SCORED, table_units

Points = Sequence[tuple[int, int]]


def _int(value: int) -> ir.IntegerScalar:
    return ibis.literal(value, "int64")


def _half_up(numerator: ir.IntegerValue, denominator: ir.IntegerValue) -> ir.IntegerValue:
    """``(2n + d) // 2d`` already doubled by the caller: ``numerator // denominator`` for a
    non-negative numerator, NULL where the denominator is 0 (no data)."""
    return numerator // denominator.nullif(0)


def _segment(x: ir.IntegerValue, start: tuple[int, int], end: tuple[int, int]) -> ir.IntegerValue:
    """``fixed_rules.interpolate`` on one segment, its constants folded: half-up of
    ``(y0 (x1 - x) + y1 (x - x0)) / (x1 - x0)`` is ``(a x + b) // c`` (a non-negative
    numerator on the segment, so floor and the rules' ``//`` agree)."""
    (x0, y0), (x1, y1) = start, end
    a, b, c = 2 * (y1 - y0), 2 * (y0 * x1 - y1 * x0) + (x1 - x0), 2 * (x1 - x0)
    if a == 0:
        return _int(y0)  # a flat segment: (b // c) == y0
    return (x * a + b) // c


def _segments(x: ir.IntegerValue, points: Points) -> list[tuple[ir.BooleanValue, ir.IntegerValue]]:
    """The branches of a table from its first point to its last: each segment where ``x``
    reaches its end first."""
    return [(x <= end[0], _segment(x, start, end)) for start, end in pairwise(points)]


def _piecewise(x: ir.IntegerValue, points: Points) -> ir.IntegerValue:
    """``fixed_rules.interpolate``: flat beyond both ends; NULL for a NULL ``x`` (every
    WHEN is NULL then, and there is no ELSE)."""
    first, last = points[0], points[-1]
    branches = [(x <= first[0], _int(first[1])), *_segments(x, points)]
    return ibis.cases(*branches, (x > last[0], _int(last[1])))


def _weighted_mean(parts: list[tuple[int, ir.IntegerValue]], scale: int = 1) -> ir.IntegerValue:
    """``rules.weighted_mean`` over the parts with data (a NULL part has none), half-up."""
    numerator = reduce(add, [(v * _int(w)).fill_null(0) for w, v in parts])
    weights = reduce(add, [ibis.ifelse(v.isnull(), 0, _int(w)) for w, v in parts])
    return _half_up(numerator * 2 + weights * scale, weights * (2 * scale))


def score_table(aggregates: ir.Table, policy: ScorePolicy) -> ir.Table:
    """Every merchant of ``aggregates`` scored under ``policy`` (SCORE-1..4).

    Built in stages (values, mappings, dimensions, total), each a projection over the one
    before, so that every intermediate is computed once and named in the SQL.
    """
    a = _mapped(_values(aggregates, policy), policy)
    a = _total(_dimensions(a, policy), policy)
    total = a.total
    return a.select(
        "merchant_id",
        "scored_orders",
        status=ibis.ifelse(total.isnull(), INSUFFICIENT, SCORED),
        total_hundredths=total,
        band=_band(policy, total),
        score_hundredths=_band_score(policy, total),
        **{name: a[name] for name in a.columns if name[:3] in ("x__", "y__", "d__")},
    )


def _values(a: ir.Table, policy: ScorePolicy) -> ir.Table:
    """Step 1: each indicator's value ``x__NAME`` in units, NULL without data (SCORE-2)."""
    values: dict[str, ir.IntegerValue] = {}
    for dimension in policy.dimensions.values():
        for name in dimension.indicators:
            measure = MEASURES[name]
            numerator, denominator = a[measure.numerator], a[measure.denominator]
            # half-up of numerator * 10^decimals / (denominator * divisor)
            scaled = denominator * measure.divisor if measure.divisor != 1 else denominator
            values[f"x__{name}"] = _half_up(
                numerator * (2 * 10**measure.decimals) + scaled,
                denominator * (2 * measure.divisor),
            )
    return a.select("merchant_id", "scored_orders", **values)


def _mapped(a: ir.Table, policy: ScorePolicy) -> ir.Table:
    """Step 2: each value mapped to 0-5 by its indicator's table, ``y__NAME`` (SCORE-2)."""
    return a.mutate(
        **{
            f"y__{name}": _piecewise(a[f"x__{name}"], table_units(indicator, MEASURES[name]))
            for dimension in policy.dimensions.values()
            for name, indicator in dimension.indicators.items()
        }
    )


def _dimensions(a: ir.Table, policy: ScorePolicy) -> ir.Table:
    """Step 3: each dimension ``d__NAME``, the weighted mean of its indicators with data."""
    return a.mutate(
        **{
            f"d__{dimension_name}": _weighted_mean(
                [
                    (to_units(indicator.weight, WEIGHT_DECIMALS), a[f"y__{name}"])
                    for name, indicator in dimension.indicators.items()
                ]
            )
            for dimension_name, dimension in policy.dimensions.items()
        }
    )


def _total(a: ir.Table, policy: ScorePolicy) -> ir.Table:
    """Step 4 (SCORE-3, SCORE-4): the weighted total of the dimensions with data, in
    hundredths; NULL without data or with fewer scored orders than the policy's minimum."""
    total = _weighted_mean(
        [
            (to_units(dimension.weight, WEIGHT_DECIMALS), a[f"d__{name}"])
            for name, dimension in policy.dimensions.items()
        ],
        scale=10 ** (MAPPED_DECIMALS - TOTAL_DECIMALS),
    )
    enough = a.scored_orders >= policy.min_scored_orders
    return a.mutate(total=ibis.ifelse(enough, total, ibis.null("int64")))


def _band(policy: ScorePolicy, total: ir.IntegerValue) -> ir.StringValue:
    """SCORE-3: the band of the rounded total; below the floor, the first. The bands tile the
    scale upwards, each ``(lower, upper]`` but the first, so the first upper bound at or above
    the total names it (NULL above the ceiling, or for a NULL total)."""
    return ibis.cases(
        *[(total <= to_units(band.upper, TOTAL_DECIMALS), band.name) for band in policy.bands]
    )


def _band_score(policy: ScorePolicy, total: ir.IntegerValue) -> ir.IntegerValue:
    """SCORE-3: the total mapped by its band (``rules.band_score``). Each band's mapping runs
    exactly from its lower to its upper bound, and the bands tile the scale upwards, so the
    mappings joined end to end are one table whose segments a total meets in its own band
    first; below the floor, the first point's score (SCORE-1); NULL above the ceiling."""
    bands = [
        [(to_units(x, TOTAL_DECIMALS), to_units(y, TOTAL_DECIMALS)) for x, y in b.mapping.points]
        for b in policy.bands
    ]
    first = bands[0][0]
    branches = [(total <= first[0], _int(first[1]))]
    for points in bands:
        branches += _segments(total, points)
    return ibis.cases(*branches)
