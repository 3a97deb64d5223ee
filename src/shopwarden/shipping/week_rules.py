"""The natural week of the high in-stock exemption, and what one order counts for (SHIP-1, SHIP-2).

A week is seven Asia/Shanghai days from the policy's ``week.starts_on`` (Monday): from that
day's 00:00 +08:00 (inclusive) to the same weekday's 00:00 a week later (exclusive), i.e.
Monday 00:00 to Sunday 24:00. The exemption a Monday grants is measured over the week before
(SHIP-2) and may be used in the week it starts (SHIP-3, SHIP-4).

An order belongs to the week its payment falls in. As of the week's end (the measurement
instant, so the answer does not depend on when the cycle happens to run):

- it is a *committed in-stock* order when the promise the merchant set for it is one of the
  policy's ``promise_hours`` (24 h, 48 h) and it is not a flash purchase (SHIP-1);
- it is *due* when its promised time (paid + promised hours) has passed before the week's end,
  unless it was cancelled by its promised time without having been shipped by then;
- it is *on time* when it is due and was shipped by its promised time (SHIP-2 Default).

This module is pure: the engines compute the same counts with one Ibis expression
(``measures.py``), and the parity tests compare the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from shopwarden.clock import SHANGHAI, ensure_aware
from shopwarden.shipping.policy import CommittedInStock

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HOUR = 3600


@dataclass(frozen=True, order=True, slots=True)
class Week:
    """Seven Shanghai days from ``first_day`` (SHIP-2)."""

    first_day: date

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=6)

    @property
    def start(self) -> datetime:
        """``first_day`` 00:00 Asia/Shanghai, as a UTC instant (inclusive)."""
        return ensure_aware(datetime.combine(self.first_day, time(0), tzinfo=SHANGHAI))

    @property
    def end(self) -> datetime:
        """The day after ``last_day``, 00:00 Asia/Shanghai (exclusive): Sunday 24:00."""
        return ensure_aware(
            datetime.combine(self.first_day + timedelta(days=7), time(0), tzinfo=SHANGHAI)
        )

    @property
    def start_epoch(self) -> int:
        return int(self.start.timestamp())

    @property
    def end_epoch(self) -> int:
        return int(self.end.timestamp())

    def previous(self) -> Week:
        return Week(self.first_day - timedelta(days=7))

    def next(self) -> Week:
        return Week(self.first_day + timedelta(days=7))

    def contains(self, instant: datetime) -> bool:
        return self.start <= ensure_aware(instant) < self.end

    def label(self) -> str:
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()} (Asia/Shanghai)"


def week_of(instant: datetime, starts_on: str = "monday") -> Week:
    """The natural week that ``instant`` falls in (SHIP-2)."""
    day = ensure_aware(instant).astimezone(SHANGHAI).date()
    back = (day.weekday() - WEEKDAYS.index(starts_on)) % 7
    return Week(day - timedelta(days=back))


def week_starting(day: date, starts_on: str = "monday") -> Week:
    """The week whose first day is ``day``; a day that does not start a week is refused."""
    if WEEKDAYS[day.weekday()] != starts_on:
        raise ValueError(
            f"{day.isoformat()} is a {WEEKDAYS[day.weekday()]}; weeks start on {starts_on}"
        )
    return Week(day)


def measured_week(as_of: datetime, starts_on: str = "monday") -> Week:
    """The week SHIP-2 measures as of ``as_of``: the natural week before the one it falls in."""
    return week_of(as_of, starts_on).previous()


# SHIP-1 -------------------------------------------------------------------------------------
def committed_in_stock(promised_hours: int, flash_purchase: bool, rule: CommittedInStock) -> bool:
    """SHIP-1: the merchant promised 24 h or 48 h for it, and it is not a flash purchase."""
    if flash_purchase and not rule.flash_purchase_counts:
        return False
    return promised_hours in rule.promise_hours


# SHIP-2 -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OrderFact:
    """What SHIP-2 reads of one order, instants as UTC epoch seconds."""

    paid: int
    promised_hours: int
    flash_purchase: bool
    shipped: int | None = None
    cancelled: int | None = None

    @property
    def deadline(self) -> int:
        """Its promised time: paid + the promised hours."""
        return self.paid + self.promised_hours * HOUR

    def shipped_in_time(self) -> bool:
        return self.shipped is not None and self.shipped <= self.deadline

    def due(self, end: int) -> bool:
        """Its promised time passed before ``end`` and it was not cancelled before it."""
        if self.deadline >= end:
            return False
        cancelled_first = self.cancelled is not None and self.cancelled <= self.deadline
        return self.shipped_in_time() or not cancelled_first

    def on_time(self, end: int) -> bool:
        return self.due(end) and self.shipped_in_time()


def overdue_now(*, deadline: datetime, shipped_at: datetime | None, now: datetime) -> bool:
    """An order is overdue once its promised time has passed without a shipment by then."""
    if shipped_at is not None:
        return shipped_at > deadline
    return now > deadline
