"""Pure ledger values: postings, transfer and hold requests, balances.

A transfer cannot be built unbalanced: its postings sum to zero or the constructor refuses it.
No I/O here; the service in ``service.py`` stores what these values describe.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shopwarden.errors import InvalidInput
from shopwarden.money import Money

PLATFORM = "platform"


def merchant_account_code(merchant_id: str, purpose: str) -> str:
    return f"merchant:{merchant_id}:{purpose}"


def platform_account_code(purpose: str) -> str:
    return f"{PLATFORM}:{purpose}"


@dataclass(frozen=True, slots=True)
class Posting:
    """One leg: a signed amount on an account. Positive credits it, negative debits it."""

    account: str
    amount: Money


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """Two or more postings that sum to zero, posted together (DEP-15)."""

    postings: tuple[Posting, ...]
    description: str
    effective_at: datetime | None = None
    idempotency_key: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.postings) < 2:
            raise InvalidInput("a transaction needs two or more postings", field="postings")
        if any(p.amount.cents == 0 for p in self.postings):
            raise InvalidInput("a posting of 0.00 moves nothing", field="postings")
        if len({p.account for p in self.postings}) != len(self.postings):
            raise InvalidInput("each account appears once per transaction", field="postings")
        total = sum(p.amount.cents for p in self.postings)
        if total != 0:
            raise InvalidInput(
                f"postings must sum to 0.00, they sum to {Money(total)}",
                field="postings",
                rule="DEP-15",
            )

    def fingerprint(self) -> str:
        """What the request asks for, so a retry with the same key can be told from a new ask."""
        return fingerprint(
            {
                "postings": sorted((p.account, p.amount.cents) for p in self.postings),
                "description": self.description,
                "effective_at": self.effective_at.isoformat() if self.effective_at else None,
                "details": self.details,
            }
        )


def transfer(
    debit: str,
    credit: str,
    amount: Money,
    description: str,
    *,
    idempotency_key: str | None = None,
    effective_at: datetime | None = None,
    details: dict[str, Any] | None = None,
) -> TransferRequest:
    """Move ``amount`` from ``debit`` to ``credit``."""
    if not amount.is_positive():
        raise InvalidInput("the amount must be more than 0.00", field="amount")
    return TransferRequest(
        postings=(Posting(debit, -amount), Posting(credit, amount)),
        description=description,
        effective_at=effective_at,
        idempotency_key=idempotency_key,
        details=details or {},
    )


@dataclass(frozen=True, slots=True)
class HoldRequest:
    """Reserve ``amount`` on ``debit`` for ``credit``: pending until posted or voided."""

    debit: str
    credit: str
    amount: Money
    description: str
    effective_at: datetime | None = None
    idempotency_key: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.amount.is_positive():
            raise InvalidInput("the amount must be more than 0.00", field="amount")
        if self.debit == self.credit:
            raise InvalidInput("a hold moves money between two accounts", field="credit")

    def fingerprint(self) -> str:
        return fingerprint(
            {
                "hold": [self.debit, self.credit, self.amount.cents],
                "description": self.description,
                "effective_at": self.effective_at.isoformat() if self.effective_at else None,
                "details": self.details,
            }
        )


@dataclass(frozen=True, slots=True)
class Balance:
    """``posted`` is settled money; ``pending_out`` is reserved by holds and not spendable."""

    posted: int
    pending_out: int
    pending_in: int

    @property
    def available(self) -> int:
        return self.posted - self.pending_out


def fingerprint(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
