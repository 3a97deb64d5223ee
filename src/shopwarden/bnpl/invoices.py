"""Fee invoices (BNPL-10): one per merchant and natural month (Asia/Shanghai), once it is over.

Asking again for the same month returns the invoice already issued; the fees are never
refunded (BNPL-6), so a month's total is final once the month has ended.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopwarden.bnpl import rules
from shopwarden.bnpl.invoice_rules import Month, decide_invoice_request
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.tables import InvoiceRow, OrderRow
from shopwarden.catalog import service as catalog
from shopwarden.clock import as_utc
from shopwarden.context import Context
from shopwarden.db.lookup import get_or_raise
from shopwarden.errors import InvalidInput, RuleRefused


def request_invoice(
    ctx: Context, *, merchant_id: str, month: str | None = None, as_of: datetime | None = None
) -> tuple[InvoiceRow, bool]:
    """The invoice for ``month`` (default: the month before ``as_of``); (invoice, new)."""
    as_of = as_of or ctx.now()
    catalog.merchant(ctx, merchant_id=merchant_id)
    period = _month(month) if month else Month.of(as_of).previous()
    existing = _find(ctx.session, merchant_id, period)
    if existing is not None:
        return existing, False
    terms = ctx.policy(rules.FAMILY, BnplPolicy, as_of)
    decision = decide_invoice_request(merchant_id, period, as_of, terms.parameters, terms.version)
    if decision.outcome != "allowed":
        raise RuleRefused(decision.summary, field="month", rule="BNPL-10")
    start, end = as_utc(period.start()), as_utc(period.end())
    total, count = ctx.session.execute(
        select(func.coalesce(func.sum(OrderRow.fee_cents), 0), func.count()).where(
            OrderRow.merchant_id == merchant_id,
            OrderRow.placed_at >= start,
            OrderRow.placed_at < end,
        )
    ).one()
    if not total:
        raise RuleRefused(
            f"no BNPL fees were charged to {merchant_id} in {period}; nothing to invoice",
            field="month",
            rule="BNPL-10",
        )
    invoice = InvoiceRow(
        merchant_id=merchant_id,
        month=str(period),
        period_start=start,
        period_end=end,
        fee_total_cents=int(total),
        order_count=int(count),
        policy_version=terms.version,
        issued_at=as_of,
    )
    return _issue(ctx.session, invoice, period)


def _issue(session: Session, invoice: InvoiceRow, period: Month) -> tuple[InvoiceRow, bool]:
    """Store the new invoice, unless a concurrent request issued the month's meanwhile."""
    try:
        with session.begin_nested():
            session.add(invoice)
            session.flush()
    except IntegrityError:
        # Issued meanwhile by a concurrent request: that one is the invoice.
        raced = _find(session, invoice.merchant_id, period)
        assert raced is not None
        return raced, False
    return invoice, True


def invoice(ctx: Context, *, invoice_id: int) -> InvoiceRow:
    return get_or_raise(
        ctx.session, InvoiceRow, invoice_id, what="BNPL invoice", field="invoice_id"
    )


def invoices(ctx: Context, *, merchant_id: str | None = None, limit: int = 100) -> list[InvoiceRow]:
    statement = select(InvoiceRow).order_by(InvoiceRow.month.desc(), InvoiceRow.id).limit(limit)
    if merchant_id:
        statement = statement.where(InvoiceRow.merchant_id == merchant_id)
    return list(ctx.session.scalars(statement))


def _find(session: Session, merchant_id: str, period: Month) -> InvoiceRow | None:
    return session.scalar(
        select(InvoiceRow).where(
            InvoiceRow.merchant_id == merchant_id, InvoiceRow.month == str(period)
        )
    )


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError as error:
        raise InvalidInput(str(error), field="month") from error
