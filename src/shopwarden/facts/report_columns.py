"""The REPORT-1 columns of generated orders, and the day's live sessions (``generator.py``).

Drawn from streams of their own ((seed, 2, day, chunk) for buyers, (seed, 3) for categories)
so that every column the generator wrote before them stays what it was for a given seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from shopwarden.facts.model import day_start

if TYPE_CHECKING:
    from shopwarden.facts.generator import Marketplace

HOUR = 3600

# REPORT-1 columns, drawn from their own random streams (seed, 2, day, chunk) and (seed, 3) so
# that every column before them is what it was. A quarter of the products are women's
# clothing; a live order belongs to its store's broadcast of that four-hour slot of the day.
WOMENS = ("womens_dresses", "womens_tops", "womens_coats")
OTHER_CATEGORIES = ("mens_tshirts", "mens_jackets", "bras", "hats_caps", "womens_boots")
WOMENS_SHARE = 0.25
SESSION_SLOT_HOURS = 4
BUYERS_PER_ORDER = 5  # a store's buyer pool: five times its expected orders of the chunk, >= 20
FAN_PERCENT = 35  # of a store's buyers follow it


def drawn_categories(rng: np.random.Generator, products: int) -> pa.Array:
    """Each product's category, from a stream of its own (REPORT-1)."""
    womens = rng.random(products) < WOMENS_SHARE
    pick = rng.integers(0, 1 << 30, products)
    codes = np.where(womens, pick % len(WOMENS), len(WOMENS) + pick % len(OTHER_CATEGORIES)).astype(
        np.int64
    )
    return pa.array((*WOMENS, *OTHER_CATEGORIES), pa.string()).take(pa.array(codes))


def with_report_columns(
    market: Marketplace, rng: np.random.Generator, day: date, table: pa.Table
) -> pa.Table:
    """The REPORT-1 columns of a chunk: buyer, fan, live session, category. Only ``rng`` (a
    stream of their own) is drawn from; the other columns come back as they were."""
    merchant_index = _merchant_index(market, table)
    shares = np.diff(np.concatenate([[0.0], market.cdf])) / market.cdf[-1]
    expected = shares[merchant_index] * table.num_rows
    pool = np.maximum(20, expected * BUYERS_PER_ORDER).astype(np.int64)
    local = (rng.random(len(pool)) * pool).astype(np.int64)
    buyer = merchant_index * 100_000_000 + local
    mixed = (buyer.astype(np.uint64) * np.uint64(2654435761)) >> np.uint64(7)
    fan = (mixed % np.uint64(100)).astype(np.int64) < FAN_PERCENT
    paid = table["paid_at"].cast(pa.int64()).to_numpy() // 1_000_000
    slot = (paid - int(day_start(day).timestamp())) // (SESSION_SLOT_HOURS * HOUR)
    live = table["channel"].to_numpy(zero_copy_only=False) == "live"
    session = pc.binary_join_element_wise(
        "ls", table["merchant_id"], day.strftime("%Y%m%d"), pa.array(slot.astype(str)), "-"
    )
    categories = market.categories
    if categories is None:
        categories = pa.nulls(len(market.product_ids), pa.string())
    product_index = pc.index_in(table["product_id"], value_set=market.product_ids)
    return (
        table.append_column("buyer_id", _buyer_ids(buyer))
        .append_column("buyer_is_fan", pa.array(fan))
        .append_column(
            "live_session_id",
            pc.if_else(pa.array(live), session, pa.scalar(None, pa.string())),
        )
        .append_column("category_code", categories.take(product_index))
    )


def _buyer_ids(numbers: np.ndarray) -> pa.Array:
    """``b`` and the number, zero-padded to 15 digits."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width=15, padding="0")
    return pc.binary_join_element_wise("b", digits, "")


def _merchant_index(market: Marketplace, table: pa.Table) -> np.ndarray:
    index = pc.index_in(table["merchant_id"], value_set=market.merchant_ids)
    return np.asarray(index.to_numpy(zero_copy_only=False), dtype=np.int64)


def day_sessions(tables: Sequence[pa.Table]) -> pa.Table:
    """The day's broadcasts, from its live orders: each from ten minutes before its first order
    to ten minutes after its last (REPORT-1's broadcast hours; derived, nothing drawn)."""
    parts = []
    for table in tables:
        live = table.filter(pc.is_valid(table["live_session_id"]))
        parts.append(
            live.group_by(["live_session_id", "merchant_id"]).aggregate(
                [("paid_at", "min"), ("paid_at", "max")]
            )
        )
    if not parts:
        return pa.table({})
    merged = (
        pa.concat_tables(parts)
        .group_by(["live_session_id", "merchant_id"])
        .aggregate([("paid_at_min", "min"), ("paid_at_max", "max")])
    )
    margin = pa.scalar(600 * 1_000_000, pa.duration("us"))
    return pa.table(
        {
            "session_id": merged["live_session_id"],
            "merchant_id": merged["merchant_id"],
            "started_at": pc.subtract(merged["paid_at_min_min"], margin),
            "ended_at": pc.add(merged["paid_at_max_max"], margin),
        }
    ).sort_by("session_id")
