"""REPORT-1: a campaign report's figures from the engine's whole-number sums, exactly.

The engine adds up, per merchant and slice (the industry, each segment), the campaign period's
and the baseline's GMV in cents, short-video GMV, fans and repeat fans, big sessions and the
largest session's GMV, and broadcast seconds. Everything here is integer arithmetic on those
sums: a rate or a growth is a percentage with two decimals, rounded half away from zero, and a
division by nothing (no target, a baseline with no sales or no broadcast, no fans) is ``None``
("n/a"), never an error. An industry's or a segment's line adds its merchants' sums (the largest
session is the largest of theirs).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from shopwarden.money import Money

FAMILY = "reports"
SUMS = (
    "gmv",
    "short_video_gmv",
    "fans",
    "repeat_fans",
    "big_sessions",
    "top_session_gmv",
    "live_seconds",
    "base_gmv",
    "base_short_video_gmv",
    "base_live_seconds",
)
"""The engine's columns per (slice, merchant), in this order (``expression.py``)."""


@dataclass(frozen=True, slots=True)
class Sums:
    """One merchant's (or a slice's) whole-number sums; amounts in cents, time in seconds."""

    gmv: int = 0
    short_video_gmv: int = 0
    fans: int = 0
    repeat_fans: int = 0
    big_sessions: int = 0
    top_session_gmv: int = 0
    live_seconds: int = 0
    base_gmv: int = 0
    base_short_video_gmv: int = 0
    base_live_seconds: int = 0

    def __add__(self, other: Sums) -> Sums:
        values = {f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        values["top_session_gmv"] = max(self.top_session_gmv, other.top_session_gmv)
        return Sums(**values)


assert tuple(f.name for f in fields(Sums)) == SUMS, "keep SUMS in step with Sums"


def total(items: list[Sums]) -> Sums:
    result = Sums()
    for item in items:
        result = result + item
    return result


def _divide_half_away(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to a whole number, half away from zero."""
    quotient = (2 * abs(numerator) + denominator) // (2 * denominator)
    return -quotient if numerator < 0 else quotient


def percent(numerator: int, denominator: int) -> Decimal | None:
    """``numerator / denominator`` as a percentage with two decimals; None when dividing by 0."""
    if denominator <= 0:
        return None
    return Decimal(_divide_half_away(numerator * 10_000, denominator)).scaleb(-2)


def growth(current: int, baseline: int) -> Decimal | None:
    """Year on year: ``(current - baseline) / baseline`` in percent; None ("n/a") when the
    baseline had nothing (REPORT-1: no division error, no infinite growth)."""
    return percent(current - baseline, baseline)


def hours(seconds: int, days: int = 1) -> Decimal:
    """Seconds as hours with two decimals (per day when ``days`` > 1), half away from zero."""
    return Decimal(_divide_half_away(seconds * 100, 3600 * days)).scaleb(-2)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a report: the industry, a segment or a merchant (REPORT-1)."""

    level: str  # industry | segment | merchant
    key: str  # the industry's code, the segment's name, the merchant's id
    merchants: int
    gmv: Money
    target: Money | None
    gmv_completion_rate: Decimal | None
    baseline_gmv: Money
    gmv_growth_yoy: Decimal | None
    short_video_gmv: Money
    baseline_short_video_gmv: Money
    short_video_gmv_growth_yoy: Decimal | None
    broadcast_hours: Decimal
    baseline_broadcast_hours: Decimal
    broadcast_hours_growth: Decimal | None
    average_daily_live_hours: Decimal
    fans: int
    repeat_fans: int
    fan_repurchase_rate: Decimal | None
    big_sessions: int
    top_session_gmv: Money


def line(
    level: str, key: str, sums: Sums, *, merchants: int, target: int | None, days: int
) -> Line:
    """REPORT-1's figures of one line from its sums; ``days`` is the campaign's length."""
    return Line(
        level=level,
        key=key,
        merchants=merchants,
        gmv=Money.of_cents(sums.gmv),
        target=None if target is None else Money.of_cents(target),
        gmv_completion_rate=None if target is None else percent(sums.gmv, target),
        baseline_gmv=Money.of_cents(sums.base_gmv),
        gmv_growth_yoy=growth(sums.gmv, sums.base_gmv),
        short_video_gmv=Money.of_cents(sums.short_video_gmv),
        baseline_short_video_gmv=Money.of_cents(sums.base_short_video_gmv),
        short_video_gmv_growth_yoy=growth(sums.short_video_gmv, sums.base_short_video_gmv),
        broadcast_hours=hours(sums.live_seconds),
        baseline_broadcast_hours=hours(sums.base_live_seconds),
        broadcast_hours_growth=growth(sums.live_seconds, sums.base_live_seconds),
        average_daily_live_hours=hours(sums.live_seconds, days),
        fans=sums.fans,
        repeat_fans=sums.repeat_fans,
        fan_repurchase_rate=percent(sums.repeat_fans, sums.fans),
        big_sessions=sums.big_sessions,
        top_session_gmv=Money.of_cents(sums.top_session_gmv),
    )


def report_lines(
    *,
    industry: str,
    segments: list[str],
    rows: dict[str, dict[str, Sums]],
    target: int,
    merchant_targets: dict[str, int],
    days: int,
) -> list[Line]:
    """The industry's line, each segment's, then each merchant's (by merchant id).

    ``rows`` maps a slice (``industry`` or a segment's name) to its merchants' sums."""
    merchants = rows.get(industry, {})
    lines = [
        line(
            "industry",
            industry,
            total(list(merchants.values())),
            merchants=len(merchants),
            target=target,
            days=days,
        )
    ]
    for name in segments:
        members = rows.get(name, {})
        lines.append(
            line(
                "segment",
                name,
                total(list(members.values())),
                merchants=len(members),
                target=None,
                days=days,
            )
        )
    for merchant_id in sorted(merchants):
        lines.append(
            line(
                "merchant",
                merchant_id,
                merchants[merchant_id],
                merchants=1,
                target=merchant_targets.get(merchant_id),
                days=days,
            )
        )
    return lines
