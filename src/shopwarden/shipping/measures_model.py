"""A merchant's week in whole numbers, and the exact ratios SHIP-2 and SHIP-3 read from them.

The engines count; the ratios are exact fractions, so "share > 70 %" and "on-time rate ≥ 97 %"
are decided without rounding (2107 of 3010 is exactly 70 %: not above). A ratio is shown as a
percentage cut (not rounded) to two decimals and the counts it is made of, so a shown value
never seems to cross a threshold the exact value does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

COUNTS = ("paid_orders", "committed_orders", "flash_orders", "due_orders", "on_time_orders")
"""The per-merchant counts of a measured week, as the engines return them."""


def percent(value: Fraction | Decimal) -> str:
    """``value`` (a share) as a percentage cut to two decimals: 0.969999 → ``96.99%``."""
    hundredths = int(Fraction(value) * 10_000)  # int() truncates toward zero
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


@dataclass(frozen=True, slots=True)
class Ratio:
    """``numerator`` of ``denominator``, compared exactly with a rate like ``Decimal("0.70")``."""

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        if self.denominator <= 0:
            raise ValueError("a ratio needs a positive denominator")

    @property
    def value(self) -> Fraction:
        return Fraction(self.numerator, self.denominator)

    def _other(self, other: Any) -> Fraction:
        if isinstance(other, Ratio):
            return other.value
        if isinstance(other, Decimal | int | Fraction):
            return Fraction(other)
        raise TypeError(f"a ratio compares with a number or a ratio, not {other!r}")

    def __lt__(self, other: Any) -> bool:
        return self.value < self._other(other)

    def __le__(self, other: Any) -> bool:
        return self.value <= self._other(other)

    def __gt__(self, other: Any) -> bool:
        return self.value > self._other(other)

    def __ge__(self, other: Any) -> bool:
        return self.value >= self._other(other)

    def __str__(self) -> str:
        return f"{percent(self.value)} ({self.numerator} of {self.denominator})"


@dataclass(frozen=True, slots=True)
class WeekMeasures:
    """One merchant's measured week (SHIP-1, SHIP-2)."""

    paid_orders: int = 0  # every order paid in the week, flash purchases included
    committed_orders: int = 0  # of them, committed in-stock (24 h / 48 h, never flash)
    flash_orders: int = 0  # of them, flash purchases (闪电购)
    due_orders: int = 0  # of them, whose promised time passed before the week's end
    on_time_orders: int = 0  # of those, shipped by their promised time

    def __post_init__(self) -> None:
        counts = self.as_dict()
        if any(v < 0 for v in counts.values()):
            raise ValueError(f"counts are never negative: {counts}")
        if max(self.committed_orders, self.flash_orders, self.due_orders) > self.paid_orders:
            raise ValueError(f"a part counts more than the paid orders: {counts}")
        if self.on_time_orders > self.due_orders:
            raise ValueError(f"more on time than due: {counts}")

    @property
    def share(self) -> Ratio | None:
        """Committed in-stock share = committed in-stock paid orders / all paid orders."""
        return Ratio(self.committed_orders, self.paid_orders) if self.paid_orders else None

    @property
    def on_time_rate(self) -> Ratio | None:
        """On-time rate = due orders shipped by their promised time / due orders."""
        return Ratio(self.on_time_orders, self.due_orders) if self.due_orders else None

    @property
    def late_orders(self) -> int:
        return self.due_orders - self.on_time_orders

    def as_dict(self) -> dict[str, int]:
        return {name: int(getattr(self, name)) for name in COUNTS}
