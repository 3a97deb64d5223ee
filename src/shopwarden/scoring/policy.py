"""Parameters of the ``score`` policy family: the shopping experience score (SCORE-1..6).

The weights, indicator tables and the total-to-score bands are data, so a revision like the
one of 2023-12-08 (SCORE-3) is a new policy version and no code changes. Validation keeps the
arithmetic sound: weights sum to 1, bands tile the scale from the floor to the ceiling, and
every consumer threshold lies on the scale.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from itertools import pairwise
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from shopwarden.policy.types import (
    Code,
    DecimalText,
    Duration,
    Multiplier,
    PiecewiseLinear,
    PolicyModel,
    PositiveCount,
    Rate,
)
from shopwarden.scoring.measures_model import (
    MAPPED_DECIMALS,
    MEASURES,
    TOTAL_DECIMALS,
    VALUE_DECIMALS,
    WEIGHT_DECIMALS,
)


def _weights_sum_to_one(weights: dict[str, Decimal], what: str) -> None:
    total = sum(weights.values(), Decimal(0))
    if total != 1:
        parts = " + ".join(f"{name} {weight}" for name, weight in weights.items())
        raise ValueError(f"{what} weights must sum to 1, they sum to {total} ({parts})")


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _at_most(values: Iterable[Decimal], decimals: int, what: str) -> None:
    """The score is exact fixed-point arithmetic (``fixed_rules.py``): each input has a scale."""
    finer = [str(v) for v in values if _decimals(v) > decimals]
    if finer:
        raise ValueError(f"{what} take at most {decimals} decimals: {', '.join(finer)}")


class Indicator(PolicyModel):
    """An order-level measure and the table that maps its value to 0-5 (SCORE-2).

    The indicator's name says which measure of ``measures_model.py`` it is; ``within`` is the
    time limit of a share-within-a-limit measure (the 3 minutes of a first reply).
    """

    weight: Rate
    measure: str = Field(min_length=1)
    table: PiecewiseLinear
    within: Duration | None = None


class Dimension(PolicyModel):
    """One of the five dimensions of SCORE-1, a weighted mix of indicators."""

    weight: Rate
    indicators: dict[Code, Indicator] = Field(min_length=1)

    @field_validator("indicators")
    @classmethod
    def _weights(cls, indicators: dict[str, Indicator]) -> dict[str, Indicator]:
        _weights_sum_to_one({name: i.weight for name, i in indicators.items()}, "indicator")
        for name, indicator in indicators.items():
            _known_measure(name, indicator)
        _at_most([i.weight for i in indicators.values()], WEIGHT_DECIMALS, "weights")
        return indicators


def _known_measure(name: str, indicator: Indicator) -> None:
    measure = MEASURES.get(name)
    if measure is None:
        raise ValueError(f"{name}: no such measure; known: {', '.join(MEASURES)}")
    if measure.needs_within != (indicator.within is not None):
        need = "needs" if measure.needs_within else "takes no"
        raise ValueError(f"{name} {need} a within time limit")
    xs = [x for x, _ in indicator.table.points]
    _at_most(xs, VALUE_DECIMALS[measure.kind], f"{name}: table x values ({measure.kind})")
    _at_most(indicator.table.y_values, MAPPED_DECIMALS, f"{name}: table scores")


class Band(PolicyModel):
    """A range of weighted totals and the table that maps a total in it to a score (SCORE-3).

    ``upper`` is inclusive; ``lower`` is inclusive only when ``lower_inclusive`` says so.
    """

    name: Code
    lower: DecimalText
    upper: DecimalText
    lower_inclusive: bool = Field(strict=True)
    mapping: PiecewiseLinear

    @field_validator("lower", "upper")
    @classmethod
    def _hundredths(cls, bound: Decimal) -> Decimal:
        _at_most([bound], TOTAL_DECIMALS, "band bounds")
        return bound

    @field_validator("upper")
    @classmethod
    def _above_lower(cls, upper: Decimal, info: ValidationInfo) -> Decimal:
        lower = info.data.get("lower")
        if lower is not None and upper <= lower:
            raise ValueError(f"upper {upper} must exceed lower {lower}")
        return upper

    @field_validator("mapping")
    @classmethod
    def _spans_band(cls, mapping: PiecewiseLinear, info: ValidationInfo) -> PiecewiseLinear:
        span = (info.data.get("lower"), info.data.get("upper"))
        if None not in span and mapping.x_range != span:
            first, last = mapping.x_range
            raise ValueError(
                f"the mapping runs from {first} to {last}; "
                f"it must run exactly from lower {span[0]} to upper {span[1]}"
            )
        _at_most([v for point in mapping.points for v in point], TOTAL_DECIMALS, "mappings")
        return mapping

    def contains(self, total: Decimal) -> bool:
        above = total >= self.lower if self.lower_inclusive else total > self.lower
        return above and total <= self.upper


class ScoreThreshold(PolicyModel):
    min_score: DecimalText


class MerchantLevel(PolicyModel):
    level: PositiveCount
    min_score: DecimalText


class Consumers(PolicyModel):
    """What the score feeds (SCORE-6), keyed by band name or by a minimum score."""

    traffic_weight: dict[Code, Multiplier]  # band name -> traffic multiplier
    unscored_traffic_weight: Multiplier  # no score yet (SCORE-4): the weight meanwhile
    campaign_thresholds: dict[Code, DecimalText]  # campaign -> minimum score to enrol
    distribution_program: ScoreThreshold  # 快分销 access
    merchant_levels: tuple[MerchantLevel, ...] = Field(min_length=1)

    @field_validator("merchant_levels")
    @classmethod
    def _levels_ascend(cls, levels: tuple[MerchantLevel, ...]) -> tuple[MerchantLevel, ...]:
        for lower, higher in pairwise(levels):
            if higher.level <= lower.level or higher.min_score < lower.min_score:
                raise ValueError("levels ascend, and a higher level needs at least the score")
        return levels

    def thresholds(self) -> list[Decimal]:
        scores = [*self.campaign_thresholds.values(), self.distribution_program.min_score]
        return scores + [level.min_score for level in self.merchant_levels]


class ScorePolicy(PolicyModel):
    """The shopping experience score of one rule version.

    Field order matters: each check reads the fields validated before it (floor, ceiling).
    """

    window_days: PositiveCount  # SCORE-1: the last 30 days
    floor: DecimalText  # SCORE-1, SCORE-3: totals below it score the floor
    ceiling: DecimalText  # SCORE-1: the 5-point scale; indicators map to 0..ceiling (SCORE-2)
    min_scored_orders: PositiveCount  # SCORE-4
    rounding: Literal["half_up_2dp"]  # SCORE-3: totals rounded before banding
    dimensions: dict[Code, Dimension] = Field(min_length=1)  # SCORE-1, SCORE-2
    bands: tuple[Band, ...] = Field(min_length=1)  # SCORE-3, ascending
    consumers: Consumers  # SCORE-6

    @field_validator("dimensions")
    @classmethod
    def _dimensions(
        cls, dimensions: dict[str, Dimension], info: ValidationInfo
    ) -> dict[str, Dimension]:
        _weights_sum_to_one({name: d.weight for name, d in dimensions.items()}, "dimension")
        _at_most([d.weight for d in dimensions.values()], WEIGHT_DECIMALS, "weights")
        ceiling = info.data.get("ceiling")
        for name, dimension in dimensions.items():
            for indicator_name, indicator in dimension.indicators.items():
                if ceiling is not None and not _within(indicator.table.y_values, 0, ceiling):
                    raise ValueError(f"{name}.{indicator_name}: the table maps to 0-{ceiling}")
        return dimensions

    @field_validator("bands")
    @classmethod
    def _bands_tile_scale(cls, bands: tuple[Band, ...], info: ValidationInfo) -> tuple[Band, ...]:
        floor, ceiling = info.data.get("floor"), info.data.get("ceiling")
        if floor is None or ceiling is None:
            return bands
        if bands[0].lower != floor or not bands[0].lower_inclusive:
            raise ValueError(f"the first band starts at the floor {floor}, inclusive")
        if bands[-1].upper != ceiling:
            raise ValueError(f"the last band ends at the ceiling {ceiling}")
        for below, above in pairwise(bands):
            if above.lower != below.upper or above.lower_inclusive:
                raise ValueError(
                    f"band {above.name} must start where {below.name} ends ({below.upper}), "
                    "exclusive, so that every total falls in exactly one band"
                )
        for band in bands:
            if not _within(band.mapping.y_values, floor, ceiling):
                raise ValueError(f"band {band.name} maps outside {floor}-{ceiling}")
        return bands

    @field_validator("consumers")
    @classmethod
    def _consumers_fit(cls, consumers: Consumers, info: ValidationInfo) -> Consumers:
        bands = info.data.get("bands")
        if bands is not None:
            unlisted = set(consumers.traffic_weight) ^ {band.name for band in bands}
            if unlisted:
                raise ValueError(f"traffic_weight must name each band once: {sorted(unlisted)}")
        floor, ceiling = info.data.get("floor"), info.data.get("ceiling")
        if floor is not None and ceiling is not None:
            off = [str(s) for s in consumers.thresholds() if not floor <= s <= ceiling]
            if off:
                raise ValueError(f"thresholds off the {floor}-{ceiling} scale: {', '.join(off)}")
        return consumers

    def band_for(self, total: Decimal) -> Band:
        """The band of a (rounded) total; totals below the floor fall in the first band."""
        if total < self.floor:
            return self.bands[0]
        for band in self.bands:
            if band.contains(total):
                return band
        raise ValueError(f"total {total} is above the ceiling {self.ceiling}")


def _within(values: Iterable[Decimal], low: Decimal | int, high: Decimal) -> bool:
    return all(low <= value <= high for value in values)
