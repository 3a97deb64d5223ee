"""Natural months and the fee invoice's availability as pure rules (BNPL-10)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.rules import FAMILY
from shopwarden.clock import SHANGHAI, ensure_aware
from shopwarden.decisions.model import Decision, compare

_MONTH = re.compile(r"(?P<year>[0-9]{4})-(?P<month>0[1-9]|1[0-2])", re.ASCII)
FIRST_YEAR, LAST_YEAR = 2000, 9998  # the month after LAST_YEAR-12 is still a date
MONTH_PATTERN = r"^(2[0-9]{3}|[3-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-(0[1-9]|1[0-2])$"
"""JSON Schema pattern of a month: ``YYYY-MM``, years 2000 to 9998."""


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A natural month in Asia/Shanghai, written ``2024-03``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH.fullmatch(text)
        if match is None:
            raise ValueError(f"{text!r} is not a month like 2024-03")
        if not FIRST_YEAR <= int(match["year"]) <= LAST_YEAR:
            raise ValueError(f"{text!r} is outside the years {FIRST_YEAR} to {LAST_YEAR}")
        return cls(int(match["year"]), int(match["month"]))

    @classmethod
    def of(cls, instant: datetime) -> Month:
        local = ensure_aware(instant).astimezone(SHANGHAI)
        return cls(local.year, local.month)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        if self.month == 1:
            return Month(self.year - 1, 12)
        return Month(self.year, self.month - 1)

    def start(self) -> datetime:
        """The first instant of the month, 00:00 of the 1st in Asia/Shanghai."""
        return datetime.combine(date(self.year, self.month, 1), time(0), SHANGHAI)

    def end(self) -> datetime:
        """The first instant after the month (exclusive)."""
        return self.next().start()

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def invoice_available_from(month: Month, policy: BnplPolicy) -> datetime:
    """BNPL-10: from day ``invoice_from_day`` (the 1st) of the next month, 00:00 Shanghai."""
    first = month.next()
    day = date(first.year, first.month, policy.invoice_from_day)
    return datetime.combine(day, time(0), SHANGHAI)


def decide_invoice_request(
    merchant_id: str, month: Month, as_of: datetime, policy: BnplPolicy, version: str
) -> Decision:
    """A month's fee invoice may be asked for once the month is over (BNPL-10)."""
    opens = invoice_available_from(month, policy)
    allowed = ensure_aware(as_of) >= opens
    return Decision(
        rule_id="BNPL-10",
        subject=f"invoice:{merchant_id}:{month}",
        outcome="allowed" if allowed else "refused",
        summary=(
            f"the fees of {month} can be invoiced"
            if allowed
            else f"the fees of {month} can be invoiced from {opens.isoformat()}, "
            "once the natural month is over"
        ),
        policy_family=FAMILY,
        policy_version=version,
        merchant_id=merchant_id,
        items=(compare("asked at (BNPL-10)", as_of.astimezone(SHANGHAI), ">=", opens),),
    )
