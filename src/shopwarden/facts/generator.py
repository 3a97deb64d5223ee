"""A deterministic synthetic marketplace of order facts, vectorised to reach 50 million orders.

Merchants are Zipf-sized (a few large, a long tail of small), and each has a latent quality
that drives its late shipments, ratings, cancellations, refunds, disputes, complaints and reply
times, so that scores spread over every band, and a late shipment carries its overdue-shipment
event and the consumer's compensation (SHIP). Sizes are Zipf, so a week of a large marketplace
has most merchants below the 3000 paid orders of SHIP-3 and a few above; the promises of a
merchant's products (24 h, 48 h, 72 h, a few flash purchases) and its quality put the
committed in-stock share and the on-time rate on both sides of their thresholds. Orders are
made day by day in fixed-size chunks, each from its own random stream seeded by (seed, day,
chunk): the same arguments give the same files, byte for byte, whatever the machine. Nothing
loops over orders in Python.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from shopwarden.facts.model import CHANNELS, REFUND_REASONS, day_start
from shopwarden.facts.report_columns import drawn_categories, with_report_columns

CHUNK = 1_000_000
HOUR = 3600
DAY = 24 * HOUR
ZIPF_EXPONENT = 1.0
# Share of orders per hour of a Shanghai day: quiet nights, lunch and evening peaks.
HOURLY = np.array([2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 6, 5, 5, 5, 6, 7, 8, 9, 9, 7, 4], float)
CHANNEL_SHARES = np.array([0.45, 0.25, 0.30])  # live, short video, shelf
REASON_SHARES = np.array([0.30, 0.20, 0.15, 0.25, 0.10])  # by REFUND_REASONS
# An overdue shipment is reported a minute after its promised time, and its consumer is
# compensated 5.00 (the bundled shipping policy's amount, an assumption). Derived from the
# other columns, with no random draw of their own, so every other column stays as it was.
OVERDUE_REPORTED_AFTER = 60
DELAY_COMPENSATION_CENTS = 500


@dataclass(frozen=True)
class ProductSpec:
    product_id: str
    promised_shipping_hours: int
    flash_purchase: bool
    category_code: str | None = None


@dataclass(frozen=True)
class Marketplace:
    """Merchants, their products and their latent quality, as parallel numpy arrays."""

    merchant_ids: pa.Array
    product_ids: pa.Array
    first_product: np.ndarray  # per merchant: index of its first product
    product_count: np.ndarray  # per merchant
    promised_hours: np.ndarray  # per product
    flash: np.ndarray  # per product
    cdf: np.ndarray  # Zipf: cumulative share of orders by merchant
    quality: np.ndarray  # per merchant, 0 (poor) .. 1 (excellent)
    categories: pa.Array | None = None  # per product: its category code (REPORT-1)

    @property
    def merchants(self) -> int:
        return len(self.merchant_ids)


def fixed_width_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded ``numbers`` as an Arrow string array, built from raw bytes."""
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    size = len(head) + width
    buffer = np.empty((len(numbers), size), dtype=np.uint8)
    buffer[:, : len(head)] = head
    remaining = numbers.astype(np.int64)
    for position in range(size - 1, len(head) - 1, -1):
        buffer[:, position] = remaining % 10 + 48
        remaining = remaining // 10
    offsets = np.arange(0, (len(numbers) + 1) * size, size, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(
        len(numbers), pa.py_buffer(offsets), pa.py_buffer(buffer.tobytes())
    ).cast(pa.string())


def merchant_id_width(merchants: int) -> int:
    return max(5, len(str(merchants)))


def build_marketplace(
    merchants: int, seed: int, catalog: Sequence[tuple[str, Sequence[ProductSpec]]] | None = None
) -> Marketplace:
    """``catalog`` (merchant id, its products) gives real ids, as the demo does."""
    rng = np.random.default_rng([seed, 0])
    if catalog is not None:
        merchants = len(catalog)
    ranks = np.arange(1, merchants + 1, dtype=float)
    weights = ranks**-ZIPF_EXPONENT
    order = rng.permutation(merchants)  # which merchant gets which rank
    shares = np.empty(merchants)
    shares[order] = weights / weights.sum()
    quality = rng.beta(5.0, 1.6, merchants)
    if catalog is None:
        counts = np.minimum(1 + rng.poisson(4, merchants), 50)
        total = int(counts.sum())
        merchant_ids = fixed_width_ids(
            "m", np.arange(1, merchants + 1), merchant_id_width(merchants)
        )
        product_ids = fixed_width_ids("p", np.arange(1, total + 1), max(6, len(str(total))))
        promised = rng.choice(np.array([24, 48, 72], np.int32), total, p=[0.35, 0.5, 0.15])
        flash = rng.random(total) < 0.04
    else:
        counts = np.array([max(1, len(products)) for _, products in catalog])
        specs = [  # a merchant without products sells one stand-in product
            p
            for m, products in catalog
            for p in (products or [ProductSpec(f"{m}-p000", 48, False)])
        ]
        merchant_ids = pa.array([m for m, _ in catalog], pa.string())
        product_ids = pa.array([s.product_id for s in specs], pa.string())
        promised = np.array([s.promised_shipping_hours for s in specs], np.int32)
        flash = np.array([s.flash_purchase for s in specs], bool)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    if catalog is None:
        categories = drawn_categories(np.random.default_rng([seed, 3]), len(product_ids))
    else:
        categories = pa.array([s.category_code for s in specs], pa.string())
    return Marketplace(
        merchant_ids,
        product_ids,
        first,
        counts,
        promised,
        flash,
        np.cumsum(shares),
        quality,
        categories,
    )


def day_counts(orders: int, days: int) -> list[int]:
    base, extra = divmod(orders, days)
    return [base + (1 if index < extra else 0) for index in range(days)]


def run_id(**parameters: object) -> str:
    """Names a generator run by its parameters: the same run twice is the same batch."""
    text = ";".join(f"{key}={parameters[key]}" for key in sorted(parameters))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def generate_day(
    market: Marketplace,
    *,
    seed: int,
    day_index: int,
    day: date,
    count: int,
    first_order: int,
    id_prefix: str,
    progress: Callable[[int], None] | None = None,
) -> list[pa.Table]:
    """The orders paid on one Shanghai day, in chunks."""
    tables = []
    for chunk, start in enumerate(range(0, count, CHUNK)):
        size = min(CHUNK, count - start)
        rng = np.random.default_rng([seed, 1, day_index, chunk])
        numbers = np.arange(first_order + start, first_order + start + size)
        table = _orders(market, rng, day, numbers, id_prefix)
        buyers = np.random.default_rng([seed, 2, day_index, chunk])
        tables.append(with_report_columns(market, buyers, day, table))
        if progress is not None:
            progress(size)
    return tables


def _timestamps(epoch_seconds: np.ndarray, present: np.ndarray) -> pa.Array:
    return pa.array(
        epoch_seconds.astype(np.int64) * 1_000_000,
        type=pa.timestamp("us", tz="UTC"),
        mask=~present,
    )


def _ints(values: np.ndarray, present: np.ndarray, kind: pa.DataType) -> pa.Array:
    return pa.array(values, type=kind, mask=~present)


Arrays = dict[str, np.ndarray]
"""One chunk's orders, column by column, before they become an Arrow table."""


def _orders(
    market: Marketplace, rng: np.random.Generator, day: date, numbers: np.ndarray, prefix: str
) -> pa.Table:
    """One chunk of orders. Each stage draws from ``rng`` in turn: the order of the draws is
    what makes the same seed give the same facts, so the stages run in this order only."""
    o = _placed(market, rng, day, numbers)
    bad = 1.0 - market.quality[o["merchant"]]
    o |= _fulfilled(rng, o, bad)
    o |= _rated(rng, o, market.quality[o["merchant"]], bad)
    o |= _messaged(rng, o, bad)
    o |= _after_sales(rng, o, bad)
    return _table(market, o, prefix)


def _placed(
    market: Marketplace, rng: np.random.Generator, day: date, numbers: np.ndarray
) -> Arrays:
    """Who sold what, when it was paid, where and for how much."""
    n = len(numbers)
    merchant = np.searchsorted(market.cdf, rng.random(n) * market.cdf[-1], side="right")
    merchant = np.minimum(merchant, market.merchants - 1)
    sort = np.argsort(merchant, kind="stable")  # row groups by merchant: per-merchant pruning
    merchant, numbers = merchant[sort], numbers[sort]
    product = market.first_product[merchant] + (
        rng.random(n) * market.product_count[merchant]
    ).astype(np.int64)
    hour = np.searchsorted(np.cumsum(HOURLY / HOURLY.sum()), rng.random(n), side="right")
    paid = int(day_start(day).timestamp()) + np.minimum(hour, 23) * HOUR
    paid = paid + rng.integers(0, HOUR, n)
    channel = np.searchsorted(np.cumsum(CHANNEL_SHARES), rng.random(n), side="right")
    return {
        "merchant": merchant,
        "numbers": numbers,
        "product": product,
        "promised": market.promised_hours[product].astype(np.int64),
        "paid": paid,
        "channel": np.minimum(channel, 2),
        "amount": np.maximum(100, np.exp(rng.normal(np.log(6900), 0.9, n))).astype(np.int64),
    }


def _fulfilled(rng: np.random.Generator, o: Arrays, bad: np.ndarray) -> Arrays:
    """Cancelled, or shipped (late more often by a poor merchant), delivered, confirmed."""
    n, paid, promised = len(bad), o["paid"], o["promised"]
    cancelled = rng.random(n) < 0.02 + 0.03 * bad
    cancel_at = paid + rng.integers(60, 12 * HOUR, n)
    late = rng.random(n) < 0.005 + 0.12 * bad
    delay = promised * HOUR * np.where(late, rng.uniform(1.02, 2.0, n), rng.uniform(0.05, 0.95, n))
    shipped = paid + delay.astype(np.int64)
    transit = np.exp(rng.normal(np.log(24 + 50 * bad), 0.5, n)) * HOUR
    delivered = shipped + transit.astype(np.int64)
    confirmed = delivered + rng.integers(HOUR, 10 * DAY, n)
    return {
        "cancelled": cancelled,
        "cancel_at": cancel_at,
        "live": ~cancelled,
        "late": late,
        "shipped": shipped,
        "delivered": delivered,
        "confirmed": confirmed,
    }


def _rated(rng: np.random.Generator, o: Arrays, q: np.ndarray, bad: np.ndarray) -> Arrays:
    """Ratings after delivery, around the merchant's quality (logistics suffer when late)."""
    n = len(q)
    rated = o["live"] & (rng.random(n) < 0.45)
    rated_at = o["delivered"] + rng.integers(HOUR, 5 * DAY, n)
    mu = 3.3 + 2.5 * q
    spread = 0.5 + 0.5 * bad

    def stars(shift: np.ndarray | float) -> np.ndarray:
        """Mostly around the merchant's level; a few disappointed consumers give 1 or 2."""
        stars = np.clip(np.rint(rng.normal(mu + shift, spread, n)), 1, 5)
        poor = rng.random(n) < 0.01 + 0.06 * bad
        return np.where(poor, rng.integers(1, 3, n), stars).astype(np.int8)

    return {
        "rated": rated,
        "rated_at": rated_at,
        "product_rating": stars(0.0),
        "logistics_rating": stars(np.where(o["late"], -1.5, 0.1)),
        "service_rating": stars(0.05),
        "content_rating": stars(0.1),
        "has_content": rated & (o["channel"] < 2),
    }


def _messaged(rng: np.random.Generator, o: Arrays, bad: np.ndarray) -> Arrays:
    """The consumer's first message before paying, and how fast the merchant replied."""
    n = len(bad)
    messaged = rng.random(n) < 0.30
    message_at = o["paid"] - rng.integers(0, 2 * HOUR, n)
    response = np.exp(rng.normal(np.log(15 + 300 * bad), 0.8, n)).astype(np.int64)
    answered = messaged & (rng.random(n) >= 0.03)
    return {
        "messaged": messaged,
        "message_at": message_at,
        "response": response,
        "answered": answered,
    }


def _after_sales(rng: np.random.Generator, o: Arrays, bad: np.ndarray) -> Arrays:
    """Refund requests (quality ones more often from a poor merchant), disputes, complaints."""
    n = len(bad)
    refund = o["live"] & (rng.random(n) < 0.03 + 0.12 * bad)
    reason = np.searchsorted(np.cumsum(REASON_SHARES), rng.random(n), side="right")
    quality_refund = rng.random(n) < 0.1 + 0.5 * bad
    reason = np.where(quality_refund, 0, np.minimum(np.maximum(reason, 1), 4))
    requested = o["delivered"] + rng.integers(HOUR, 7 * DAY, n)
    handling = np.exp(rng.normal(np.log(2 + 30 * bad), 0.8, n)) * HOUR
    handled_at = requested + handling.astype(np.int64)
    approved = rng.random(n) < 0.85
    dispute = refund & (rng.random(n) < np.where(approved, 0.01, 0.1) + 0.08 * bad)
    dispute_at = handled_at + rng.integers(HOUR, 3 * DAY, n)
    complaint = rng.random(n) < 0.0005 + 0.01 * bad
    complaint_at = o["paid"] + rng.integers(HOUR, 10 * DAY, n)
    return {
        "refund": refund,
        "reason": reason,
        "requested": requested,
        "handled_at": handled_at,
        "approved": approved,
        "dispute": dispute,
        "dispute_at": dispute_at,
        "complaint": complaint,
        "complaint_at": complaint_at,
    }


def _table(market: Marketplace, o: Arrays, prefix: str) -> pa.Table:
    """The chunk in the stored schema's column order; absent values are nulls."""
    product, live, rated, refund = o["product"], o["live"], o["rated"], o["refund"]
    return pa.table(
        {
            "order_id": fixed_width_ids(prefix, o["numbers"], 12),
            "merchant_id": market.merchant_ids.take(pa.array(o["merchant"])),
            "product_id": market.product_ids.take(pa.array(product)),
            "amount_cents": pa.array(o["amount"], pa.int64()),
            "channel": pa.array(CHANNELS, pa.string()).take(pa.array(o["channel"])),
            "flash_purchase": pa.array(market.flash[product]),
            "promised_shipping_hours": pa.array(o["promised"].astype(np.int32)),
            "paid_at": _timestamps(o["paid"], np.ones(len(product), bool)),
            "shipped_at": _timestamps(o["shipped"], live),
            "delivered_at": _timestamps(o["delivered"], live),
            "receipt_confirmed_at": _timestamps(o["confirmed"], live),
            "cancelled_at": _timestamps(o["cancel_at"], o["cancelled"]),
            "rated_at": _timestamps(o["rated_at"], rated),
            "product_rating": _ints(o["product_rating"], rated, pa.int8()),
            "logistics_rating": _ints(o["logistics_rating"], rated, pa.int8()),
            "service_rating": _ints(o["service_rating"], rated, pa.int8()),
            "content_rating": _ints(o["content_rating"], o["has_content"], pa.int8()),
            "cs_first_message_at": _timestamps(o["message_at"], o["messaged"]),
            "cs_first_response_seconds": _ints(
                o["response"].astype(np.int32), o["answered"], pa.int32()
            ),
            "refund_requested_at": _timestamps(o["requested"], refund),
            "refund_reason": pa.array(REFUND_REASONS, pa.string()).take(
                pa.array(o["reason"], mask=~refund)
            ),
            "refund_handled_at": _timestamps(o["handled_at"], refund),
            "refund_approved": pa.array(o["approved"], mask=~refund),
            "dispute_at": _timestamps(o["dispute_at"], o["dispute"]),
            "complaint_at": _timestamps(o["complaint_at"], o["complaint"]),
            **_overdue(o),
        }
    )


def _overdue(o: Arrays) -> dict[str, pa.Array]:
    """Late shipments' penalty events and compensation (SHIP-4, SHIP-5), drawn from nothing."""
    overdue = o["live"] & o["late"]
    reported = o["paid"] + o["promised"] * HOUR + OVERDUE_REPORTED_AFTER
    compensation = np.full(len(overdue), DELAY_COMPENSATION_CENTS, np.int64)
    return {
        "overdue_at": _timestamps(reported, overdue),
        "delay_compensation_cents": _ints(compensation, overdue, pa.int64()),
    }


def plan_days(start: date, days: int) -> list[date]:
    return [start + timedelta(days=offset) for offset in range(days)]
