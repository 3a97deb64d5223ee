"""What the reports API accepts and shows (REPORT-1): campaigns in, reports out.

Amounts are text with two decimals; rates and growths are percentages as exact decimal text
("123.45"), ``null`` meaning "n/a" (nothing to divide by); hours have two decimals.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from shopwarden.money import Money
from shopwarden.schema_types import Day, Identifier, PositiveMoneyText

MAX_CENTS = 2**53 - 1


def _bounded(value: Money) -> Money:
    if value.cents > MAX_CENTS:
        raise ValueError(f"must be at most {Money.of_cents(MAX_CENTS).to_text()}")
    return value


Target = Annotated[PositiveMoneyText, AfterValidator(_bounded)]
CategoryCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(_[a-z0-9]+)*$", max_length=64)]
# At least one character that stripping keeps (the schema says so too): Python also strips
# the separators U+001C..U+001F and U+0085, which a JSON Schema \s does not cover.
Name = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=100, strip_whitespace=True, pattern=r"[^\s\x1c-\x1f\x85]"
    ),
]


class SegmentIn(BaseModel):
    """A named group inside the industry (e.g. 特色综合商圈: fur, plus-size): orders of these
    sub-categories (and everything under them) or of these merchants."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    categories: list[CategoryCode] = Field(default_factory=list, max_length=50)
    merchants: list[Identifier] = Field(default_factory=list, max_length=1000)


class MerchantTargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merchant_id: Identifier
    gmv_target: Target


class CampaignIn(BaseModel):
    """A campaign (operators): its days (Asia/Shanghai, both included), industry, segments and
    GMV target, and optionally the baseline year on year compares with."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "id": "spring-2023-womens",
                "name": "春节不打烊",
                "industry": "womens_clothing",
                "first_day": "2023-01-13",
                "last_day": "2023-01-29",
                "gmv_target": "50000000.00",
                "segments": [{"name": "特色综合商圈", "categories": ["womens_coats"]}],
                "baseline_campaign_id": "spring-2022-womens",
            }
        },
    )

    id: Identifier
    name: Name
    industry: CategoryCode = Field(description="A category code of the catalog tree.")
    first_day: Day
    last_day: Day
    gmv_target: Target
    segments: list[SegmentIn] = Field(default_factory=list, max_length=20)
    merchant_targets: list[MerchantTargetIn] = Field(default_factory=list, max_length=1000)
    baseline_campaign_id: Identifier | None = Field(
        default=None,
        description="Last year's edition; by default the latest earlier campaign "
        "of the same name and industry, else the same days a year before (docs/reports.md).",
    )
    baseline_first_day: Day | None = None
    baseline_last_day: Day | None = None


class PeriodOut(BaseModel):
    first_day: date
    last_day: date
    days: int


class BaselineOut(PeriodOut):
    source: Literal["named_campaign", "named_period", "previous_edition", "year_before"]
    campaign_id: str | None


class SegmentOut(BaseModel):
    name: str
    categories: list[str]
    merchants: list[str]


class CampaignOut(BaseModel):
    id: str
    name: str
    industry: str
    period: PeriodOut
    gmv_target: str
    segments: list[SegmentOut]
    merchant_targets: dict[str, str]
    baseline: BaselineOut
    created_at: datetime


class LineOut(BaseModel):
    """One line of a report (REPORT-1). For a merchant reading the industry's line, amounts,
    counts and hours are null: it sees the industry's rates only (docs/reports.md)."""

    level: Literal["industry", "segment", "merchant"]
    key: str
    merchants: int | None
    gmv: str | None
    target: str | None
    gmv_completion_rate: str | None = Field(examples=["123.45"])
    baseline_gmv: str | None
    gmv_growth_yoy: str | None = Field(examples=["47.10"])
    short_video_gmv: str | None
    baseline_short_video_gmv: str | None
    short_video_gmv_growth_yoy: str | None
    broadcast_hours: str | None = Field(examples=["119.25"])
    baseline_broadcast_hours: str | None
    broadcast_hours_growth: str | None
    average_daily_live_hours: str | None = Field(examples=["7.02"])
    fans: int | None
    repeat_fans: int | None
    fan_repurchase_rate: str | None
    big_sessions: int | None
    top_session_gmv: str | None


class ReportOut(BaseModel):
    campaign: CampaignOut
    as_of: datetime
    policy_version: str
    big_session_gmv: str
    measures: list[str]
    lines: list[LineOut]
