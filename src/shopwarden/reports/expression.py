"""REPORT-1's sums per slice and merchant: one Ibis expression, run on DuckDB or Spark.

A slice is the industry or one of its segments. For each, the orders counted are those paid
on a day of the period (the ``day`` partitions), not cancelled, of a category in the slice
(``category_code``; a segment may also name merchants). Per merchant: GMV and short-video GMV
in the campaign and its baseline; fans (distinct buyers with a fan's order) and those with two
fan orders or more; per live session (``live_session_id``) its GMV, how many reach the big-session
amount and the largest; and the broadcast seconds of the merchant's sessions that started in
the period (``live_sessions``). A merchant is listed in a slice when it had counted orders in
the campaign or in its baseline. The pure rules (``rules.py``) make the figures from these sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import ibis  # type: ignore[import-untyped]
import ibis.expr.types as ir  # type: ignore[import-untyped]

from shopwarden.metrics.primitives import Epoch, portable_epoch
from shopwarden.reports.campaign_model import Period
from shopwarden.reports.rules import SUMS


@dataclass(frozen=True, slots=True)
class Slice:
    """The industry (``level`` industry) or a segment: the categories it covers, expanded to
    every code under them, and for a segment the merchants it names."""

    name: str
    categories: tuple[str, ...]
    merchants: tuple[str, ...] = ()
    industry_categories: tuple[str, ...] = ()  # a segment stays inside its industry


def _counted(orders: ir.Table, period: Period, where: Slice) -> ir.Table:
    t = orders.filter(
        orders.day.between(ibis.date(period.first_day), ibis.date(period.last_day)),
        orders.cancelled_at.isnull(),
    )
    in_slice = t.category_code.isin(list(where.categories))
    if where.merchants:
        in_slice = in_slice | t.merchant_id.isin(list(where.merchants))
    if where.industry_categories:
        in_slice = in_slice & t.category_code.isin(list(where.industry_categories))
    return t.filter(in_slice.fill_null(False))


def _gmv(t: ir.Table, prefix: str) -> ir.Table:
    short_video = t.channel == "short_video"
    return t.group_by("merchant_id").aggregate(
        **{
            f"{prefix}gmv": t.amount_cents.sum(),
            f"{prefix}short_video_gmv": t.amount_cents.sum(where=short_video),
        }
    )


def _fans(t: ir.Table) -> ir.Table:
    bought = (
        t.filter(t.buyer_is_fan.fill_null(False) & t.buyer_id.notnull())
        .group_by(["merchant_id", "buyer_id"])
        .aggregate(orders=ibis._.count())
    )
    return bought.group_by("merchant_id").aggregate(
        fans=bought.count(), repeat_fans=bought.count(where=bought.orders >= 2)
    )


def _sessions(t: ir.Table, big_session_cents: int) -> ir.Table:
    sold = (
        t.filter(t.live_session_id.notnull())
        .group_by(["merchant_id", "live_session_id"])
        .aggregate(session_gmv=ibis._.amount_cents.sum())
    )
    return sold.group_by("merchant_id").aggregate(
        big_sessions=sold.count(where=sold.session_gmv >= big_session_cents),
        top_session_gmv=sold.session_gmv.max(),
    )


def _broadcast(sessions: ir.Table, period: Period, name: str, epoch: Epoch) -> ir.Table:
    s = sessions.filter(
        sessions.started_at >= _instant(period.starts_at),
        sessions.started_at < _instant(period.ends_at),
    )
    return s.group_by("merchant_id").aggregate(
        **{name: (epoch(s.ended_at) - epoch(s.started_at)).sum()}
    )


def _instant(value: datetime) -> ir.TimestampScalar:
    """An instant as a UTC timestamp literal (an engine would read a zoned one's wall time)."""
    return ibis.literal(value.astimezone(UTC), type="timestamp('UTC')")


def _joined(base: ir.Table, other: ir.Table) -> ir.Table:
    joined = base.left_join(other, "merchant_id")
    return joined.drop("merchant_id_right")


def slice_sums(
    orders: ir.Table,
    sessions: ir.Table,
    where: Slice,
    *,
    campaign: Period,
    baseline: Period,
    big_session_cents: int,
    epoch: Epoch = portable_epoch,
) -> ir.Table:
    """``slice``, ``merchant_id`` and :data:`rules.SUMS` for one slice, one row per merchant."""
    now, before = _counted(orders, campaign, where), _counted(orders, baseline, where)
    merchants = now.select("merchant_id").union(before.select("merchant_id"), distinct=True)
    t = merchants
    for part in (
        _gmv(now, ""),
        _fans(now),
        _sessions(now, big_session_cents),
        _broadcast(sessions, campaign, "live_seconds", epoch),
        _gmv(before, "base_"),
        _broadcast(sessions, baseline, "base_live_seconds", epoch),
    ):
        t = _joined(t, part)
    return t.select(
        slice=ibis.literal(where.name),
        merchant_id=t.merchant_id,
        **{name: t[name].fill_null(0).cast("int64") for name in SUMS},
    )


def report_sums(
    orders: ir.Table,
    sessions: ir.Table,
    slices: list[Slice],
    *,
    campaign: Period,
    baseline: Period,
    big_session_cents: int,
    epoch: Epoch = portable_epoch,
) -> ir.Table:
    """Every slice's :func:`slice_sums`, one table (``UNION ALL``): the whole report's query."""
    parts = [
        slice_sums(
            orders,
            sessions,
            where,
            campaign=campaign,
            baseline=baseline,
            big_session_cents=big_session_cents,
            epoch=epoch,
        )
        for where in slices
    ]
    return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]
