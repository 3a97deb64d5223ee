"""Money as a value type over integer cents (fen) of CNY.

Every amount in shopwarden is a whole number of cents. Text such as ``"1000.00"`` is the only
way in from the outside; a float is refused, because a float cannot carry a cent exactly.
Rates multiply money through :func:`apply_rate`, which rounds half-up to the cent once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

_MONEY_TEXT = re.compile(r"^(?P<sign>-)?(?P<whole>\d{1,15})(?:\.(?P<frac>\d{1,2}))?$")


class MoneyError(ValueError):
    """Text or a value that is not an amount of money in cents."""


@dataclass(frozen=True, order=True, slots=True)
class Money:
    """An amount in integer cents. Build it with :meth:`parse` or :meth:`of_cents`."""

    cents: int

    def __post_init__(self) -> None:
        if type(self.cents) is not int:
            raise MoneyError(f"cents must be an int, got {type(self.cents).__name__}")

    @classmethod
    def of_cents(cls, cents: int) -> Money:
        return cls(cents)

    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    @classmethod
    def parse(cls, value: Any) -> Money:
        """Read ``"1000.00"``, ``"12.5"`` or ``"7"``; refuse floats and a third decimal."""
        if isinstance(value, Money):
            return value
        if isinstance(value, bool | float):
            raise MoneyError('amounts are written as text like "1000.00", never as a float')
        if isinstance(value, int):
            return cls(value * 100)
        if isinstance(value, Decimal):
            value = format(value, "f")
        if not isinstance(value, str):
            raise MoneyError(f'expected an amount like "1000.00", got {type(value).__name__}')
        match = _MONEY_TEXT.match(value.strip())
        if match is None:
            if re.match(r"^-?\d+\.\d{3,}$", value.strip()):
                raise MoneyError(f"{value!r} has more than 2 decimals; amounts are in whole cents")
            raise MoneyError(f'{value!r} is not an amount like "1000.00"')
        cents = int(match["whole"]) * 100 + int((match["frac"] or "0").ljust(2, "0"))
        return cls(-cents if match["sign"] else cents)

    def __add__(self, other: Money) -> Money:
        return Money(self.cents + other.cents)

    def __sub__(self, other: Money) -> Money:
        return Money(self.cents - other.cents)

    def __neg__(self) -> Money:
        return Money(-self.cents)

    def is_positive(self) -> bool:
        return self.cents > 0

    def to_text(self) -> str:
        sign = "-" if self.cents < 0 else ""
        whole, frac = divmod(abs(self.cents), 100)
        return f"{sign}{whole}.{frac:02d}"

    def __str__(self) -> str:
        return self.to_text()


def apply_rate(amount: Money, rate: Decimal) -> Money:
    """``amount × rate``, rounded half-up to the cent once, at the end (SPEC conventions)."""
    if not isinstance(rate, Decimal):
        raise MoneyError("a rate must be a Decimal")
    exact = Decimal(amount.cents) * rate
    return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def format_cents(cents: int) -> str:
    return Money(cents).to_text()
