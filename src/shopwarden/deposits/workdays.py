"""Working-day deadlines on the mainland-China calendar (SPEC conventions, DEP-14).

Why a library and not a list: the State Council announces holidays and weekend make-up
working days each year; ``holidays``' China calendar carries the announced ones and computes
later years by rule, so a deadline that runs from December into a year not yet announced
still has an answer instead of an exception. Pure: no database, no clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from shopwarden.deposits.rules import Policy


@lru_cache(maxsize=64)
def _calendar(country: str, year: int) -> holidays.HolidayBase:
    """One year's calendar, built eagerly so its make-up working days are known too."""
    return holidays.country_holidays(country, years=year)


def is_working_day(day: date, country: str = "CN") -> bool:
    """A weekday that is no public holiday, or a weekend day announced as a make-up day."""
    calendar = _calendar(country, day.year)
    if day.weekday() >= 5:
        return day in calendar.weekend_workdays
    return day not in calendar


def nth_working_day_after(day: date, n: int, country: str = "CN") -> date:
    """The ``n``-th working day after ``day`` (``day`` itself never counts)."""
    if n < 1:
        raise ValueError("count at least one working day")
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day, country):
            counted += 1
    return day


def working_day_deadline(start: datetime, n: int, *, timezone: str, country: str) -> datetime:
    """24:00 local time of the ``n``-th working day after the day ``start`` falls on (SPEC)."""
    zone = ZoneInfo(timezone)
    last = nth_working_day_after(start.astimezone(zone).date(), n, country)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def refund_deadline(
    applied_at: datetime, policy: Policy, *, timezone: str, country: str
) -> datetime:
    """DEP-14: end of the review, 24:00 of the N-th working day after the application's day."""
    days = policy.params.refund.review_working_days
    return working_day_deadline(applied_at, days, timezone=timezone, country=country)
