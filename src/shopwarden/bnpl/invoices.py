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
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.tables import InvoiceRow, OrderRow
from shopwarden.catalog.tables import MerchantRow
from shopwarden.clock import Clock, as_utc
from shopwarden.db.lookup import get_or_raise
from shopwarden.errors import InvalidInput, NotFound, RuleRefused
from shopwarden.policy.store import PolicyStore


class Invoices:
    def __init__(self, session: Session, clock: Clock, policies: PolicyStore) -> None:
        self.session = session
        self.clock = clock
        self.policies = policies

    def request(
        self, merchant_id: str, month: str | None = None, *, as_of: datetime | None = None
    ) -> tuple[InvoiceRow, bool]:
        """The invoice for ``month`` (default: the month before ``as_of``); (invoice, new)."""
        as_of = as_of or self.clock.now()
        get_or_raise(self.session, MerchantRow, merchant_id, what="merchant", field="merchant_id")
        period = _month(month) if month else rules.Month.of(as_of).previous()
        existing = self._find(merchant_id, period)
        if existing is not None:
            return existing, False
        version = self.policies.in_force(rules.FAMILY, as_of)
        policy = version.parameters_as(BnplPolicy)
        decision = rules.decide_invoice_request(merchant_id, period, as_of, policy, version.version)
        if decision.outcome != "allowed":
            raise RuleRefused(decision.summary, field="month", rule="BNPL-10")
        start, end = as_utc(period.start()), as_utc(period.end())
        total, count = self.session.execute(
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
            policy_version=version.version,
            issued_at=as_of,
        )
        try:
            with self.session.begin_nested():
                self.session.add(invoice)
                self.session.flush()
        except IntegrityError:
            # Issued meanwhile by a concurrent request: that one is the invoice.
            raced = self._find(merchant_id, period)
            assert raced is not None
            return raced, False
        return invoice, True

    def invoice(self, invoice_id: int) -> InvoiceRow:
        row = self.session.get(InvoiceRow, invoice_id)
        if row is None:
            raise NotFound(f"no BNPL invoice {invoice_id}", field="invoice_id")
        return row

    def invoices(self, *, merchant_id: str | None = None, limit: int = 100) -> list[InvoiceRow]:
        statement = select(InvoiceRow).order_by(InvoiceRow.month.desc(), InvoiceRow.id).limit(limit)
        if merchant_id:
            statement = statement.where(InvoiceRow.merchant_id == merchant_id)
        return list(self.session.scalars(statement))

    def _find(self, merchant_id: str, period: rules.Month) -> InvoiceRow | None:
        return self.session.scalar(
            select(InvoiceRow).where(
                InvoiceRow.merchant_id == merchant_id, InvoiceRow.month == str(period)
            )
        )


def _month(text: str) -> rules.Month:
    try:
        return rules.Month.parse(text)
    except ValueError as error:
        raise InvalidInput(str(error), field="month") from error
