"""What the trust purchase API (信任购, TRUST-1..5) accepts and shows: rights switched by code,
look-up text bounded, thresholds as exact decimal text with their gap."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from shopwarden.trust.search_model import MAX_FRAGMENT

RightCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(_[a-z0-9]+)*$", max_length=64)]
LookupText = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_FRAGMENT, strip_whitespace=True)
]
Identity = Literal["goods_owner", "seller"]


class RightsIn(BaseModel):
    """Rights to switch on (true) or off (false) on one product, by code (TRUST-1)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"rights": {"seven_day_return": True, "fast_refund": False}}},
    )

    # Codes match the pattern; a key that does not is not a right (the schema says so too).
    rights: dict[RightCode, StrictBool] = Field(
        min_length=1, max_length=32, json_schema_extra={"additionalProperties": False}
    )


class RightOut(BaseModel):
    code: str
    name_zh: str = Field(examples=["七天无理由退货"])
    name_en: str = Field(examples=["7-day no-reason returns"])
    kind: Literal["product", "after_sales"]
    required: bool


class ThresholdOut(BaseModel):
    """One admission threshold against the identity's value (TRUST-3, TRUST-4)."""

    code: str
    measure: str
    value: str | None = Field(description="None when there was nothing to measure")
    basis: str = Field(examples=["1 of 100 paid orders"])
    op: str
    target: str
    met: bool
    gap: str | None = Field(description="How far from the target, when not met")
    window: str | None


class ProductStatusOut(BaseModel):
    """A product in the trust purchase zone: badge, rights, what must improve (TRUST-3)."""

    product_id: str
    merchant_id: str
    title: str
    identity: Identity
    identity_name: str = Field(examples=["货主 goods owner"])
    status: Literal["badge", "no_badge"]
    badge: bool
    decided_at: datetime | None
    rights_enabled: list[RightOut]
    rights_missing: list[RightOut]
    thresholds_met: bool
    measured_at: datetime | None
    metrics_to_improve: list[ThresholdOut]
    policy_version: str


class CatalogueOut(BaseModel):
    """The rights catalogue and which rights the badge requires (TRUST-1, TRUST-2)."""

    policy_version: str
    rights: list[RightOut]


class ProductCountsOut(BaseModel):
    total: int
    listed: int
    badged: int
    listed_badged: int
    missing_required_rights: int
    rights_enabled: dict[str, int] = Field(description="Right code → products with it enabled")


class IdentityOut(BaseModel):
    identity: Identity
    identity_name: str
    measured: bool
    measured_at: datetime | None
    met: bool
    thresholds: list[ThresholdOut]
    products: ProductCountsOut


class ChannelOut(BaseModel):
    badge: bool
    product_share: str = Field(description="Share of listed products that must hold the badge")


class ChannelsOut(BaseModel):
    store: ChannelOut
    live_room: ChannelOut


class BenefitsOut(BaseModel):
    """What the badge brings (TRUST-5); neutral weights "1" without it."""

    badge: bool
    live_traffic_weight: str
    shelf_traffic_weight: str
    big_promotion_traffic_weight: str
    campaign_resources: list[str]


class BenefitsViewOut(BaseModel):
    for_badge_holders: BenefitsOut
    now: BenefitsOut


class MerchantViewOut(BaseModel):
    """Both identities against the thresholds side by side (TRUST-4)."""

    merchant_id: str
    policy_version: str
    identities: list[IdentityOut]
    channels: ChannelsOut
    benefits: BenefitsViewOut


class DecideOut(BaseModel):
    identities_measured: int
    mirrored: int
    granted: int
    removed: int
