"""What the shipping API accepts and shows (SHIP-1..5): ids, instants with their zone, money as
text, ratios as exact percentages with the counts they are made of."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from shopwarden.schema_types import Identifier, Instant

PromisedHours = Annotated[int, Field(ge=1, le=720, strict=True)]


class OverdueIn(BaseModel):
    """The order system reports that an order missed its promised shipping time (超时未发货)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "order_id": "o1",
                "merchant_id": "m1",
                "paid_at": "2024-03-04T10:00:00+08:00",
                "promised_shipping_hours": 48,
                "flash_purchase": False,
            }
        },
    )

    order_id: Identifier
    merchant_id: Identifier
    paid_at: Instant
    promised_shipping_hours: PromisedHours = Field(
        description="The promise the merchant had set when the order was paid (24, 48, other)."
    )
    flash_purchase: StrictBool = False
    shipped_at: Instant | None = Field(
        default=None, description="When it finally shipped, if it has (after its promised time)."
    )


class WeekOut(BaseModel):
    """A natural week, Monday 00:00 to Sunday 24:00 Asia/Shanghai (SHIP-2)."""

    first_day: date
    last_day: date
    starts_at: datetime
    ends_at: datetime  # exclusive: the next Monday 00:00 +08:00


class MeasuresOut(BaseModel):
    """A merchant's measured week (SHIP-1, SHIP-2)."""

    paid_orders: int
    committed_orders: int
    flash_orders: int
    due_orders: int
    on_time_orders: int
    late_orders: int
    committed_share: str | None = Field(examples=["75.00% (2251 of 3001)"])
    on_time_rate: str | None = Field(examples=["98.20% (2455 of 2500)"])


class ConditionOut(BaseModel):
    """One condition of SHIP-3 against its target, and how far from it the merchant was."""

    key: Literal["paid_orders", "committed_share", "on_time_rate"]
    measure: str
    value: str
    comparison: str
    target: str
    met: bool
    gap: str | None = Field(examples=["31 more paid orders"])
    gap_orders: int | None
    gap_points: str | None = Field(examples=["0.40"])


class EvaluationOut(BaseModel):
    """SHIP-3 for one merchant: the week measured and the week the exemption is for."""

    merchant_id: str
    measured_week: WeekOut
    exemption_week: WeekOut
    measures: MeasuresOut
    conditions: list[ConditionOut]
    granted: bool
    summary: str
    policy_version: str
    source: Literal["recorded", "live"]  # live: computed for this answer, not decided yet
    evaluated_at: datetime | None
    evaluated_by: str | None  # cycle | overdue (the first overdue shipment of the week)


class ExemptionOut(BaseModel):
    """The exemptions a merchant may use in one week and their use (SHIP-3, SHIP-4)."""

    merchant_id: str
    week: WeekOut
    status: Literal["unused", "used", "lapsed", "carried_over"]
    granted: int
    carried_in: int
    used: int
    left: int
    lapsed: int
    carried_out: int
    valid_from: datetime
    valid_until: datetime
    closed_at: datetime | None
    used_on: list[str]  # the orders whose penalty it waived
    policy_version: str


class OverdueOut(BaseModel):
    """An overdue shipment: the penalty or its waiver (SHIP-4), the compensation (SHIP-5)."""

    order_id: str
    merchant_id: str
    paid_at: datetime
    promised_shipping_hours: int
    flash_purchase: bool
    committed_in_stock: bool
    deadline: datetime
    shipped_at: datetime | None
    reported_at: datetime
    week: WeekOut
    outcome: Literal["waived", "charged"]
    penalty: str
    charged: str
    compensation: str
    from_wallet: str
    owed: str  # advanced by the platform
    collected: str  # of it, collected from the wallet since
    outstanding: str
    transaction_id: int | None
    policy_version: str
    assumed: list[str] = Field(
        description="The amounts above that are assumptions of the policy version (the "
        "sources give none): penalty, compensation.",
        examples=[["penalty", "compensation"]],
    )


class ThisWeekOut(BaseModel):
    week: WeekOut
    exemption: ExemptionOut | None
    status: str
    overdue_shipments: int
    penalties_waived: int
    penalties_charged: int


class StatusOut(BaseModel):
    """The merchant's view: this week's exemption, last week's measures against the targets
    with the gap to each, and what is still owed."""

    merchant_id: str
    as_of: datetime
    this_week: ThisWeekOut
    last_week: EvaluationOut | None
    note: str | None
    owed: str


class OwedOut(BaseModel):
    """What a merchant owes for penalties and compensation the platform advanced."""

    merchant_id: str
    outstanding: str
    overdue_shipments: int
    oldest_reported_at: datetime
