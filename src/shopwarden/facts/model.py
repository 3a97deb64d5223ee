"""The order-facts schema: one row per order, everything the score and the reports read.

A fact row is a snapshot of what happened to one order: payment, shipping, delivery, receipt,
cancellation, ratings, the first customer-service reply, after-sales, and an overdue shipment's
penalty event and the consumer's compensation for it (SHIP). Columns are only ever added, and
added optional, so files written before a column existed stay valid (``ingest`` reads stored
files by column name). Instants are zone-aware
(stored in UTC, to the second); amounts are integer cents, as everywhere (SPEC conventions).
The ``day`` an order belongs to is the Asia/Shanghai calendar day of its payment: it names the
Parquet partition the row is stored in, and it is the day the 30-day score window counts
(SCORE-1).

This module is pure (no I/O): the ingester builds its checks from :data:`COLUMNS` and
:data:`CROSS_CHECKS`, the storage its Arrow schema, the docs their table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal

from shopwarden.clock import SHANGHAI, ensure_aware

Kind = Literal["id", "text", "int", "bool", "instant", "enum"]

CHANNELS = ("live", "short_video", "shelf")
REFUND_REASONS = ("quality", "not_as_described", "logistics", "changed_mind", "other")

# Plausibility bounds of the schema (not business rules): a value outside is a feed error.
MAX_AMOUNT_CENTS = 10_000_000_000  # 100,000,000.00 CNY for one order
MAX_PROMISED_HOURS = 720  # 30 days
MAX_RESPONSE_SECONDS = 30 * 24 * 3600
EARLIEST_INSTANT = "2000-01-01T00:00:00Z"
LATEST_INSTANT = "2100-01-01T00:00:00Z"
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    required: bool
    description: str
    low: int | None = None
    high: int | None = None
    values: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("order_id", "id", True, "The marketplace's order id; unique across all facts."),
    Column("merchant_id", "id", True, "The merchant who sold the order."),
    Column("product_id", "id", True, "The product ordered."),
    Column("amount_cents", "int", True, "Amount paid, in cents of CNY.", 0, MAX_AMOUNT_CENTS),
    Column("channel", "enum", True, "Where it was sold.", values=CHANNELS),
    Column("flash_purchase", "bool", True, "A flash-purchase (闪电购) order (SHIP-1)."),
    Column(
        "promised_shipping_hours",
        "int",
        True,
        "Shipping time the merchant had set for the product when the order was paid, in hours "
        "(24, 48 or other; SHIP-1).",
        1,
        MAX_PROMISED_HOURS,
    ),
    Column("paid_at", "instant", True, "Paid; its Asia/Shanghai day is the order's day."),
    Column("shipped_at", "instant", False, "Handed to the carrier."),
    Column("delivered_at", "instant", False, "Delivered to the consumer."),
    Column("receipt_confirmed_at", "instant", False, "Receipt confirmed (consumer or system)."),
    Column("cancelled_at", "instant", False, "Cancelled; a cancelled order is not scored."),
    Column("rated_at", "instant", False, "When the consumer gave the ratings below."),
    Column("product_rating", "int", False, "Product rating, 1 to 5 stars.", 1, 5),
    Column("logistics_rating", "int", False, "Logistics rating, 1 to 5 stars.", 1, 5),
    Column("service_rating", "int", False, "Customer-service rating, 1 to 5 stars.", 1, 5),
    Column("content_rating", "int", False, "Rating of the live stream or short video, 1-5.", 1, 5),
    Column("cs_first_message_at", "instant", False, "The consumer's first message."),
    Column(
        "cs_first_response_seconds",
        "int",
        False,
        "Seconds until the merchant's first reply; empty if never answered.",
        0,
        MAX_RESPONSE_SECONDS,
    ),
    Column("refund_requested_at", "instant", False, "After-sales: refund requested."),
    Column("refund_reason", "enum", False, "Why the refund was requested.", values=REFUND_REASONS),
    Column("refund_handled_at", "instant", False, "The merchant decided the refund request."),
    Column("refund_approved", "bool", False, "The decision: approved (true) or refused."),
    Column("dispute_at", "instant", False, "A platform dispute (arbitration) was opened."),
    Column("complaint_at", "instant", False, "The consumer filed a complaint."),
    # Added for SHIP (issue 12); optional, so files written before them stay valid.
    Column(
        "overdue_at",
        "instant",
        False,
        "The order system reported the shipment overdue (超时未发货): the late-shipment "
        "penalty event (SHIP-4).",
    ),
    Column(
        "delay_compensation_cents",
        "int",
        False,
        "Compensation paid to the consumer for the delayed shipment, in cents (SHIP-5).",
        0,
        MAX_AMOUNT_CENTS,
    ),
    # Added for REPORT (issue 13); optional, so files written before them stay valid.
    Column("buyer_id", "id", False, "The consumer who paid (REPORT-1: fan repurchase)."),
    Column(
        "buyer_is_fan",
        "bool",
        False,
        "The buyer followed the store when paying: a fan's order (REPORT-1).",
    ),
    Column(
        "live_session_id",
        "id",
        False,
        "The live session (live_sessions.session_id) the order was paid in (REPORT-1).",
    ),
    Column(
        "category_code",
        "id",
        False,
        "The product's category (catalog code) when the order was paid: its industry (REPORT-1).",
    ),
)

COLUMN_NAMES = tuple(column.name for column in COLUMNS)
BY_NAME = {column.name: column for column in COLUMNS}
REQUIRED = tuple(column.name for column in COLUMNS if column.required)
RATINGS = ("product_rating", "logistics_rating", "service_rating", "content_rating")
INSTANTS = tuple(column.name for column in COLUMNS if column.kind == "instant")
PARTITION = "day"


def shanghai_day(instant: datetime) -> date:
    """The Asia/Shanghai calendar day of ``instant``: an order's ``day`` is its payment's."""
    return ensure_aware(instant).astimezone(SHANGHAI).date()


def day_start(day: date) -> datetime:
    """00:00 of a Shanghai day, as a UTC instant."""
    return ensure_aware(datetime.combine(day, time(0), tzinfo=SHANGHAI))


@dataclass(frozen=True, slots=True)
class CrossCheck:
    """A rule between columns: ``later`` may not come before ``earlier`` (``time_order``), or
    ``column`` needs ``needs`` (``incomplete``)."""

    reason: Literal["time_order", "incomplete"]
    column: str
    other: str


CROSS_CHECKS: tuple[CrossCheck, ...] = (
    CrossCheck("time_order", "shipped_at", "paid_at"),
    CrossCheck("time_order", "delivered_at", "shipped_at"),
    CrossCheck("time_order", "receipt_confirmed_at", "paid_at"),
    CrossCheck("time_order", "cancelled_at", "paid_at"),
    CrossCheck("time_order", "rated_at", "paid_at"),
    CrossCheck("time_order", "refund_requested_at", "paid_at"),
    CrossCheck("time_order", "refund_handled_at", "refund_requested_at"),
    CrossCheck("time_order", "dispute_at", "paid_at"),
    CrossCheck("time_order", "complaint_at", "paid_at"),
    CrossCheck("time_order", "overdue_at", "paid_at"),
    CrossCheck("incomplete", "delivered_at", "shipped_at"),
    *(CrossCheck("incomplete", rating, "rated_at") for rating in RATINGS),
    CrossCheck("incomplete", "cs_first_response_seconds", "cs_first_message_at"),
    CrossCheck("incomplete", "refund_requested_at", "refund_reason"),
    CrossCheck("incomplete", "refund_reason", "refund_requested_at"),
    CrossCheck("incomplete", "refund_handled_at", "refund_approved"),
    CrossCheck("incomplete", "refund_approved", "refund_handled_at"),
    CrossCheck("incomplete", "refund_handled_at", "refund_requested_at"),
    CrossCheck("incomplete", "delay_compensation_cents", "overdue_at"),
    CrossCheck("incomplete", "buyer_is_fan", "buyer_id"),
)
"""Checked in this order after the per-column checks; a row's first failure is its reason."""

REASONS: dict[str, str] = {
    "missing_value": "a required column is empty",
    "bad_type": "the value is not of the column's type",
    "no_time_zone": "an instant without its time zone (or without its time)",
    "bad_identifier": "an id that is not letters, digits and _ . - (at most 64)",
    "unknown_value": "a value outside the column's list (channel, refund_reason)",
    "out_of_range": "a number or instant outside the column's range",
    "time_order": "an event before the event it follows",
    "incomplete": "a value without the value it needs",
    "unknown_merchant": "the catalog has merchants, and not this one",
    "unknown_product": "the catalog lists the merchant's products, and not this one",
    "product_of_other_merchant": "the catalog files the product under another merchant",
    "duplicate_in_file": "the order appears earlier in the same file",
    "conflicts_with_stored": "the order is stored already, with other facts",
}
"""Every quarantine reason, in the order the checks run."""
