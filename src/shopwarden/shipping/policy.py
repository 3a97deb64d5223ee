"""Parameters of the ``shipping`` policy family: the high in-stock exemption (SHIP-1..5, seed 003).

The seed writes its thresholds with their comparison ("> 3000", "> 70%", "≥ 97%"); the field
names carry it (``_exclusive``, ``_inclusive``) so that nobody has to guess at a boundary.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from shopwarden.policy.types import Amount, Count, PolicyModel, PositiveCount, Rate, unique

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class CommittedInStock(PolicyModel):
    """Which orders count as committed in-stock orders (SHIP-1)."""

    promise_hours: Annotated[tuple[PositiveCount, ...], AfterValidator(unique)] = Field(
        min_length=1
    )
    flash_purchase_counts: bool = Field(strict=True)  # 闪电购 orders are not counted


class MeasurementWeek(PolicyModel):
    """The natural week of SHIP-2: seven days from ``starts_on``, in the platform time zone."""

    starts_on: Weekday


class Exemption(PolicyModel):
    """Who earns the weekly exemption (SHIP-3) and how it is used (SHIP-4)."""

    min_paid_orders_exclusive: Count  # paid orders > this
    committed_share_exclusive: Rate  # committed in-stock share > this
    on_time_rate_inclusive: Rate  # on-time shipment rate >= this
    per_week: PositiveCount
    carry_over: bool = Field(strict=True)


class Penalties(PolicyModel):
    """Amounts per overdue order (SHIP-5): the exemption waives the penalty, not compensation."""

    overdue_penalty: Amount
    delayed_shipment_compensation: Amount


class ShippingPolicy(PolicyModel):
    committed_in_stock: CommittedInStock
    week: MeasurementWeek
    exemption: Exemption
    penalties: Penalties
