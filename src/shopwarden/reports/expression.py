"""REPORT-1's sums per slice and merchant: one Ibis expression, run on DuckDB or Spark.

The orders counted are the industry's (``category_code`` in its categories), paid on a day of
the campaign or of its baseline (the ``day`` partitions), not cancelled, each marked ``now``
when in the campaign; a slice is the industry or a segment of it (a segment's categories, or
the merchants it names), and an order is repeated for each slice it is in (``UNION ALL``). Per
slice and merchant: GMV and short-video GMV of both periods; fans (buyers with a fan's order in
the campaign) and those with two or more; per live session (``live_session_id``) its GMV, how
many reach the big-session amount and the largest; and the broadcast seconds of the merchant's
sessions that started in each period (``live_sessions``). A merchant is listed in a slice when
it had counted orders in the campaign or its baseline. The pure rules (``rules.py``) make the
figures from these sums. The shape is the hand-written SQL's (``bench/report.py``): one scan.
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
    """The industry or a segment: the categories it covers, expanded to every code under
    them, and for a segment the merchants it names (a segment stays inside its industry)."""

    name: str
    categories: tuple[str, ...]
    merchants: tuple[str, ...] = ()


def _counted(orders: ir.Table, industry: Slice, campaign: Period, baseline: Period) -> ir.Table:
    """The industry's orders of both periods, not cancelled, with ``now`` (in the campaign)."""
    now = orders.day.between(ibis.date(campaign.first_day), ibis.date(campaign.last_day))
    before = orders.day.between(ibis.date(baseline.first_day), ibis.date(baseline.last_day))
    t = orders.filter(
        now | before,
        orders.cancelled_at.isnull(),
        orders.category_code.isin(list(industry.categories)),
    )
    return t.select(
        "merchant_id",
        "amount_cents",
        "channel",
        "buyer_id",
        "buyer_is_fan",
        "live_session_id",
        "category_code",
        now=t.day.between(ibis.date(campaign.first_day), ibis.date(campaign.last_day)),
    )


def _sliced(o: ir.Table, industry: Slice, segments: list[Slice]) -> ir.Table:
    """Each order once for the industry and once for every segment it is in (``slice``)."""
    parts = [o.mutate(slice=ibis.literal(industry.name))]
    for segment in segments:
        inside = o.category_code.isin(list(segment.categories))
        if segment.merchants:
            inside = inside | o.merchant_id.isin(list(segment.merchants))
        parts.append(o.filter(inside).mutate(slice=ibis.literal(segment.name)))
    return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]


KEYS = ["slice", "merchant_id"]


def _gmv(t: ir.Table) -> ir.Table:
    short_video = t.channel == "short_video"
    return t.group_by(KEYS).aggregate(
        gmv=t.amount_cents.sum(where=t.now),
        short_video_gmv=t.amount_cents.sum(where=t.now & short_video),
        base_gmv=t.amount_cents.sum(where=~t.now),
        base_short_video_gmv=t.amount_cents.sum(where=~t.now & short_video),
    )


def _fans(t: ir.Table) -> ir.Table:
    bought = (
        t.filter(t.now, t.buyer_is_fan, t.buyer_id.notnull())
        .group_by([*KEYS, "buyer_id"])
        .aggregate(orders=ibis._.count())
    )
    return bought.group_by(KEYS).aggregate(
        fans=bought.count(), repeat_fans=bought.count(where=bought.orders >= 2)
    )


def _sessions(t: ir.Table, big_session_cents: int) -> ir.Table:
    sold = (
        t.filter(t.now, t.live_session_id.notnull())
        .group_by([*KEYS, "live_session_id"])
        .aggregate(session_gmv=ibis._.amount_cents.sum())
    )
    return sold.group_by(KEYS).aggregate(
        big_sessions=sold.count(where=sold.session_gmv >= big_session_cents),
        top_session_gmv=sold.session_gmv.max(),
    )


def _broadcast(sessions: ir.Table, campaign: Period, baseline: Period, epoch: Epoch) -> ir.Table:
    def started_in(period: Period) -> ir.BooleanValue:
        return (sessions.started_at >= _instant(period.starts_at)) & (
            sessions.started_at < _instant(period.ends_at)
        )

    now, before = started_in(campaign), started_in(baseline)
    s = sessions.filter(now | before).select(
        "merchant_id",
        now=now,
        seconds=epoch(sessions.ended_at) - epoch(sessions.started_at),
    )
    return s.group_by("merchant_id").aggregate(
        live_seconds=s.seconds.sum(where=s.now), base_live_seconds=s.seconds.sum(where=~s.now)
    )


def _instant(value: datetime) -> ir.TimestampScalar:
    """An instant as a UTC timestamp literal (an engine would read a zoned one's wall time)."""
    return ibis.literal(value.astimezone(UTC), type="timestamp('UTC')")


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
    """``slice``, ``merchant_id`` and :data:`rules.SUMS`: one row per slice and merchant with
    counted orders in the campaign or its baseline. ``slices[0]`` is the industry."""
    industry, segments = slices[0], slices[1:]
    t = _sliced(_counted(orders, industry, campaign, baseline), industry, segments)
    joined = (
        _gmv(t)
        .left_join(_fans(t), KEYS)
        .drop("slice_right", "merchant_id_right")
        .left_join(_sessions(t, big_session_cents), KEYS)
        .drop("slice_right", "merchant_id_right")
    )
    joined = joined.left_join(_broadcast(sessions, campaign, baseline, epoch), "merchant_id")
    return joined.select(
        "slice",
        "merchant_id",
        **{name: joined[name].fill_null(0).cast("int64") for name in SUMS},
    )
