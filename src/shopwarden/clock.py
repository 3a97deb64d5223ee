"""Where the service reads the time.

Rules never read the wall clock: they take an explicit ``as_of``. The services that stamp
``recorded_at`` get their time from an injected :class:`Clock`, so that a scenario can replay a
merchant's timeline on a simulated clock.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ClockError(ValueError):
    pass


class SimulatedClock:
    """A clock that only moves when told to, and never backwards."""

    def __init__(self, start: datetime) -> None:
        self._now = ensure_aware(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def advance_to(self, instant: datetime) -> None:
        instant = ensure_aware(instant)
        with self._lock:
            if instant < self._now:
                raise ClockError(
                    f"the clock moves forward only: {instant.isoformat()} is before "
                    f"{self._now.isoformat()}"
                )
            self._now = instant


def ensure_aware(instant: datetime) -> datetime:
    """Every instant carries its zone; a naive one is refused rather than guessed."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ClockError(f"{instant.isoformat()} has no time zone")
    return instant.astimezone(UTC)


def as_utc(instant: datetime) -> datetime:
    """Instants read back from SQLite lose their zone; they were stored in UTC."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def shanghai_text(instant: datetime) -> str:
    """How an instant is shown: RFC 3339 with the Asia/Shanghai offset, the rules' zone."""
    return instant.astimezone(SHANGHAI).isoformat()
