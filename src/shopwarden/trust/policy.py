"""Parameters of the ``trust`` policy family: trust purchase, 信任购 (TRUST-1..5, seed 003).

The seed names the rights catalogue only by example and gives no admission number, so nearly
everything here is a Default listed under ``assumptions:`` in the policy file. Thresholds carry
their measure, comparison and window, so the explanation of a decision (POL-3) can show the
value, the target and the condition exactly as the policy states them.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from shopwarden.policy.types import (
    Code,
    Codes,
    DecimalText,
    Multiplier,
    PolicyModel,
    PositiveCount,
    Rate,
)

Identity = Literal["goods_owner", "seller"]
"""货主 sells its own goods (``products.origin = self_built``); 带货 promotes others' goods
(``distributed``). A product sells under exactly one of them (TRUST-4)."""

IDENTITIES: tuple[Identity, ...] = ("goods_owner", "seller")
ORIGIN_IDENTITY: dict[str, Identity] = {"self_built": "goods_owner", "distributed": "seller"}

MeasureName = Literal[
    "experience_score",
    "paid_orders",
    "quality_refund_rate",
    "dispute_rate",
    "complaint_rate",
    "on_time_shipment_rate",
]
"""What a threshold reads: the merchant's shopping experience score (SCORE-1, its own window)
or a count or rate over the identity's orders of the last ``window_days`` days."""

SCORE_MEASURE = "experience_score"


class Right(PolicyModel):
    """One guarantee of the rights catalogue (TRUST-1)."""

    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    kind: Literal["product", "after_sales"]


class Threshold(PolicyModel):
    """One admission condition: ``value <op> target`` must hold (TRUST-2)."""

    measure: MeasureName
    op: Literal[">=", ">", "<=", "<"]
    target: DecimalText
    window_days: PositiveCount | None = None  # None only for the score: its own window

    @model_validator(mode="after")
    def _window_where_needed(self) -> Self:
        if (self.measure == SCORE_MEASURE) != (self.window_days is None):
            raise ValueError("window_days is required for an order measure, not for the score")
        return self


class Admission(PolicyModel):
    """Admission thresholds for both identities of TRUST-4."""

    goods_owner: dict[Code, Threshold] = Field(min_length=1)  # 货主
    seller: dict[Code, Threshold] = Field(min_length=1)  # 带货


class Channels(PolicyModel):
    """When a store or a live room holds the badge (TRUST-1): the merchant meets the
    thresholds and at least this share of its listed products hold it."""

    store_product_share: Rate
    live_room_product_share: Rate


class Benefits(PolicyModel):
    """What the badge brings (TRUST-5), consumed like the score's consumers (SCORE-6)."""

    badge: bool = Field(strict=True)
    live_traffic_weight: Multiplier
    shelf_traffic_weight: Multiplier
    big_promotion_traffic_weight: Multiplier
    campaign_resources: Codes  # campaigns whose resources favour badge holders


class TrustPolicy(PolicyModel):
    rights: dict[Code, Right] = Field(min_length=1)  # TRUST-1
    required_rights: Codes = Field(min_length=1)  # TRUST-2
    admission: Admission  # TRUST-2, TRUST-4
    channels: Channels  # TRUST-1
    benefits: Benefits  # TRUST-5

    @model_validator(mode="after")
    def _required_are_known(self) -> Self:
        unknown = sorted(set(self.required_rights) - set(self.rights))
        if unknown:
            raise ValueError(f"required_rights not in rights: {', '.join(unknown)}")
        return self

    def thresholds(self, identity: Identity) -> dict[str, Threshold]:
        return dict(getattr(self.admission, identity))
