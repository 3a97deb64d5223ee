"""Calendar terms: a year (or some months) of cover counted on the local calendar (DEP-6).

The insurance fee buys cover "per year" (seed 002: 30 元/年). A year is a calendar year, not
365 days: cover bought at a local (Asia/Shanghai) date and time lasts until the same local
date and time one year later, so a year that contains 29 February is one day longer than
365 days and nobody loses the leap day.

Our reading where that date does not exist (cover bought on 29 February, or a term of months
from the 31st into a 30-day month): the cover runs to **the end of the last day of the target
month** — 24:00 local of 28 February, which is the instant 1 March 00:00 local. The cover then
never ends short of the anniversary; it runs a few hours longer than "28 February at the same
time" would, and never reaches into March. So 2024-02-29 10:00 +08:00 + 1 year ends at
2025-03-01T00:00+08:00. A renewal counts its year from the current cover's end, whatever that
end is.

Pure: the standard library only (tests/test_architecture.py).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_TERM = re.compile(r"^\s*(?:(?P<years>\d+)\s*years?)?\s*(?:(?P<months>\d+)\s*months?)?\s*$")


@dataclass(frozen=True, slots=True)
class CalendarTerm:
    """A whole number of calendar years and months, written ``"1 year"``, ``"6 months"``."""

    years: int = 0
    months: int = 0

    @classmethod
    def parse(cls, text: str) -> CalendarTerm:
        match = _TERM.match(text)
        if match is None or not (match["years"] or match["months"]):
            raise ValueError(
                f'{text!r} is not a calendar term like "1 year", "6 months" or "1 year 6 months"'
            )
        term = cls(int(match["years"] or 0), int(match["months"] or 0))
        if term.total_months <= 0:
            raise ValueError("a calendar term must be longer than zero")
        return term

    @property
    def total_months(self) -> int:
        return 12 * self.years + self.months

    def __str__(self) -> str:
        parts = [
            f"{n} {unit}{'s' if n != 1 else ''}"
            for n, unit in ((self.years, "year"), (self.months, "month"))
            if n
        ]
        return " ".join(parts)


def term_end(start: datetime, term: CalendarTerm, *, timezone: str) -> datetime:
    """DEP-6: the instant ``term`` after ``start`` on the local calendar of ``timezone``.

    The same local date and time ``term`` later; where that date does not exist (29 February
    in a common year, the 31st in a shorter month), 24:00 of the month's last day, i.e. 00:00
    of the next month's first day. Returned in UTC.
    """
    if start.tzinfo is None:
        raise ValueError("term_end needs an aware instant")
    zone = ZoneInfo(timezone)
    local = start.astimezone(zone)
    index = local.month - 1 + term.total_months
    year, month = local.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    if local.day <= last_day:
        end = local.replace(year=year, month=month)
    else:  # the date does not exist that month: the end of its last day (24:00 local)
        last = local.date().replace(year=year, month=month, day=last_day)
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return end.astimezone(UTC)
