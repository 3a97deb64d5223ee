"""After-sales cases and the compensation an operator pays a consumer (DEP-3, DEP-6).

Compensation is paid by the insurer while the merchant's cover runs (DEP-6), otherwise
deducted from the cash deposit, never beyond what it holds: the rest stays owed to the
consumer ("unpaid compensation") and is the first thing a top-up pays. Either deduction
reopens the question of the deposit's shortfall (DEP-3). An open case keeps its claim
frozen when the store leaves (DEP-14).
"""

from __future__ import annotations

from sqlalchemy import select

from shopwarden.deposits import rules
from shopwarden.deposits.cash import cover_at, reassess
from shopwarden.deposits.context import CASH, COMPENSATION, INSURER, DepositContext
from shopwarden.deposits.tables import AfterSalesRow
from shopwarden.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from shopwarden.ledger.model import transfer
from shopwarden.money import Money


def open_case(
    ctx: DepositContext, case_id: str, merchant_id: str, consumer: str, claimed: Money
) -> AfterSalesRow:
    ctx.merchant(merchant_id)
    if ctx.session.get(AfterSalesRow, case_id) is not None:
        raise AlreadyExists(f"after-sales case {case_id} exists", field="case_id")
    now = ctx.now()
    # The claim is backed by the insurer while cover runs (DEP-6), else by the deposit (DEP-3).
    covered = cover_at(ctx, merchant_id, now) is not None
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
    ctx.event(
        merchant_id,
        "after_sales_opened",
        f"after-sales case {case_id} opened: {consumer} claims {claimed}; backed by "
        + ("the insurer" if covered else "the cash deposit"),
        rule="DEP-6" if covered else "DEP-3",
        amount=claimed,
    )
    return row


def case(ctx: DepositContext, case_id: str) -> AfterSalesRow:
    row = ctx.session.get(AfterSalesRow, case_id)
    if row is None:
        raise NotFound(f"no after-sales case {case_id}", field="case_id")
    return row


def _open(ctx: DepositContext, case_id: str) -> AfterSalesRow:
    row = case(ctx, case_id)
    ctx.merchant(row.merchant_id)  # lock first, then read the case again under the lock
    ctx.session.refresh(row)
    if row.status != "open":
        raise Conflict(f"after-sales case {case_id} is already {row.status}", field="case_id")
    return row


def compensate(ctx: DepositContext, case_id: str, amount: Money, key: str) -> AfterSalesRow:
    """Pay the consumer ``amount``: insurer (DEP-6) or the deposit (DEP-3), then reassess."""
    row = _open(ctx, case_id)
    if amount > Money(row.claimed):
        raise InvalidInput(
            f"compensation {amount} is more than the {Money(row.claimed)} claimed", field="amount"
        )
    now = ctx.now()
    merchant_id = row.merchant_id
    if ctx.merchant(merchant_id).status == "open":
        reassess(ctx, merchant_id, now, reason="categories")  # versions since, before deducting
    outcome = rules.compensation(
        case_id=case_id,
        amount=amount,
        held=ctx.held(merchant_id, CASH),
        cover_active=cover_at(ctx, merchant_id, now) is not None,
        policy=ctx.policy(now),
        merchant_id=merchant_id,
    )
    if outcome.payer == "insurer":
        description = f"compensation on case {case_id} advanced by the insurer (DEP-6)"
        debit, moved = INSURER, amount
    else:
        description = f"compensation on case {case_id} deducted from the cash deposit (DEP-3)"
        debit, moved = ctx.account(merchant_id, CASH), outcome.from_deposit
    if moved.is_positive():
        ctx.ledger.post(
            transfer(debit, COMPENSATION, moved, description, idempotency_key=f"{key}:comp")
        )
    row.status = "compensated"
    row.closed_at = now
    row.compensated = amount.cents
    row.paid_by = outcome.payer
    row.unpaid = outcome.unpaid.cents
    ctx.event(
        merchant_id,
        "compensation_paid",
        f"{description}: {moved}" + (f", {outcome.unpaid} still owed" if row.unpaid else ""),
        rule=outcome.decision.rule_id,
        amount=amount,
        case_id=case_id,
    )
    ctx.decide(outcome.decision, as_of=now, key=f"{outcome.decision.rule_id}:case:{case_id}")
    if outcome.payer == "deposit" and ctx.merchant(merchant_id).status != "closed":
        reassess(
            ctx,
            merchant_id,
            now,
            reason="compensation",
            cause=f"compensation on after-sales case {case_id} deducted",
            catch_up=False,
        )
    return row


def dismiss(ctx: DepositContext, case_id: str, reason: str) -> AfterSalesRow:
    row = _open(ctx, case_id)
    row.status = "dismissed"
    row.closed_at = ctx.now()
    row.reason = reason
    ctx.event(row.merchant_id, "after_sales_dismissed", f"case {case_id} dismissed: {reason}")
    return row


def cases(
    ctx: DepositContext, *, merchant_id: str | None, status: str | None, limit: int
) -> list[AfterSalesRow]:
    statement = select(AfterSalesRow).order_by(AfterSalesRow.opened_at, AfterSalesRow.id)
    if merchant_id:
        statement = statement.where(AfterSalesRow.merchant_id == merchant_id)
    if status:
        statement = statement.where(AfterSalesRow.status == status)
    return list(ctx.session.scalars(statement.limit(limit)))
