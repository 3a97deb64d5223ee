"""What a ledger movement may leave behind: totals in range, no-negative accounts not below 0.

Every total an account carries (posted, pending in, pending out, and the available balance
computed from them) and every posting stays inside the signed 64-bit range the columns hold:
a movement that would leave it is refused with ``invalid-input`` naming ``amount`` before
anything is written, whoever asks (the API, the CLI, the cycle, the demo) (DEP-15). An account
flagged ``no_negative`` refuses a movement that would take its available balance below 0.00
with ``insufficient-funds`` (DEP-15).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shopwarden.errors import InsufficientFunds, InvalidInput
from shopwarden.money import Money

# The range of the BIGINT columns that store totals and postings (DEP-15).
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def out_of_range(cents: int) -> bool:
    return not INT64_MIN <= cents <= INT64_MAX


def ensure_posting_in_range(cents: int) -> None:
    """A single posting (or hold) must fit a signed 64-bit column, either sign (DEP-15)."""
    if out_of_range(cents) or out_of_range(-cents):
        raise InvalidInput(
            f"the amount {Money(abs(cents))} is more than the ledger can hold",
            field="amount",
            rule="DEP-15",
        )


@dataclass
class Totals:
    """An account's running totals, locked, while movements are applied in memory."""

    id: int
    code: str
    no_negative: bool
    posted: int
    pending_out: int
    pending_in: int
    stored: tuple[int, int, int] = field(init=False)

    def __post_init__(self) -> None:
        self.saved()

    def saved(self) -> None:
        self.stored = (self.posted, self.pending_out, self.pending_in)

    @property
    def changed(self) -> bool:
        return self.stored != (self.posted, self.pending_out, self.pending_in)

    def ensure_allowed(self, rule: str = "DEP-15") -> None:
        if self.no_negative and self.posted - self.pending_out < 0:
            raise InsufficientFunds(
                f"account {self.code} would have {Money(self.posted - self.pending_out)} "
                "available; it may not go below 0.00",
                field="account",
                rule=rule,
                extra={"account": self.code},
            )

    def ensure_in_range(self) -> None:
        """Posted, pending in and out, and available stay signed 64-bit integers (DEP-15):
        past that, a total would be refused by the database or wrap around."""
        totals = {
            "posted": self.posted,
            "pending out": self.pending_out,
            "pending in": self.pending_in,
            "available": self.posted - self.pending_out,
        }
        for name, cents in totals.items():
            if out_of_range(cents):
                raise InvalidInput(
                    f"account {self.code} would have {name} {Money(cents)}, beyond the "
                    f"ledger's range of {Money(INT64_MIN)} to {Money(INT64_MAX)}",
                    field="amount",
                    rule="DEP-15",
                    extra={"account": self.code},
                )

    def ensure_valid(self, rule: str = "DEP-15") -> None:
        self.ensure_in_range()
        self.ensure_allowed(rule)
