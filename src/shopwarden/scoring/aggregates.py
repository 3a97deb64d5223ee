"""The window's per-merchant whole numbers that every score indicator is made of (SCORE-2).

One Ibis expression, the same on DuckDB and Spark, and one pass over the facts: orders count
by the Shanghai day they were paid (the ``day`` partition: a 30-day window reads 30 folders);
an order cancelled before the window's end is not scored; every later event (shipment,
rating, refund, dispute ...) counts only if it happened before the window's end, so a past day
replays as it was known then.

Shaped for speed (``docs/score.md``, Performance), like the fastest hand-written query: each
number is a plain conditional aggregate (``COUNT(CASE WHEN … THEN 1 END)``,
``SUM(CASE WHEN … THEN v END)``), not a ``FILTER`` clause (DuckDB evaluates a filter per
aggregate), and an instant is compared with the window's end as it is stored (a timestamp
against a timestamp literal, which the Parquet scan also uses for the cancellation filter).
Only the two durations and the promised shipping time need arithmetic on instants: for those
the engine's primitives (``metrics/primitives.py``): ``micros``, the epoch microseconds
(DuckDB's ``epoch_us``, Spark's ``unix_micros``), and ``divide``, an exact integer division
(instants are stored to the second, ``facts/model.py``, so a difference is whole seconds).
"""

from __future__ import annotations

import ibis  # type: ignore[import-untyped]
import ibis.expr.datatypes as dt  # type: ignore[import-untyped]
import ibis.expr.types as ir  # type: ignore[import-untyped]

from shopwarden.metrics.primitives import Divide, Micros, portable_divide, portable_micros
from shopwarden.scoring.measures_model import AGGREGATES, SECONDS_PER_HOUR
from shopwarden.scoring.window_rules import Window

MICROS = 1_000_000


def window_aggregates(
    orders: ir.Table,
    window: Window,
    *,
    reply_within_seconds: int,
    merchant_id: str | None = None,
    micros: Micros = portable_micros,
    divide: Divide = portable_divide,
) -> ir.Table:
    """One row per merchant with orders paid in the window: the columns of ``AGGREGATES``,
    each a whole number (never NULL), in one grouped aggregation of the window's orders."""
    end = ibis.literal(window.end, dt.Timestamp(timezone="UTC"))
    o = _scored_orders(orders, window, merchant_id, end)
    end_micros = window.end_epoch * MICROS
    metrics = {
        **_counts(o, end, end_micros, reply_within_seconds, micros),
        **_sums(o, end, micros, divide),
    }
    assert set(metrics) == set(AGGREGATES), "keep in step with measures_model.py"
    return o.group_by("merchant_id").aggregate(**{name: metrics[name] for name in AGGREGATES})


def _scored_orders(
    orders: ir.Table, window: Window, merchant_id: str | None, end: ir.TimestampScalar
) -> ir.Table:
    """Orders paid in the window (its ``day`` partitions) not cancelled before its end."""
    days = orders.day.between(ibis.date(window.first_day), ibis.date(window.last_day))
    scored = orders.cancelled_at.isnull() | (orders.cancelled_at >= end)
    if merchant_id is None:
        return orders.filter(days, scored)
    return orders.filter(days, orders.merchant_id == merchant_id, scored)


def _count(condition: ir.BooleanValue, value: ir.Value | int = 1) -> ir.IntegerScalar:
    """How many orders meet ``condition`` (and have a ``value``): never NULL."""
    return ibis.cases((condition, value)).count()


def _sum(condition: ir.BooleanValue, value: ir.IntegerValue) -> ir.IntegerScalar:
    """The sum of ``value`` over the orders meeting ``condition``; 0 over none."""
    return ibis.cases((condition, value)).sum().fill_null(0)


def _counts(
    o: ir.Table,
    end: ir.TimestampScalar,
    end_micros: int,
    reply_within_seconds: int,
    micros: Micros,
) -> dict[str, ir.IntegerScalar]:
    """The counts, each event counted only if it happened before ``end``."""
    rated = o.rated_at < end
    messaged = o.cs_first_message_at < end
    handled = (o.refund_handled_at < end) & o.refund_requested_at.notnull()
    shipped = o.shipped_at < end
    paid = micros(o.paid_at)
    promised = o.promised_shipping_hours.cast("int64") * (SECONDS_PER_HOUR * MICROS)
    quality = handled & o.refund_approved & (o.refund_reason == "quality")
    return {
        "scored_orders": o.count(),
        "product_rating_count": _count(rated, o.product_rating),
        "quality_refunds": _count(quality),
        "shipped_on_time": _count(shipped & (micros(o.shipped_at) - paid <= promised)),
        "shipments_due": _count((paid + promised < end_micros) | shipped),
        "deliveries": _count(_delivered(o, end)),
        "logistics_rating_count": _count(rated, o.logistics_rating),
        "cs_replied_within": _count(
            messaged & (o.cs_first_response_seconds <= reply_within_seconds)
        ),
        "cs_messages": _count(messaged),
        "service_rating_count": _count(rated, o.service_rating),
        "refunds_handled": _count(handled),
        "disputes": _count(o.dispute_at < end),
        "complaints": _count(o.complaint_at < end),
        "live_content_ratings": _count(rated & (o.channel == "live"), o.content_rating),
        "short_video_content_ratings": _count(
            rated & (o.channel == "short_video"), o.content_rating
        ),
    }


def _delivered(o: ir.Table, end: ir.TimestampScalar) -> ir.BooleanValue:
    return (o.delivered_at < end) & o.shipped_at.notnull()


def _seconds(
    micros: Micros, divide: Divide, later: ir.TimestampValue, earlier: ir.TimestampValue
) -> ir.IntegerValue:
    """Whole seconds from ``earlier`` to ``later`` (both stored to the second, so the
    division is exact, and ``later`` is not before ``earlier``: ``facts/validation.py``)."""
    return divide(micros(later) - micros(earlier), MICROS)


def _sums(
    o: ir.Table, end: ir.TimestampScalar, micros: Micros, divide: Divide
) -> dict[str, ir.IntegerScalar]:
    """The sums of ratings and of durations in seconds, as of ``end``."""
    rated = o.rated_at < end
    handled = (o.refund_handled_at < end) & o.refund_requested_at.notnull()
    live = rated & (o.channel == "live")
    short_video = rated & (o.channel == "short_video")
    return {
        "product_rating_sum": _sum(rated, o.product_rating),
        "delivery_seconds": _sum(
            _delivered(o, end), _seconds(micros, divide, o.delivered_at, o.shipped_at)
        ),
        "logistics_rating_sum": _sum(rated, o.logistics_rating),
        "service_rating_sum": _sum(rated, o.service_rating),
        "refund_handling_seconds": _sum(
            handled, _seconds(micros, divide, o.refund_handled_at, o.refund_requested_at)
        ),
        "live_content_rating_sum": _sum(live, o.content_rating),
        "short_video_content_rating_sum": _sum(short_video, o.content_rating),
    }
