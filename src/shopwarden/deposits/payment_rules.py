"""Paying the cash deposit as pure rules (DEP-1, DEP-3).

The first cash deposit is at least what the merchant's categories require (DEP-1, DEP-2). A
payment pays compensation a consumer is still owed first, the oldest case first, and only the
rest is frozen as the cash deposit (DEP-3). Nothing here reads a clock or a database: ``cash.py``
gathers the facts, asks these rules and moves the money.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shopwarden.deposits.rules import ZERO
from shopwarden.money import Money


def first_payment_short_by(*, amount: Money, required: Money) -> Money:
    """DEP-1: the first cash deposit is at least the required deposit (DEP-2); what this
    payment lacks of it, zero when it is enough."""
    return max(required - amount, ZERO)


@dataclass(frozen=True, slots=True)
class OwedCase:
    """An after-sales case whose compensation is still partly owed to the consumer."""

    case_id: str
    unpaid: Money


@dataclass(frozen=True, slots=True)
class Allocation:
    """Where a cash payment goes: to the consumers still owed, then into the deposit."""

    to_cases: tuple[tuple[str, Money], ...]  # (case id, amount), oldest case first
    frozen: Money  # what is left, frozen as the cash deposit (DEP-1)

    @property
    def to_consumers(self) -> Money:
        return sum((part for _, part in self.to_cases), ZERO)


def allocate_payment(*, amount: Money, owed: Sequence[OwedCase]) -> Allocation:
    """DEP-3: compensation still owed is paid first, in the order the cases are given (the
    oldest closed first); the rest of the payment is frozen as the cash deposit (DEP-1)."""
    remaining = amount
    parts: list[tuple[str, Money]] = []
    for case in owed:
        part = min(remaining, case.unpaid)
        if not part.is_positive():
            break
        parts.append((case.case_id, part))
        remaining -= part
    return Allocation(tuple(parts), remaining)
