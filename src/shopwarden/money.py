"""Money as a value type over integer cents (fen) of CNY.

Every amount in shopwarden is a whole number of cents. Text such as ``"1000.00"`` is the only
way in from the outside; a JSON number is refused (a float cannot carry a cent exactly, and an
integer ``10`` does not say whether it means 10.00 or 0.10).
Rates multiply money through :func:`apply_rate`, which rounds half-up to the cent once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# The grammar of an amount on the wire (docs/api.md, "Money"): ASCII digits, no leading zero,
# at most 15 whole digits, a point and EXACTLY two decimals; a "-" only on a non-zero amount.
# ``[0-9]`` and not ``\d`` (which matches every Unicode digit), matched with ``fullmatch`` (``$``
# would also match before a trailing newline).
_MONEY_TEXT = re.compile(r"(?P<sign>-)?(?P<whole>0|[1-9][0-9]{0,14})\.(?P<frac>[0-9]{2})", re.ASCII)
# Policy files (``policy/types.py``) keep their older, looser form: "500", "0.5", "1000.00".
_POLICY_TEXT = re.compile(r"(?P<whole>[0-9]{1,15})(?:\.(?P<frac>[0-9]{1,2}))?", re.ASCII)

MONEY_PATTERN = r"^(0\.00|-?(0\.(0[1-9]|[1-9][0-9])|[1-9][0-9]{0,14}\.[0-9]{2}))$"
"""JSON Schema pattern of a signed amount: the grammar of :meth:`Money.parse`."""

POSITIVE_MONEY_PATTERN = r"^(0\.(0[1-9]|[1-9][0-9])|[1-9][0-9]{0,14}\.[0-9]{2})$"
"""JSON Schema pattern of an amount above 0.00."""


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
        """Read ``"1000.00"``, ``"0.01"`` or ``"-3.20"``: exactly the documented grammar.

        ASCII digits (no other script), no leading zero, a point and exactly two decimals, a
        ``-`` only before a non-zero amount, nothing around it (no space, no newline). JSON
        numbers of every kind (int, float, bool) are refused: a number is not an amount.
        """
        if isinstance(value, Money):
            return value
        if isinstance(value, bool | float):
            raise MoneyError('amounts are written as text like "1000.00", never as a float')
        if isinstance(value, int | Decimal):
            raise MoneyError('amounts are written as text like "10.00", never as a number')
        if not isinstance(value, str):
            raise MoneyError(f'expected an amount like "1000.00", got {type(value).__name__}')
        match = _MONEY_TEXT.fullmatch(value)
        if match is None:
            raise MoneyError(_why_not(value))
        cents = int(match["whole"]) * 100 + int(match["frac"])
        if match["sign"] and cents == 0:
            raise MoneyError(f'{value!r} is not an amount: write zero as "0.00"')
        return cls(-cents if match["sign"] else cents)

    @classmethod
    def parse_policy_text(cls, value: str) -> Money:
        """A policy file's amount: ASCII ``"500"``, ``"0.5"`` or ``"1000.00"``, never negative.

        Looser than :meth:`parse` (published policy files predate the strict wire grammar) but
        still ASCII digits only, with nothing around them.
        """
        match = _POLICY_TEXT.fullmatch(value)
        if match is None:
            if re.fullmatch(r"-?[0-9]+\.[0-9]{3,}", value, re.ASCII):
                raise MoneyError(f"{value!r} has more than 2 decimals; amounts are in whole cents")
            raise MoneyError(f'{value!r} is not an amount like "1000.00"')
        return cls(int(match["whole"]) * 100 + int((match["frac"] or "0").ljust(2, "0")))

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


def _why_not(value: str) -> str:
    """Why ``value`` is not an amount, in words a client can act on."""
    shown = value if len(value) <= 40 else value[:40] + "…"
    if value != value.strip():
        return f"{shown!r} has spaces or line breaks around it; send only the amount"
    if not value.isascii():
        return f"{shown!r} is not written in ASCII digits 0-9"
    if re.fullmatch(r"-?[0-9]+\.[0-9]{3,}", value, re.ASCII):
        return f"{shown!r} has more than 2 decimals; amounts are in whole cents"
    if re.fullmatch(r"-?[0-9]+(\.[0-9])?", value, re.ASCII):
        return f'{shown!r} needs exactly two decimals, like "{_two_decimals(value)}"'
    if re.fullmatch(r"-?0[0-9]+\.[0-9]{2}", value, re.ASCII):
        return f"{shown!r} has a leading zero"
    if re.fullmatch(r"-?[0-9]{16,}\.[0-9]{2}", value, re.ASCII):
        return f"{shown!r} has more than 15 whole digits"
    return f'{shown!r} is not an amount like "1000.00"'


def _two_decimals(value: str) -> str:
    whole, _, frac = value.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def format_cents(cents: int) -> str:
    return Money(cents).to_text()
