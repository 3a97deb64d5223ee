"""The window's per-merchant whole numbers that every score indicator is made of (SCORE-2).

One Ibis expression, the same on DuckDB and Spark. Orders count by the Shanghai day they were
paid (the ``day`` partition: a 30-day window reads 30 folders); an order cancelled before the
window's end is not scored; every later event (shipment, rating, refund, dispute ...) counts
only if it happened before the window's end, so a past day replays as it was known then.
Instants are compared as UTC epoch seconds: both engines agree on those whatever their
session zone.
"""

from __future__ import annotations

import ibis  # type: ignore[import-untyped]
import ibis.expr.types as ir  # type: ignore[import-untyped]

from shopwarden.metrics.engines import Epoch, portable_epoch
from shopwarden.scoring.measures_model import AGGREGATES, SECONDS_PER_HOUR
from shopwarden.scoring.window_rules import Window


def window_aggregates(
    orders: ir.Table,
    window: Window,
    *,
    reply_within_seconds: int,
    merchant_id: str | None = None,
    epoch: Epoch = portable_epoch,
) -> ir.Table:
    """One row per merchant with orders paid in the window: the columns of ``AGGREGATES``.

    First a projection of each order to epoch seconds and flags (computed once per order),
    then one grouped aggregation of filtered counts and sums.
    """
    end = window.end_epoch
    o = _per_order(_scored_orders(orders, window, merchant_id, epoch), epoch)
    counts = _counts(o, end, reply_within_seconds)
    sums = _sums(o, end)
    assert set(counts) | set(sums) == set(AGGREGATES), "keep in step with measures_model.py"
    grouped = o.group_by("merchant_id").aggregate(**counts, **sums)
    # An empty filtered sum is NULL, and so is a filtered count on some engines (Spark).
    return grouped.select(
        "merchant_id",
        **{name: grouped[name].fill_null(0).cast("int64") for name in (*counts, *sums)},
    )


def _scored_orders(
    orders: ir.Table, window: Window, merchant_id: str | None, epoch: Epoch
) -> ir.Table:
    """Orders paid in the window (its ``day`` partitions) not cancelled before its end."""
    t = orders.filter(orders.day.between(ibis.date(window.first_day), ibis.date(window.last_day)))
    if merchant_id is not None:
        t = t.filter(t.merchant_id == merchant_id)
    return t.filter(t.cancelled_at.isnull() | (epoch(t.cancelled_at) >= window.end_epoch))


def _per_order(t: ir.Table, epoch: Epoch) -> ir.Table:
    """Each order's instants as epoch seconds, and what the indicators read of it."""
    return t.select(
        "merchant_id",
        "channel",
        "refund_reason",
        "refund_approved",
        "product_rating",
        "logistics_rating",
        "service_rating",
        "content_rating",
        paid=epoch(t.paid_at),
        shipped=epoch(t.shipped_at),
        delivered=epoch(t.delivered_at),
        rated=epoch(t.rated_at),
        messaged=epoch(t.cs_first_message_at),
        response=t.cs_first_response_seconds.cast("int64"),
        requested=epoch(t.refund_requested_at),
        handled=epoch(t.refund_handled_at),
        disputed=epoch(t.dispute_at),
        complained=epoch(t.complaint_at),
        promised=t.promised_shipping_hours.cast("int64") * SECONDS_PER_HOUR,
    )


def _counts(o: ir.Table, end: int, reply_within_seconds: int) -> dict[str, ir.IntegerValue]:
    """The filtered counts, each event counted only if it happened before ``end``."""
    rated = o.rated < end
    delivered = (o.delivered < end) & o.shipped.notnull()
    messaged = o.messaged < end
    handled = (o.handled < end) & o.requested.notnull()
    shipped = o.shipped < end
    quality = handled & (o.refund_approved == True) & (o.refund_reason == "quality")  # noqa: E712
    return {
        "scored_orders": o.count(),
        "product_rating_count": o.product_rating.count(where=rated),
        "quality_refunds": o.count(where=quality),
        "shipped_on_time": o.count(where=shipped & (o.shipped - o.paid <= o.promised)),
        "shipments_due": o.count(where=(o.paid + o.promised < end) | shipped),
        "deliveries": o.count(where=delivered),
        "logistics_rating_count": o.logistics_rating.count(where=rated),
        "cs_replied_within": o.count(where=messaged & (o.response <= reply_within_seconds)),
        "cs_messages": o.count(where=messaged),
        "service_rating_count": o.service_rating.count(where=rated),
        "refunds_handled": o.count(where=handled),
        "disputes": o.count(where=o.disputed < end),
        "complaints": o.count(where=o.complained < end),
        "live_content_ratings": o.content_rating.count(where=rated & (o.channel == "live")),
        "short_video_content_ratings": o.content_rating.count(
            where=rated & (o.channel == "short_video")
        ),
    }


def _sums(o: ir.Table, end: int) -> dict[str, ir.IntegerValue]:
    """The filtered sums of ratings and of durations in seconds, as of ``end``."""
    rated = o.rated < end
    delivered = (o.delivered < end) & o.shipped.notnull()
    handled = (o.handled < end) & o.requested.notnull()
    live = rated & (o.channel == "live")
    short_video = rated & (o.channel == "short_video")
    return {
        "product_rating_sum": o.product_rating.cast("int64").sum(where=rated),
        "delivery_seconds": (o.delivered - o.shipped).sum(where=delivered),
        "logistics_rating_sum": o.logistics_rating.cast("int64").sum(where=rated),
        "service_rating_sum": o.service_rating.cast("int64").sum(where=rated),
        "refund_handling_seconds": (o.handled - o.requested).sum(where=handled),
        "live_content_rating_sum": o.content_rating.cast("int64").sum(where=live),
        "short_video_content_rating_sum": o.content_rating.cast("int64").sum(where=short_video),
    }
