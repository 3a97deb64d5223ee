"""The score's window: the last N complete Asia/Shanghai days before ``as_of`` (SCORE-1).

As of any instant of day D (Shanghai), the window is days D-N .. D-1: from D-N 00:00 +08:00
(inclusive) to D 00:00 +08:00 (exclusive). Orders count by the day they were paid; events of
those orders (shipment, rating, refund, dispute ...) count when they happened before the
window's end, so replaying a past day sees only what was known by then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shopwarden.facts.model import day_start, shanghai_day


@dataclass(frozen=True, slots=True)
class Window:
    day: date  # the day the score is for (D)
    first_day: date  # D - N
    last_day: date  # D - 1
    start: datetime  # first_day 00:00 Shanghai, in UTC
    end: datetime  # D 00:00 Shanghai, in UTC, exclusive

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def start_epoch(self) -> int:
        return int(self.start.timestamp())

    @property
    def end_epoch(self) -> int:
        return int(self.end.timestamp())

    def label(self) -> str:
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()} (Asia/Shanghai)"


def score_window(as_of: datetime, days: int) -> Window:
    day = shanghai_day(as_of)
    first = day - timedelta(days=days)
    return Window(
        day=day,
        first_day=first,
        last_day=day - timedelta(days=1),
        start=day_start(first),
        end=day_start(day),
    )
