"""What the incoming-payments API accepts and shows (DEP-15)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from shopwarden.money import Money
from shopwarden.payments.tables import IncomingPaymentRow
from shopwarden.schema_types import Identifier, MoneyText, PositiveMoneyText

Reference = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/\-]{0,199}$", max_length=200)
]
# not blank: what the schema can say of a text that is stripped before its length is checked
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=r"\S")
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IncomingPaymentIn(Strict):
    """Money paid in from outside (a bank transfer's reference), pending until confirmed."""

    merchant_id: Identifier
    amount: PositiveMoneyText
    reference: Reference


class RejectionIn(Strict):
    reason: Text


class IncomingPaymentOut(BaseModel):
    id: int
    merchant_id: str
    amount: MoneyText
    reference: str
    status: Literal["pending", "confirmed", "rejected"]
    hold_id: int
    transaction_id: int | None
    requested_by: str
    requested_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    reason: str | None


def incoming_out(row: IncomingPaymentRow) -> IncomingPaymentOut:
    return IncomingPaymentOut(
        id=row.id,
        merchant_id=row.merchant_id,
        amount=Money(row.amount_cents),
        reference=row.reference,
        status=row.status,  # type: ignore[arg-type]
        hold_id=row.hold_id,
        transaction_id=row.transaction_id,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
        reason=row.reason,
    )
