"""A campaign and the periods a report compares (REPORT-1), as pure values.

A campaign runs over whole Asia/Shanghai days, first and last day included, in one industry (a
category of the catalog tree and everything under it). Year on year compares it with last
year's edition of the same campaign: its own dates, since a Spring Festival campaign moves with
the lunar calendar. The baseline is, in this order: the edition the campaign names
(``baseline_campaign_id``), the period it names (``baseline_first_day`` .. ``last_day``), else
the latest earlier campaign of the same name and industry, else the same calendar days one year
before (29 February becomes the 28th).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from shopwarden.clock import SHANGHAI

BaselineSource = Literal["named_campaign", "named_period", "previous_edition", "year_before"]


@dataclass(frozen=True, slots=True)
class Period:
    """Whole Shanghai days, both ends included."""

    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def starts_at(self) -> datetime:
        """00:00 +08:00 of the first day."""
        return datetime.combine(self.first_day, time(0), tzinfo=SHANGHAI)

    @property
    def ends_at(self) -> datetime:
        """00:00 +08:00 of the day after the last (exclusive)."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=SHANGHAI)

    def year_before(self) -> Period:
        return Period(_year_before(self.first_day), _year_before(self.last_day))


def _year_before(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


@dataclass(frozen=True, slots=True)
class Segment:
    """A named group inside the industry (特色综合商圈): orders of these sub-categories (and
    everything under them) or of these merchants."""

    name: str
    categories: tuple[str, ...] = ()
    merchants: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Edition:
    """An earlier campaign, as far as choosing a baseline needs it."""

    campaign_id: str
    name: str
    industry: str
    period: Period


@dataclass(frozen=True, slots=True)
class Baseline:
    period: Period
    source: BaselineSource
    campaign_id: str | None = None


def choose_baseline(
    *,
    name: str,
    industry: str,
    period: Period,
    named_campaign: Edition | None,
    named_period: Period | None,
    earlier: list[Edition],
) -> Baseline:
    """REPORT-1 Default: last year's edition of the campaign (module docstring for the order)."""
    if named_campaign is not None:
        return Baseline(named_campaign.period, "named_campaign", named_campaign.campaign_id)
    if named_period is not None:
        return Baseline(named_period, "named_period")
    editions = [
        e
        for e in earlier
        if e.name == name and e.industry == industry and e.period.last_day < period.first_day
    ]
    if editions:
        latest = max(editions, key=lambda e: (e.period.first_day, e.campaign_id))
        return Baseline(latest.period, "previous_edition", latest.campaign_id)
    return Baseline(period.year_before(), "year_before")
