"""The merchant lock every deposit use case that moves money takes first (DEP-15).

Every use case that moves a merchant's deposit money first locks the merchant's row, so two
deductions, a deduction and a refund, or a payment and a cycle step see each other's results
instead of the same stale balance. Merchant rows are always locked before ledger accounts
(the ledger locks those itself), and several merchants in id order, so locks cannot cross.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from shopwarden.catalog.tables import MerchantRow
from shopwarden.context import Context
from shopwarden.db.lookup import get_or_raise, locked_or_raise
from shopwarden.errors import Conflict


def merchant(ctx: Context, *, merchant_id: str, lock: bool = True) -> MerchantRow:
    """The merchant, locked for the rest of the unit of work (PostgreSQL row lock)."""
    if lock:
        return locked_or_raise(
            ctx.session, MerchantRow, merchant_id, what="merchant", field="merchant_id"
        )
    return get_or_raise(ctx.session, MerchantRow, merchant_id, what="merchant", field="merchant_id")


def lock_merchants(ctx: Context, *, merchant_ids: Iterable[str]) -> None:
    """Lock several merchants at once, in id order, so two lockers cannot cross."""
    ids = sorted(set(merchant_ids))
    if ids:
        statement = select(MerchantRow.id).where(MerchantRow.id.in_(ids)).order_by(MerchantRow.id)
        ctx.session.execute(statement.with_for_update())


def not_closed(merchant: MerchantRow, rule: str) -> None:
    """A closed store pays no deposit (refused under ``rule``)."""
    if merchant.status == "closed":
        raise Conflict(
            f"merchant {merchant.id} is closed; a closed store pays no deposit",
            field="merchant_id",
            rule=rule,
        )
