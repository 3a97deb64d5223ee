"""The workspace's clock: the wall clock, or a simulated instant the workspace remembers.

The demo governs a month in the past; a workspace made by it keeps the demo's instant, so that
``serve``, ``score``, ``cycle`` and every other command see the same data the same way (a score
read on today's date would find no orders in its window). The state is one small file,
``<home>/clock.json``, written atomically; a long-running server notices a change (``shopwarden
clock advance`` in another terminal) by the file's modification time, without re-reading it on
every call.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from shopwarden.clock import ClockError, ensure_aware, shanghai_text
from shopwarden.errors import InvalidInput

CLOCK_FILE = "clock.json"
Mode = Literal["system", "simulated"]


@dataclass(frozen=True, slots=True)
class ClockState:
    """``simulated`` stands still at ``instant`` until set or advanced; ``system`` follows
    the wall clock (``instant`` is then None)."""

    mode: Mode
    instant: datetime | None = None


class WorkspaceClock:
    """A :class:`~shopwarden.clock.Clock` backed by the workspace's clock file."""

    def __init__(self, home: Path) -> None:
        self.path = home / CLOCK_FILE
        self._lock = threading.Lock()
        self._seen: int | None = None  # the file's mtime_ns when last read; -1: no file
        self._state = ClockState("system")

    def now(self) -> datetime:
        state = self.state()
        if state.instant is None:
            return datetime.now(UTC)
        return state.instant

    def state(self) -> ClockState:
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = -1
        with self._lock:
            if stamp != self._seen:
                self._state = _read(self.path) if stamp != -1 else ClockState("system")
                self._seen = stamp
            return self._state

    def set(self, instant: datetime) -> ClockState:
        """Simulate ``instant``; a simulated clock moves forward only (decisions are dated)."""
        instant = ensure_aware(instant)
        current = self.state()
        if current.instant is not None and instant < current.instant:
            raise ClockError(
                f"the clock moves forward only: {shanghai_text(instant)} is before "
                f"{shanghai_text(current.instant)}"
            )
        return self._write(ClockState("simulated", instant))

    def advance(self, delta: timedelta) -> ClockState:
        if delta <= timedelta(0):
            raise InvalidInput("advance by a positive duration", field="by")
        return self.set(self.now() + delta)

    def use_system(self) -> ClockState:
        """Back to the wall clock (a workspace whose simulated time is past today refuses)."""
        current = self.state()
        if current.instant is not None and current.instant > datetime.now(UTC):
            raise ClockError(
                f"the simulated clock stands at {shanghai_text(current.instant)}, after now: "
                "decisions already dated would come before new ones"
            )
        self.path.unlink(missing_ok=True)
        with self._lock:
            self._seen = None
        return self.state()

    def _write(self, state: ClockState) -> ClockState:
        assert state.instant is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        staging = self.path.with_suffix(".json.tmp")
        body = {"mode": state.mode, "instant": state.instant.isoformat()}
        staging.write_text(json.dumps(body) + "\n", encoding="utf-8")
        os.replace(staging, self.path)
        with self._lock:
            self._seen = None
        return self.state()


def _read(path: Path) -> ClockState:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        instant = ensure_aware(datetime.fromisoformat(body["instant"]))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ClockError(f"{path}: not a clock file ({error})") from error
    return ClockState("simulated", instant)


def parse_duration(text: str) -> timedelta:
    """``30m``, ``6h``, ``1d``, ``2w`` (a number and a unit): how far ``advance`` moves."""
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.isdigit() or int(number) <= 0 or len(number) > 6:
        raise InvalidInput(f"{text!r} is not a duration like 30m, 6h, 1d or 2w", field="by")
    return timedelta(**{units[unit]: int(number)})
