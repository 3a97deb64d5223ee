"""The shopping experience score of one merchant, from its window's aggregates (SCORE-1..4).

Pure: whole-number aggregates and a :class:`ScorePolicy` in, a :class:`ScoreResult` with its
full breakdown out. The arithmetic is the fixed-point one of ``fixed_rules.py``:

1. each indicator's value = numerator / denominator, rounded half-up at its measure's decimals
   (an indicator whose denominator is 0 has no data, and is left out);
2. mapped to 0-5 by its piecewise-linear table, at 4 decimals (SCORE-2);
3. each dimension = weighted mean of its indicators with data, at 4 decimals;
4. the weighted total = weighted mean of the dimensions with data, rounded half-up to 2
   decimals (SCORE-3). Default (SPEC SCORE-2): the weight of an indicator or dimension without
   data is shared among the others in proportion to their weights;
5. the total's band, and its score by the band's mapping; totals below the floor score the
   floor (SCORE-1, SCORE-3);
6. fewer scored orders than the policy minimum: no score, "insufficient data" (SCORE-4).

The Ibis expression in ``score_table.py`` computes steps 1-5 with the same formulas; the
parity tests hold the two to the same digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shopwarden.scoring.fixed_rules import from_units, interpolate, round_half_up, segment, to_units
from shopwarden.scoring.measures_model import (
    MAPPED_DECIMALS,
    MEASURES,
    TOTAL_DECIMALS,
    WEIGHT_DECIMALS,
    Measure,
)
from shopwarden.scoring.policy import Indicator, ScorePolicy

SCORED = "scored"
INSUFFICIENT = "insufficient_data"
_FOUR = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    name: str
    measure: str
    numerator: int
    denominator: int
    value: Decimal | None  # None: no data in the window
    mapped: Decimal | None  # 0-5
    segment: tuple[tuple[Decimal, Decimal], tuple[Decimal, Decimal]] | None
    weight: Decimal  # within its dimension, per policy
    share: Decimal  # effective share of the total after redistribution
    contribution: Decimal  # share x mapped, to 4 decimals


@dataclass(frozen=True, slots=True)
class DimensionResult:
    name: str
    weight: Decimal
    score: Decimal | None
    share: Decimal
    contribution: Decimal
    indicators: tuple[IndicatorResult, ...]


@dataclass(frozen=True, slots=True)
class ScoreResult:
    status: str  # scored | insufficient_data
    scored_orders: int
    min_scored_orders: int
    total: Decimal | None
    band: str | None
    score: Decimal | None
    dimensions: tuple[DimensionResult, ...]

    @property
    def scored(self) -> bool:
        return self.status == SCORED

    @property
    def total_hundredths(self) -> int | None:
        return None if self.total is None else to_units(self.total, TOTAL_DECIMALS)

    @property
    def score_hundredths(self) -> int | None:
        return None if self.score is None else to_units(self.score, TOTAL_DECIMALS)


def indicator_units(measure: Measure, numerator: int, denominator: int) -> int | None:
    """Step 1: the value in units of 10^-decimals, or None without data."""
    if denominator <= 0:
        return None
    scaled = numerator * 10**measure.decimals
    return round_half_up(scaled, denominator * measure.divisor)


def table_units(indicator: Indicator, measure: Measure) -> list[tuple[int, int]]:
    return [
        (to_units(x, measure.decimals), to_units(y, MAPPED_DECIMALS))
        for x, y in indicator.table.points
    ]


def weighted_mean(parts: list[tuple[int, int]], scale: int = 1) -> int | None:
    """Steps 3 and 4: sum(weight x value) / (sum(weight) x scale), rounded half-up."""
    weights = sum(weight for weight, _ in parts)
    if weights == 0:
        return None
    return round_half_up(sum(weight * value for weight, value in parts), weights * scale)


def band_score(policy: ScorePolicy, total_hundredths: int) -> tuple[str, int]:
    """Step 5 (SCORE-3): the band of a rounded total and the score its mapping gives."""
    total = from_units(total_hundredths, TOTAL_DECIMALS)
    band = policy.band_for(total)
    points = [
        (to_units(x, TOTAL_DECIMALS), to_units(y, TOTAL_DECIMALS)) for x, y in band.mapping.points
    ]
    return band.name, interpolate(points, total_hundredths)


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A policy's tables and weights in integer units, converted once per evaluation run."""

    tables: dict[str, list[tuple[int, int]]]
    indicator_weights: dict[str, int]
    dimension_weights: dict[str, int]


def compile_policy(policy: ScorePolicy) -> _Compiled:
    tables, weights = {}, {}
    for dimension in policy.dimensions.values():
        for name, indicator in dimension.indicators.items():
            tables[name] = table_units(indicator, MEASURES[name])
            weights[name] = to_units(indicator.weight, WEIGHT_DECIMALS)
    return _Compiled(
        tables,
        weights,
        {n: to_units(d.weight, WEIGHT_DECIMALS) for n, d in policy.dimensions.items()},
    )


def evaluate(
    policy: ScorePolicy, aggregates: Mapping[str, int], compiled: _Compiled | None = None
) -> ScoreResult:
    """SCORE-1..4 for one merchant. ``aggregates`` holds every name of ``AGGREGATES``;
    ``compiled`` (from :func:`compile_policy`) saves the conversions when scoring many."""
    units = compiled or compile_policy(policy)
    evaluated = {
        name: _indicators(dimension.indicators, aggregates, units)
        for name, dimension in policy.dimensions.items()
    }
    dimension_units = {
        name: weighted_mean([(w, y) for w, y, *_ in rows if y is not None])
        for name, rows in evaluated.items()
    }
    dimension_parts = [
        (units.dimension_weights[name], value)
        for name, value in dimension_units.items()
        if value is not None
    ]
    dimension_weights = sum(weight for weight, _ in dimension_parts)
    scored_orders = aggregates["scored_orders"]
    total = weighted_mean(dimension_parts, scale=10 ** (MAPPED_DECIMALS - TOTAL_DECIMALS))
    if scored_orders < policy.min_scored_orders or total is None:
        status, total, band, score = INSUFFICIENT, None, None, None
    else:
        status = SCORED
        band, score = band_score(policy, total)
    dimensions = []
    for name, rows in evaluated.items():
        weight = units.dimension_weights[name]
        value = dimension_units[name]
        share = _ratio(weight if value is not None else 0, dimension_weights)
        dimensions.append(_dimension(policy, name, rows, value, share))
    return ScoreResult(
        status=status,
        scored_orders=scored_orders,
        min_scored_orders=policy.min_scored_orders,
        total=None if total is None else from_units(total, TOTAL_DECIMALS),
        band=band,
        score=None if score is None else from_units(score, TOTAL_DECIMALS),
        dimensions=tuple(dimensions),
    )


_Row = tuple[int, int | None, int | None, str, int, int, tuple[int, int] | None]


def _indicators(
    indicators: Mapping[str, Indicator], aggregates: Mapping[str, int], units: _Compiled
) -> list[_Row]:
    rows: list[_Row] = []
    for name in indicators:
        measure = MEASURES[name]
        numerator, denominator = aggregates[measure.numerator], aggregates[measure.denominator]
        x = indicator_units(measure, numerator, denominator)
        points = units.tables[name]
        y = None if x is None else interpolate(points, x)
        found = None if x is None else segment(points, x)
        rows.append((units.indicator_weights[name], y, x, name, numerator, denominator, found))
    return rows


def _dimension(
    policy: ScorePolicy, name: str, rows: list[_Row], units: int | None, share: Decimal
) -> DimensionResult:
    dimension = policy.dimensions[name]
    with_data = sum(weight for weight, y, *_ in rows if y is not None)
    indicators = []
    for weight, y, x, indicator_name, numerator, denominator, found in rows:
        indicator = dimension.indicators[indicator_name]
        measure = MEASURES[indicator_name]
        inner = _ratio(weight if y is not None else 0, with_data)
        mapped = None if y is None else from_units(y, MAPPED_DECIMALS)
        indicators.append(
            IndicatorResult(
                name=indicator_name,
                measure=indicator.measure,
                numerator=numerator,
                denominator=denominator,
                value=None if x is None else from_units(x, measure.decimals),
                mapped=mapped,
                segment=None
                if found is None
                else (indicator.table.points[found[0]], indicator.table.points[found[1]]),
                weight=indicator.weight,
                share=_quantize(share * inner),
                contribution=_quantize(share * inner * (mapped or 0)),
            )
        )
    score = None if units is None else from_units(units, MAPPED_DECIMALS)
    return DimensionResult(
        name=name,
        weight=dimension.weight,
        score=score,
        share=_quantize(share),
        contribution=_quantize(share * (score or 0)),
        indicators=tuple(indicators),
    )


def _ratio(part: int, whole: int) -> Decimal:
    return Decimal(part) / Decimal(whole) if whole else Decimal(0)


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(_FOUR, rounding=ROUND_HALF_UP)
