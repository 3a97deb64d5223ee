"""Order facts for the trust tests and scenarios: good orders of given products, a few of
them with a quality refund, a dispute or a complaint, written as CSV (docs/facts.md)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

FIRST_PAID = datetime.fromisoformat("2024-03-01T10:00:00+08:00")
# The columns written: every required one and those these orders fill (others may be left
# out of a file), fixed here so that the files stay the same when the facts gain columns.
COLUMN_NAMES = (
    "order_id",
    "merchant_id",
    "product_id",
    "amount_cents",
    "channel",
    "flash_purchase",
    "promised_shipping_hours",
    "paid_at",
    "shipped_at",
    "delivered_at",
    "receipt_confirmed_at",
    "rated_at",
    "product_rating",
    "logistics_rating",
    "service_rating",
    "content_rating",
    "cs_first_message_at",
    "cs_first_response_seconds",
    "refund_requested_at",
    "refund_reason",
    "dispute_at",
    "complaint_at",
)


@dataclass(frozen=True)
class Batch:
    """``orders`` good orders of ``product_id``, paid one a minute per day from ``FIRST_PAID``
    over ``days`` days; the first ``quality_refunds`` … carry that event."""

    merchant_id: str
    product_id: str
    orders: int
    quality_refunds: int = 0
    disputes: int = 0
    complaints: int = 0
    days: int = 5
    prefix: str = ""
    start: datetime = FIRST_PAID


def _iso(instant: datetime) -> str:
    return instant.isoformat()


def rows(batch: Batch) -> list[dict[str, str]]:
    made = []
    for n in range(batch.orders):
        paid = batch.start + timedelta(days=n % batch.days, minutes=n // batch.days)
        row = dict.fromkeys(COLUMN_NAMES, "")
        row |= {
            "order_id": f"{batch.prefix}{batch.product_id}-{n:05d}",
            "merchant_id": batch.merchant_id,
            "product_id": batch.product_id,
            "amount_cents": "9900",
            "channel": "live",
            "flash_purchase": "false",
            "promised_shipping_hours": "48",
            "paid_at": _iso(paid),
            "shipped_at": _iso(paid + timedelta(hours=2)),
            "delivered_at": _iso(paid + timedelta(hours=20)),
            "receipt_confirmed_at": _iso(paid + timedelta(hours=30)),
            "rated_at": _iso(paid + timedelta(hours=31)),
            "product_rating": "5",
            "logistics_rating": "5",
            "service_rating": "5",
            "content_rating": "5",
            "cs_first_message_at": _iso(paid - timedelta(minutes=5)),
            "cs_first_response_seconds": "30",
        }
        if n < batch.quality_refunds:
            row |= {
                "refund_requested_at": _iso(paid + timedelta(hours=40)),
                "refund_reason": "quality",
            }
        if n < batch.disputes:
            row["dispute_at"] = _iso(paid + timedelta(hours=41))
        if n < batch.complaints:
            row["complaint_at"] = _iso(paid + timedelta(hours=42))
        made.append(row)
    return made


def write_orders(path: Path, batches: list[Batch]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(COLUMN_NAMES), lineterminator="\n")
        writer.writeheader()
        for batch in batches:
            writer.writerows(rows(batch))
    return path
