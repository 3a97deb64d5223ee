"""The score of every merchant as one Ibis expression over the window's aggregates.

The same fixed-point formulas as the pure rules (``rules.py``, SCORE-1..4), written
with Ibis integers so that DuckDB and Spark compute the whole score in the query: an operator's
distribution or a what-if over a million merchants never loops in Python. Integer division
compiles to ``FLOOR(a / b)``; all values stay far below 2^53, where that is exact.

Columns: ``merchant_id``, ``scored_orders``, ``status``, ``total_hundredths``, ``band``,
``score_hundredths``, and per indicator ``x__NAME`` (value units) and ``y__NAME`` (0-5 at 4
decimals), per dimension ``d__NAME``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

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

_NULL = ibis.null("int64")


def _rhu(numerator: ir.IntegerValue, denominator: ir.IntegerValue | int) -> ir.IntegerValue:
    """Half-up rounding of a non-negative ratio, as ``fixed_rules.round_half_up``."""
    return (2 * numerator + denominator) // (2 * denominator)


def _interpolate(points: Sequence[tuple[int, int]], x: ir.IntegerValue) -> ir.IntegerValue:
    """``fixed_rules.interpolate``: flat beyond both ends, half-up on each segment."""
    branches = [(x <= points[0][0], ibis.literal(points[0][1], "int64"))]
    for (x0, y0), (x1, y1) in pairwise(points):
        branches.append((x <= x1, _rhu(y0 * (x1 - x) + y1 * (x - x0), x1 - x0)))
    mapped = ibis.cases(*branches, else_=ibis.literal(points[-1][1], "int64"))
    return ibis.ifelse(x.isnull(), _NULL, mapped)


def _weighted_mean(parts: list[tuple[int, ir.IntegerValue]], scale: int = 1) -> ir.IntegerValue:
    numerator = sum((ibis.ifelse(v.isnull(), 0, w * v) for w, v in parts), ibis.literal(0))
    weights = sum((ibis.ifelse(v.isnull(), 0, w) for w, v in parts), ibis.literal(0))
    return ibis.ifelse(weights > 0, _rhu(numerator, weights * scale), _NULL)


def score_table(aggregates: ir.Table, policy: ScorePolicy) -> ir.Table:
    """Every merchant of ``aggregates`` scored under ``policy`` (SCORE-1..4).

    Built in stages (values, mappings, dimensions, total, band), each a projection over the
    one before, so that every intermediate is computed once and named in the SQL.
    """
    a = _mapped(_values(aggregates, policy), policy)
    a = _total(_dimensions(a, policy), policy)
    a = a.mutate(enough=(a.scored_orders >= policy.min_scored_orders) & a.total.notnull())
    band, score = _bands(policy, a.total)
    a = a.mutate(band_name=band, band_score=score)
    return a.select(
        "merchant_id",
        "scored_orders",
        status=ibis.ifelse(a.enough, SCORED, INSUFFICIENT),
        total_hundredths=ibis.ifelse(a.enough, a.total, _NULL),
        band=ibis.ifelse(a.enough, a.band_name, ibis.null("string")),
        score_hundredths=ibis.ifelse(a.enough, a.band_score, _NULL),
        **{name: a[name] for name in a.columns if name[:3] in ("x__", "y__", "d__")},
    )


def _values(a: ir.Table, policy: ScorePolicy) -> ir.Table:
    """Step 1: each indicator's value ``x__NAME`` in units, NULL without data (SCORE-2)."""
    values: dict[str, ir.IntegerValue] = {}
    for dimension in policy.dimensions.values():
        for name in dimension.indicators:
            measure = MEASURES[name]
            numerator, denominator = a[measure.numerator], a[measure.denominator]
            values[f"x__{name}"] = ibis.ifelse(
                denominator > 0,
                _rhu(numerator * 10**measure.decimals, denominator * measure.divisor),
                _NULL,
            )
    return a.select("merchant_id", "scored_orders", **values)


def _mapped(a: ir.Table, policy: ScorePolicy) -> ir.Table:
    """Step 2: each value mapped to 0-5 by its indicator's table, ``y__NAME`` (SCORE-2)."""
    return a.mutate(
        **{
            f"y__{name}": _interpolate(table_units(indicator, MEASURES[name]), a[f"x__{name}"])
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
    """Step 4 (SCORE-3): the weighted total of the dimensions with data, in hundredths."""
    return a.mutate(
        total=_weighted_mean(
            [
                (to_units(dimension.weight, WEIGHT_DECIMALS), a[f"d__{name}"])
                for name, dimension in policy.dimensions.items()
            ],
            scale=10 ** (MAPPED_DECIMALS - TOTAL_DECIMALS),
        )
    )


def _bands(policy: ScorePolicy, total: ir.IntegerValue) -> tuple[ir.StringValue, ir.IntegerValue]:
    """SCORE-3: the band of the rounded total and its mapping; below the floor, the first."""
    floor = to_units(policy.floor, TOTAL_DECIMALS)
    names: list[tuple[ir.BooleanValue, ir.StringValue]] = []
    scores: list[tuple[ir.BooleanValue, ir.IntegerValue]] = []
    for index, band in enumerate(policy.bands):
        lower = to_units(band.lower, TOTAL_DECIMALS)
        upper = to_units(band.upper, TOTAL_DECIMALS)
        above = total >= lower if band.lower_inclusive else total > lower
        inside = above & (total <= upper)
        if index == 0:
            inside = inside | (total < floor)
        points = [
            (to_units(px, TOTAL_DECIMALS), to_units(py, TOTAL_DECIMALS))
            for px, py in band.mapping.points
        ]
        names.append((inside, ibis.literal(band.name)))
        scores.append((inside, _interpolate(points, total)))
    return (
        ibis.cases(*names, else_=ibis.null("string")),
        ibis.cases(*scores, else_=_NULL),
    )
