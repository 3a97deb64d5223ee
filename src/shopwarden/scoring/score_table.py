"""The score of every merchant as one Ibis expression over the window's aggregates.

The same fixed-point formulas as the pure rules (``rules.py``, SCORE-1..4), written
with Ibis integers so that DuckDB and Spark compute the whole score in the query: an operator's
distribution or a what-if over a million merchants never loops in Python. Every division has a
non-negative numerator and a positive denominator, so the engine's integer division
(``metrics/primitives.py``: DuckDB's ``divide``, Spark's ``div``, or Ibis's portable
``FLOOR(a / b)``, exact below 2^53) gives the rules' ``//``.

The expression is kept small, because Ibis spends about a millisecond per node building and
compiling it, and every node is work per merchant: each constant of a formula is folded in
Python (a segment of a table is one ``(a * x + b) / c``), a division by zero is a division by
NULL (``NULLIF``: no data), and the bands, which tile the scale and whose mappings span them
exactly (``policy.py``), make one piecewise-linear table over the whole scale.

Columns: ``merchant_id``, ``scored_orders``, ``status``, ``total_hundredths``, ``band``,
``score_hundredths``, and per indicator ``x__NAME`` (value units) and ``y__NAME`` (0-5 at 4
decimals), per dimension ``d__NAME``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache, reduce
from itertools import pairwise
from operator import add

import ibis  # type: ignore[import-untyped]
import ibis.expr.types as ir  # type: ignore[import-untyped]

from shopwarden.metrics.primitives import Divide, portable_divide
from shopwarden.scoring.fixed_rules import to_units
from shopwarden.scoring.measures_model import (
    AGGREGATES,
    MAPPED_DECIMALS,
    MEASURES,
    TOTAL_DECIMALS,
    WEIGHT_DECIMALS,
)
from shopwarden.scoring.policy import ScorePolicy
from shopwarden.scoring.rules import INSUFFICIENT, SCORED, table_units

_NULL = ibis.null("int64")
_BREAKDOWN = ("x__", "y__", "d__")
Points = Sequence[tuple[int, int]]
Branches = list[tuple[ir.BooleanValue, ir.IntegerValue]]
AGGREGATES_SCHEMA = ibis.schema({"merchant_id": "string", **dict.fromkeys(AGGREGATES, "int64")})
"""What ``aggregates.window_aggregates`` gives, one row per merchant."""


def _int(value: int) -> ir.IntegerScalar:
    return ibis.literal(value, "int64")


@dataclass(frozen=True)
class _Arithmetic:
    """``fixed_rules`` in Ibis, with the engine's integer division."""

    divide: Divide

    def half_up(self, doubled: ir.IntegerValue, denominator: ir.IntegerValue) -> ir.IntegerValue:
        """``round_half_up(n, d)`` given ``2n + d`` and ``2d``; NULL where ``d`` is 0."""
        return self.divide(doubled, denominator.nullif(0))

    def segment(
        self, x: ir.IntegerValue, start: tuple[int, int], end: tuple[int, int]
    ) -> ir.IntegerValue:
        """``interpolate`` on one segment, its constants folded: the half-up of
        ``(y0 (x1 - x) + y1 (x - x0)) / (x1 - x0)`` is ``(a x + b) / c``, whose numerator is
        not negative on the segment."""
        (x0, y0), (x1, y1) = start, end
        a, b, c = 2 * (y1 - y0), 2 * (y0 * x1 - y1 * x0) + (x1 - x0), 2 * (x1 - x0)
        if a == 0:
            return _int(y0)  # a flat segment: b / c is y0
        return self.divide(x * a + b, c)

    def segments(self, x: ir.IntegerValue, points: Points) -> Branches:
        """A table's branches from its first point to its last: the first segment whose end
        ``x`` does not pass."""
        return [(x <= end[0], self.segment(x, start, end)) for start, end in pairwise(points)]

    def piecewise(self, x: ir.IntegerValue, points: Points) -> ir.IntegerValue:
        """``interpolate``: flat beyond both ends; NULL for a NULL ``x`` (every WHEN is NULL
        then, and there is no ELSE)."""
        first, last = points[0], points[-1]
        branches = [(x <= first[0], _int(first[1])), *self.segments(x, points)]
        return ibis.cases(*branches, (x > last[0], _int(last[1])))

    def weighted_mean(
        self, parts: list[tuple[int, ir.IntegerValue]], scale: int = 1
    ) -> ir.IntegerValue:
        """``rules.weighted_mean`` over the parts with data (a NULL part has none)."""
        numerator = reduce(add, [(v * _int(w)).fill_null(0) for w, v in parts])
        weights = reduce(add, [ibis.ifelse(v.isnull(), 0, _int(w)) for w, v in parts])
        return self.half_up(numerator * 2 + weights * scale, weights * (2 * scale))


def score_stage(
    policy: ScorePolicy,
    columns: Sequence[str] | None = None,
    *,
    divide: Divide = portable_divide,
) -> ir.Table:
    """``score_table`` over an unbound table of ``AGGREGATES_SCHEMA`` (``columns`` of it, or
    all), built once per policy content: the engine compiles such a stage once and runs it
    over each call's aggregates (``FactsEngine.to_arrow_over``). Without a breakdown column
    (``x__``, ``y__``, ``d__``) only the merchants with enough orders are worked out."""
    wanted = None if columns is None else tuple(columns)
    return _stage(policy.model_dump_json(), wanted, divide)


@lru_cache(maxsize=16)
def _stage(policy: str, columns: tuple[str, ...] | None, divide: Divide) -> ir.Table:
    breakdown = columns is None or any(name[:3] in _BREAKDOWN for name in columns)
    table = score_table(
        ibis.table(AGGREGATES_SCHEMA, name="score_aggregates"),
        ScorePolicy.model_validate_json(policy),
        divide=divide,
        breakdown=breakdown,
    )
    return table if columns is None else table.select(*columns)


def score_table(
    aggregates: ir.Table,
    policy: ScorePolicy,
    *,
    divide: Divide = portable_divide,
    breakdown: bool = True,
) -> ir.Table:
    """Every merchant of ``aggregates`` scored under ``policy`` (SCORE-1..4).

    Built in stages (values, mappings, dimensions, total), each a projection over the one
    before, so that every intermediate is computed once and named in the SQL. Without the
    ``breakdown``, the indicators of a merchant with too few orders to be scored (SCORE-4)
    are left NULL, not worked out: its status, total, band and score are the same.
    """
    arithmetic = _Arithmetic(divide)
    enough = aggregates.scored_orders >= policy.min_scored_orders
    values = _values(aggregates, policy, arithmetic, None if breakdown else enough)
    a = _mapped(values, policy, arithmetic)
    a = _total(_dimensions(a, policy, arithmetic), policy, arithmetic)
    total = a.total
    return a.select(
        "merchant_id",
        "scored_orders",
        status=ibis.ifelse(total.isnull(), INSUFFICIENT, SCORED),
        total_hundredths=total,
        band=_band(policy, total),
        score_hundredths=_band_score(policy, total, arithmetic),
        **{name: a[name] for name in a.columns if name[:3] in _BREAKDOWN},
    )


def _values(
    a: ir.Table, policy: ScorePolicy, arithmetic: _Arithmetic, only: ir.BooleanValue | None
) -> ir.Table:
    """Step 1: each indicator's value ``x__NAME`` in units, NULL without data (SCORE-2): the
    half-up of numerator x 10^decimals / (denominator x divisor); NULL unless ``only``."""
    values: dict[str, ir.IntegerValue] = {}
    for dimension in policy.dimensions.values():
        for name in dimension.indicators:
            measure = MEASURES[name]
            numerator, denominator = a[measure.numerator], a[measure.denominator]
            scaled = denominator * measure.divisor if measure.divisor != 1 else denominator
            value = arithmetic.half_up(
                numerator * (2 * 10**measure.decimals) + scaled,
                denominator * (2 * measure.divisor),
            )
            values[f"x__{name}"] = value if only is None else ibis.ifelse(only, value, _NULL)
    return a.select("merchant_id", "scored_orders", **values)


def _mapped(a: ir.Table, policy: ScorePolicy, arithmetic: _Arithmetic) -> ir.Table:
    """Step 2: each value mapped to 0-5 by its indicator's table, ``y__NAME`` (SCORE-2)."""
    return a.mutate(
        **{
            f"y__{name}": arithmetic.piecewise(
                a[f"x__{name}"], table_units(indicator, MEASURES[name])
            )
            for dimension in policy.dimensions.values()
            for name, indicator in dimension.indicators.items()
        }
    )


def _dimensions(a: ir.Table, policy: ScorePolicy, arithmetic: _Arithmetic) -> ir.Table:
    """Step 3: each dimension ``d__NAME``, the weighted mean of its indicators with data."""
    return a.mutate(
        **{
            f"d__{dimension_name}": arithmetic.weighted_mean(
                [
                    (to_units(indicator.weight, WEIGHT_DECIMALS), a[f"y__{name}"])
                    for name, indicator in dimension.indicators.items()
                ]
            )
            for dimension_name, dimension in policy.dimensions.items()
        }
    )


def _total(a: ir.Table, policy: ScorePolicy, arithmetic: _Arithmetic) -> ir.Table:
    """Step 4 (SCORE-3, SCORE-4): the weighted total of the dimensions with data, in
    hundredths; NULL without data or with fewer scored orders than the policy's minimum."""
    total = arithmetic.weighted_mean(
        [
            (to_units(dimension.weight, WEIGHT_DECIMALS), a[f"d__{name}"])
            for name, dimension in policy.dimensions.items()
        ],
        scale=10 ** (MAPPED_DECIMALS - TOTAL_DECIMALS),
    )
    enough = a.scored_orders >= policy.min_scored_orders
    return a.mutate(total=ibis.ifelse(enough, total, _NULL))


def _band(policy: ScorePolicy, total: ir.IntegerValue) -> ir.StringValue:
    """SCORE-3: the band of the rounded total; below the floor, the first. The bands tile the
    scale upwards, each ``(lower, upper]`` but the first, so the first upper bound at or above
    the total names it (NULL above the ceiling, or for a NULL total)."""
    return ibis.cases(
        *[(total <= to_units(band.upper, TOTAL_DECIMALS), band.name) for band in policy.bands]
    )


def _band_score(
    policy: ScorePolicy, total: ir.IntegerValue, arithmetic: _Arithmetic
) -> ir.IntegerValue:
    """SCORE-3: the total mapped by its band (``rules.band_score``). Each band's mapping runs
    exactly from its lower to its upper bound, and the bands tile the scale upwards, so the
    mappings joined end to end are one table whose segments a total meets in its own band
    first; below the floor, the first point's score (SCORE-1); NULL above the ceiling."""
    bands = [
        [(to_units(x, TOTAL_DECIMALS), to_units(y, TOTAL_DECIMALS)) for x, y in b.mapping.points]
        for b in policy.bands
    ]
    first = bands[0][0]
    branches: Branches = [(total <= first[0], _int(first[1]))]
    for points in bands:
        branches += arithmetic.segments(total, points)
    return ibis.cases(*branches)
