"""After-sales cases and the compensation an operator pays a consumer (DEP-3, DEP-6).

Compensation is paid by the insurer while the merchant's cover runs (DEP-6), otherwise
deducted from the cash deposit, never beyond what it holds: the rest stays owed to the
consumer ("unpaid compensation") and is the first thing a top-up pays. Either deduction
reopens the question of the deposit's shortfall (DEP-3). An open case keeps its claim
frozen when the store leaves (DEP-14).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from shopwarden.context import Context
from shopwarden.db.lookup import get_or_raise
from shopwarden.deposits import policies, rules
from shopwarden.deposits.accounts import CASH, COMPENSATION, INSURER, account, held
from shopwarden.deposits.merchants import merchant
from shopwarden.deposits.obligations import reassess
from shopwarden.deposits.requirement import cover_at
from shopwarden.deposits.tables import AfterSalesRow
from shopwarden.deposits.timeline import decide, event
from shopwarden.errors import AlreadyExists, Conflict, InvalidInput
from shopwarden.ledger.model import transfer
from shopwarden.money import Money


def open_case(
    ctx: Context, *, case_id: str, merchant_id: str, consumer: str, claimed: Money
) -> AfterSalesRow:
    """A consumer's claim against the merchant, backed by the insurer or the deposit."""
    merchant(ctx, merchant_id=merchant_id)
    if ctx.session.get(AfterSalesRow, case_id) is not None:
        raise AlreadyExists(f"after-sales case {case_id} exists", field="case_id")
    now = ctx.now()
    # The claim is backed by the insurer while cover runs (DEP-6), else by the deposit (DEP-3).
    covered = cover_at(ctx, merchant_id=merchant_id, at=now) is not None
    row = AfterSalesRow(
        id=case_id,
        merchant_id=merchant_id,
        consumer=consumer,
        claimed=claimed.cents,
        status="open",
        opened_at=ctx.now(),
        compensated=0,
        unpaid=0,
    )
    ctx.session.add(row)
    ctx.session.flush()
    event(
        ctx,
        merchant_id=merchant_id,
        kind="after_sales_opened",
        summary=f"after-sales case {case_id} opened: {consumer} claims {claimed}; backed by "
        + ("the insurer" if covered else "the cash deposit"),
        rule="DEP-6" if covered else "DEP-3",
        amount=claimed,
    )
    return row


def case(ctx: Context, *, case_id: str) -> AfterSalesRow:
    return get_or_raise(
        ctx.session, AfterSalesRow, case_id, what="after-sales case", field="case_id"
    )


def _open(ctx: Context, case_id: str) -> AfterSalesRow:
    row = case(ctx, case_id=case_id)
    merchant(ctx, merchant_id=row.merchant_id)  # lock first, then read the case again under it
    ctx.session.refresh(row)
    if row.status != "open":
        raise Conflict(f"after-sales case {case_id} is already {row.status}", field="case_id")
    return row


def compensate(ctx: Context, *, case_id: str, amount: Money, key: str) -> AfterSalesRow:
    """Pay the consumer ``amount``: insurer (DEP-6) or the deposit (DEP-3), then reassess."""
    row = _open(ctx, case_id)
    if amount > Money(row.claimed):
        raise InvalidInput(
            f"compensation {amount} is more than the {Money(row.claimed)} claimed", field="amount"
        )
    now = ctx.now()
    merchant_id = row.merchant_id
    if merchant(ctx, merchant_id=merchant_id).status == "open":
        reassess(ctx, merchant_id=merchant_id, as_of=now, reason="categories")  # versions since
    outcome = rules.compensation(
        case_id=case_id,
        amount=amount,
        held=held(ctx, merchant_id=merchant_id, purpose=CASH),
        cover_active=cover_at(ctx, merchant_id=merchant_id, at=now) is not None,
        policy=policies.in_force(ctx, as_of=now),
        merchant_id=merchant_id,
    )
    _pay(ctx, row, amount, outcome, key, now)
    if outcome.payer == "deposit" and merchant(ctx, merchant_id=merchant_id).status != "closed":
        reassess(
            ctx,
            merchant_id=merchant_id,
            as_of=now,
            reason="compensation",
            cause=f"compensation on after-sales case {case_id} deducted",
            catch_up=False,
        )
    return row


def _pay(
    ctx: Context,
    row: AfterSalesRow,
    amount: Money,
    outcome: rules.Compensation,
    key: str,
    now: datetime,
) -> None:
    """Move what the rule decided from the insurer or the deposit, and close the case."""
    case_id, merchant_id = row.id, row.merchant_id
    if outcome.payer == "insurer":
        description = f"compensation on case {case_id} advanced by the insurer (DEP-6)"
        debit, moved = INSURER, amount
    else:
        description = f"compensation on case {case_id} deducted from the cash deposit (DEP-3)"
        debit, moved = account(ctx, merchant_id=merchant_id, purpose=CASH), outcome.from_deposit
    if moved.is_positive():
        ctx.ledger.post(
            transfer(debit, COMPENSATION, moved, description, idempotency_key=f"{key}:comp")
        )
    row.status = "compensated"
    row.closed_at = now
    row.compensated = amount.cents
    row.paid_by = outcome.payer
    row.unpaid = outcome.unpaid.cents
    event(
        ctx,
        merchant_id=merchant_id,
        kind="compensation_paid",
        summary=f"{description}: {moved}"
        + (f", {outcome.unpaid} still owed" if row.unpaid else ""),
        rule=outcome.decision.rule_id,
        amount=amount,
        case_id=case_id,
    )
    dedupe = f"{outcome.decision.rule_id}:case:{case_id}"
    decide(ctx, decision=outcome.decision, as_of=now, key=dedupe)


def dismiss(ctx: Context, *, case_id: str, reason: str) -> AfterSalesRow:
    row = _open(ctx, case_id)
    row.status = "dismissed"
    row.closed_at = ctx.now()
    row.reason = reason
    event(
        ctx,
        merchant_id=row.merchant_id,
        kind="after_sales_dismissed",
        summary=f"case {case_id} dismissed: {reason}",
    )
    return row


def cases(
    ctx: Context, *, merchant_id: str | None, status: str | None, limit: int
) -> list[AfterSalesRow]:
    statement = select(AfterSalesRow).order_by(AfterSalesRow.opened_at, AfterSalesRow.id)
    if merchant_id:
        statement = statement.where(AfterSalesRow.merchant_id == merchant_id)
    if status:
        statement = statement.where(AfterSalesRow.status == status)
    return list(ctx.session.scalars(statement.limit(limit)))
