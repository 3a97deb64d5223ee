"""Incoming payments (DEP-15): how a merchant brings money in from outside.

Money enters the platform only through a movement an operator confirms. A merchant (or an
operator for it) announces a payment with its reference: the money is pending in the wallet,
not spendable. An operator confirms it (the pending hold from ``platform:bank`` is posted into
the wallet, once) or rejects it (nothing moved). A merchant sees its own payments only;
another's answers 404.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from shopwarden.api.deps import (
    PrincipalDep,
    UnitsDep,
    merchant_filter,
    require_operator,
    require_visible,
)
from shopwarden.api.idempotency import MoneyCallDep
from shopwarden.api.params import RowId
from shopwarden.context import Context
from shopwarden.payments import service as payments
from shopwarden.payments.schemas import (
    IncomingPaymentIn,
    IncomingPaymentOut,
    RejectionIn,
    incoming_out,
)

router = APIRouter(prefix="/v1/payments", tags=["payments"])
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.post("/incoming", status_code=201, response_model=IncomingPaymentOut)
def create_incoming(body: IncomingPaymentIn, money: MoneyCallDep) -> dict[str, Any]:
    """Announce money paid in from outside: pending in the wallet until an operator confirms."""
    require_visible(money.principal, body.merchant_id, f"merchant {body.merchant_id}")

    def work(ctx: Context) -> IncomingPaymentOut:
        row = payments.create(
            ctx,
            merchant_id=body.merchant_id,
            amount=body.amount,
            reference=body.reference,
            by=money.principal.scope,
            key=money.ledger_key,
        )
        return incoming_out(row)

    return money.run(body, work)


@router.get("/incoming", response_model=list[IncomingPaymentOut])
def list_incoming(
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    status: Literal["pending", "confirmed", "rejected"] | None = None,
    limit: Limit = 100,
    after: int | None = None,
) -> list[IncomingPaymentOut]:
    merchant_id = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        rows = payments.payments(
            ctx, merchant_id=merchant_id, status=status, limit=limit, after=after
        )
        return [incoming_out(r) for r in rows]


@router.get("/incoming/{payment_id}", response_model=IncomingPaymentOut)
def get_incoming(payment_id: RowId, units: UnitsDep, principal: PrincipalDep) -> IncomingPaymentOut:
    with units() as ctx:
        row = payments.payment(ctx, payment_id=payment_id)
        require_visible(principal, row.merchant_id, f"incoming payment {payment_id}")
        return incoming_out(row)


@router.post(
    "/incoming/{payment_id}/confirmation", status_code=201, response_model=IncomingPaymentOut
)
def confirm_incoming(payment_id: RowId, money: MoneyCallDep) -> dict[str, Any]:
    """The money arrived (operators): posted from ``platform:bank`` into the wallet, once."""
    require_operator(money.principal)

    def work(ctx: Context) -> IncomingPaymentOut:
        row = payments.confirm(ctx, payment_id=payment_id, by=money.principal.scope)
        return incoming_out(row)

    return money.run(None, work)


@router.post("/incoming/{payment_id}/rejection", response_model=IncomingPaymentOut)
def reject_incoming(payment_id: RowId, body: RejectionIn, money: MoneyCallDep) -> dict[str, Any]:
    """The money did not arrive (operators): the pending amount is released, nothing moved."""
    require_operator(money.principal)

    def work(ctx: Context) -> IncomingPaymentOut:
        row = payments.reject(
            ctx, payment_id=payment_id, reason=body.reason, by=money.principal.scope
        )
        return incoming_out(row)

    return money.run(body, work, status=200)
