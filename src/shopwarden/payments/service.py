"""Incoming payments (DEP-15): the only way a merchant's request brings money in from outside.

A merchant (or an operator for it) announces money paid in from outside with a reference; the
ledger reserves it as a hold from ``platform:bank`` to the merchant's wallet, so the wallet shows
it as pending in and nothing is spendable yet. Only an operator confirms it: the hold is posted,
once, as a balanced settlement; or rejects it: the hold is voided and nothing moved. Like the
deposit use cases, the merchant's row is locked before any ledger account.

Each use case is ``verb(ctx, *, …)`` inside the caller's unit of work.
"""

from __future__ import annotations

from sqlalchemy import select

from shopwarden.catalog.tables import MerchantRow
from shopwarden.context import Context
from shopwarden.db.lookup import get_or_raise, locked_or_raise
from shopwarden.errors import AlreadyExists, Conflict
from shopwarden.ledger.model import HoldRequest, merchant_account_code, platform_account_code
from shopwarden.money import Money
from shopwarden.payments.tables import IncomingPaymentRow

BANK = platform_account_code("bank")
PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"


def create(
    ctx: Context,
    *,
    merchant_id: str,
    amount: Money,
    reference: str,
    by: str,
    key: str | None = None,
) -> IncomingPaymentRow:
    """A pending incoming payment: a hold from the bank to the wallet, nothing posted."""
    merchant = _lock_merchant(ctx, merchant_id)
    if merchant.status == "closed":
        raise Conflict(f"merchant {merchant_id} is closed", field="merchant_id")
    taken = ctx.session.scalar(
        select(IncomingPaymentRow.id).where(
            IncomingPaymentRow.merchant_id == merchant_id,
            IncomingPaymentRow.reference == reference,
        )
    )
    if taken is not None:
        raise AlreadyExists(
            f"reference {reference!r} is already incoming payment {taken}", field="reference"
        )
    wallet = merchant_account_code(merchant_id, "wallet")
    ledger = ctx.ledger
    ledger.open_account(wallet, purpose="wallet", merchant_id=merchant_id)
    hold = ledger.hold(
        HoldRequest(
            debit=BANK,
            credit=wallet,
            amount=amount,
            description=f"incoming payment {reference}, pending an operator's confirmation",
            idempotency_key=key,
            details={"incoming_payment": reference, "merchant_id": merchant_id},
        )
    )
    row = IncomingPaymentRow(
        merchant_id=merchant_id,
        reference=reference,
        amount_cents=amount.cents,
        status=PENDING,
        hold_id=hold.id,
        transaction_id=None,
        requested_by=by,
        requested_at=ctx.now(),
    )
    ctx.session.add(row)
    ctx.session.flush()
    return row


def confirm(ctx: Context, *, payment_id: int, by: str) -> IncomingPaymentRow:
    """The money arrived: the hold is posted into the wallet, exactly once."""
    row = _pending(ctx, payment_id, "confirmed")
    settlement = ctx.ledger.post_hold(
        row.hold_id, description=f"incoming payment {row.reference} confirmed by {by}"
    )
    row.status = CONFIRMED
    row.transaction_id = settlement.id
    row.resolved_by = by
    row.resolved_at = ctx.now()
    ctx.session.flush()
    return row


def reject(ctx: Context, *, payment_id: int, reason: str, by: str) -> IncomingPaymentRow:
    """The money did not arrive: the hold is released, nothing moved."""
    row = _pending(ctx, payment_id, "rejected")
    ctx.ledger.void_hold(row.hold_id)
    row.status = REJECTED
    row.reason = reason
    row.resolved_by = by
    row.resolved_at = ctx.now()
    ctx.session.flush()
    return row


def payment(ctx: Context, *, payment_id: int) -> IncomingPaymentRow:
    return get_or_raise(
        ctx.session, IncomingPaymentRow, payment_id, what="incoming payment", field="payment_id"
    )


def payments(
    ctx: Context,
    *,
    merchant_id: str | None = None,
    status: str | None = None,
    limit: int = 100,
    after: int | None = None,
) -> list[IncomingPaymentRow]:
    statement = select(IncomingPaymentRow).order_by(IncomingPaymentRow.id).limit(limit)
    if merchant_id is not None:
        statement = statement.where(IncomingPaymentRow.merchant_id == merchant_id)
    if status is not None:
        statement = statement.where(IncomingPaymentRow.status == status)
    if after is not None:
        statement = statement.where(IncomingPaymentRow.id > after)
    return list(ctx.session.scalars(statement))


def _lock_merchant(ctx: Context, merchant_id: str) -> MerchantRow:
    return locked_or_raise(
        ctx.session, MerchantRow, merchant_id, what="merchant", field="merchant_id"
    )


def _pending(ctx: Context, payment_id: int, becoming: str) -> IncomingPaymentRow:
    """The payment, locked after its merchant, while it is still pending."""
    _lock_merchant(ctx, payment(ctx, payment_id=payment_id).merchant_id)
    row = locked_or_raise(
        ctx.session, IncomingPaymentRow, payment_id, what="incoming payment", field="payment_id"
    )
    if row.status != PENDING:
        raise Conflict(
            f"incoming payment {payment_id} is {row.status} already; it cannot be {becoming}",
            field="payment_id",
        )
    return row
