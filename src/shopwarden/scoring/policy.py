"""Parameters of the ``score`` policy family: the shopping experience score (SCORE-1..6).

The weights, indicator tables and the total-to-score bands are data, so a revision like the
one of 2023-12-08 (SCORE-3) is a new policy version and no code changes. Validation keeps the
arithmetic sound: weights sum to 1, bands tile the scale from the floor to the ceiling, and
every consumer threshold lies on the scale.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Self

from pydantic import Field, model_validator

from shopwarden.policy.types import (
    Code,
    DecimalText,
    Multiplier,
    PiecewiseLinear,
    PolicyModel,
    PositiveCount,
    Rate,
)

INDICATOR_MAX = Decimal(5)  # SCORE-2: every indicator maps to 0-5


def _weights_sum_to_one(weights: dict[str, Decimal], what: str) -> None:
    total = sum(weights.values(), Decimal(0))
    if total != 1:
        parts = " + ".join(f"{name} {weight}" for name, weight in weights.items())
        raise ValueError(f"{what} weights must sum to 1, they sum to {total} ({parts})")


class Indicator(PolicyModel):
    """An order-level measure and the table that maps its value to 0-5 (SCORE-2)."""

    weight: Rate
    measure: str = Field(min_length=1)
    table: PiecewiseLinear

    @model_validator(mode="after")
    def _maps_to_0_5(self) -> Self:
        if any(not 0 <= y <= INDICATOR_MAX for y in self.table.y_values):
            raise ValueError("an indicator table maps to scores between 0 and 5")
        return self


class Dimension(PolicyModel):
    """One of the five dimensions of SCORE-1, a weighted mix of indicators."""

    weight: Rate
    indicators: dict[Code, Indicator] = Field(min_length=1)

    @model_validator(mode="after")
    def _weights(self) -> Self:
        _weights_sum_to_one({k: v.weight for k, v in self.indicators.items()}, "indicator")
        return self


class Band(PolicyModel):
    """A range of weighted totals and the table that maps a total in it to a score (SCORE-3).

    ``upper`` is inclusive; ``lower`` is inclusive only when ``lower_inclusive`` says so.
    """

    name: Code
    lower: DecimalText
    upper: DecimalText
    lower_inclusive: bool = Field(strict=True)
    mapping: PiecewiseLinear

    @model_validator(mode="after")
    def _mapping_spans_band(self) -> Self:
        if self.upper <= self.lower:
            raise ValueError(f"band {self.name}: upper {self.upper} must exceed lower {self.lower}")
        if self.mapping.x_range != (self.lower, self.upper):
            first, last = self.mapping.x_range
            raise ValueError(
                f"band {self.name}: the mapping runs from {first} to {last}, "
                f"it must run exactly from {self.lower} to {self.upper}"
            )
        return self

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
    campaign_thresholds: dict[Code, DecimalText]  # campaign -> minimum score to enrol
    distribution_program: ScoreThreshold  # 快分销 access
    merchant_levels: tuple[MerchantLevel, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _levels_ascend(self) -> Self:
        levels = self.merchant_levels
        for lower, higher in zip(levels, levels[1:], strict=False):
            if higher.level <= lower.level or higher.min_score < lower.min_score:
                raise ValueError("merchant_levels ascend: higher levels need higher scores")
        return self

    def thresholds(self) -> list[Decimal]:
        scores = [*self.campaign_thresholds.values(), self.distribution_program.min_score]
        return scores + [level.min_score for level in self.merchant_levels]


class ScorePolicy(PolicyModel):
    """The shopping experience score of one rule version."""

    window_days: PositiveCount  # SCORE-1: the last 30 days
    floor: DecimalText  # SCORE-1, SCORE-3: totals below it score the floor
    ceiling: DecimalText  # SCORE-1: the 5-point scale
    min_scored_orders: PositiveCount  # SCORE-4
    dimensions: dict[Code, Dimension] = Field(min_length=1)  # SCORE-1
    bands: tuple[Band, ...] = Field(min_length=1)  # SCORE-3, ascending
    rounding: Literal["half_up_2dp"]  # SCORE-3: totals rounded before banding
    consumers: Consumers  # SCORE-6

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        _weights_sum_to_one({k: v.weight for k, v in self.dimensions.items()}, "dimension")
        self._check_bands()
        unknown = set(self.consumers.traffic_weight) ^ {band.name for band in self.bands}
        if unknown:
            raise ValueError(f"consumers.traffic_weight must name every band, once: {sorted(unknown)}")
        off_scale = [s for s in self.consumers.thresholds() if not self.floor <= s <= self.ceiling]
        if off_scale:
            raise ValueError(f"consumer thresholds off the {self.floor}-{self.ceiling} scale: {off_scale}")
        return self

    def _check_bands(self) -> None:
        bands = self.bands
        if bands[0].lower != self.floor or not bands[0].lower_inclusive:
            raise ValueError(f"the first band starts at the floor {self.floor}, inclusive")
        if bands[-1].upper != self.ceiling:
            raise ValueError(f"the last band ends at the ceiling {self.ceiling}")
        for below, above in zip(bands, bands[1:], strict=False):
            if above.lower != below.upper or above.lower_inclusive:
                raise ValueError(
                    f"band {above.name} must start where {below.name} ends ({below.upper}), "
                    "exclusive, so that every total falls in exactly one band"
                )
        for band in bands:
            if any(not self.floor <= y <= self.ceiling for y in band.mapping.y_values):
                raise ValueError(f"band {band.name} maps outside {self.floor}-{self.ceiling}")

    def band_for(self, total: Decimal) -> Band:
        """The band of a (rounded) total; totals below the floor fall in the first band."""
        if total < self.floor:
            return self.bands[0]
        for band in self.bands:
            if band.contains(total):
                return band
        raise ValueError(f"total {total} is above the ceiling {self.ceiling}")
