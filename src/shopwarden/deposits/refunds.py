"""Refund of the deposit when a store closes (DEP-14).

A closing merchant applies, naming where the money goes and how much; what open obligations
keep frozen cannot be asked for, and the refusal says what holds it. An operator approves (the
refund is paid out through the ledger) or rejects with a reason, within the review deadline:
24:00 of the 7th working day of the mainland-China calendar after the application. The cycle
flags an application still undecided at its deadline as overdue, once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from shopwarden.context import Context
from shopwarden.db.lookup import get_or_raise
from shopwarden.deposits import policies, refund_rules
from shopwarden.deposits.accounts import CAMPAIGN, CASH, PAYOUTS, account, held
from shopwarden.deposits.merchants import merchant
from shopwarden.deposits.obligations import top_up_due
from shopwarden.deposits.refund_rules import Holdings
from shopwarden.deposits.requirement import unpaid_compensation
from shopwarden.deposits.rules import Policy, info
from shopwarden.deposits.tables import AfterSalesRow, RefundRow
from shopwarden.deposits.timeline import decide, event
from shopwarden.deposits.workdays import refund_deadline
from shopwarden.errors import Conflict, RuleRefused
from shopwarden.ledger.model import transfer
from shopwarden.money import Money


def holdings(ctx: Context, *, merchant_id: str) -> Holdings:
    """What the merchant's deposits hold and what open obligations keep frozen (DEP-14)."""
    claims = ctx.session.scalar(
        select(func.coalesce(func.sum(AfterSalesRow.claimed), 0)).where(
            AfterSalesRow.merchant_id == merchant_id, AfterSalesRow.status == "open"
        )
    )
    unpaid = unpaid_compensation(ctx, merchant_id=merchant_id)
    # the cash shortfall: shown, never frozen
    topup = top_up_due(ctx, merchant_id=merchant_id) - unpaid
    return Holdings(
        cash_held=held(ctx, merchant_id=merchant_id, purpose=CASH),
        # only running campaigns hold one
        campaign_deposits=held(ctx, merchant_id=merchant_id, purpose=CAMPAIGN),
        open_after_sales=Money(int(claims or 0)),
        unpaid_compensation=unpaid,
        open_topups=max(topup, Money(0)),
    )


def _refused(detail: str, decision_items: list[str], refundable: Money) -> RuleRefused:
    return RuleRefused(
        detail,
        field="amount",
        rule="DEP-14",
        extra={"refundable": refundable.to_text(), "frozen_by": decision_items},
    )


def apply(ctx: Context, *, merchant_id: str, payout_account: str, amount: Money) -> RefundRow:
    """A closing merchant applies for the refund of what nothing keeps frozen (DEP-14)."""
    found = merchant(ctx, merchant_id=merchant_id)
    if found.status != "closing":
        raise Conflict(
            f"merchant {merchant_id} is {found.status}; only a closing store applies for the "
            "refund of its deposit",
            field="merchant_id",
            rule="DEP-14",
        )
    if pending(ctx, merchant_id=merchant_id) is not None:
        raise Conflict("a refund application is already under review", field="merchant_id")
    now = ctx.now()
    policy = policies.in_force(ctx, as_of=now)
    holding = holdings(ctx, merchant_id=merchant_id)
    refundable, decision = refund_rules.refund_check(holding, amount, policy, merchant_id)
    frozen = [f"{kind} {money}" for kind, money in holding.frozen(policy) if money.is_positive()]
    if decision.outcome != "accepted":
        raise _refused(
            f"{amount} asked but only {refundable} is refundable: "
            f"{', '.join(frozen) or 'nothing else'} stays frozen",
            frozen,
            refundable,
        )
    deadline = _review_deadline(ctx, now, policy)
    row = RefundRow(
        merchant_id=merchant_id,
        payout_account=payout_account,
        amount=amount.cents,
        status="pending",
        applied_at=now,
        deadline=deadline,
        refundable=refundable.cents,
    )
    ctx.session.add(row)
    ctx.session.flush()
    event(
        ctx,
        merchant_id=merchant_id,
        kind="refund_applied",
        summary=f"refund of {amount} to {payout_account} applied for; decided by "
        f"{deadline.isoformat()}",
        rule="DEP-14",
        amount=amount,
        refund_id=row.id,
    )
    decide(ctx, decision=decision, as_of=now, key=f"DEP-14:apply:{row.id}")
    return row


def _review_deadline(ctx: Context, now: datetime, policy: Policy) -> datetime:
    """DEP-14: decided by 24:00 of the N-th working day of the platform's calendar."""
    platform = policies.platform(ctx, as_of=now)
    return refund_deadline(
        now, policy, timezone=platform.timezone, country=platform.working_day_calendar
    )


def pending(ctx: Context, *, merchant_id: str) -> RefundRow | None:
    return ctx.session.scalar(
        select(RefundRow).where(RefundRow.merchant_id == merchant_id, RefundRow.status == "pending")
    )


def refund(ctx: Context, *, refund_id: int) -> RefundRow:
    return get_or_raise(
        ctx.session, RefundRow, refund_id, what="refund application", field="refund_id"
    )


def _undecided(ctx: Context, refund_id: int) -> RefundRow:
    row = refund(ctx, refund_id=refund_id)
    merchant(ctx, merchant_id=row.merchant_id)  # the lock first, then the application as it is
    ctx.session.refresh(row)
    if row.status != "pending":
        raise Conflict(f"refund application {refund_id} is already {row.status}", field="refund_id")
    return row


def approve(ctx: Context, *, refund_id: int, key: str) -> RefundRow:
    """Pay the refund out through the ledger, if it is still all refundable now."""
    row = _undecided(ctx, refund_id)
    if merchant(ctx, merchant_id=row.merchant_id).status == "open":
        raise Conflict("the store reopened; reject the application", field="refund_id")
    now = ctx.now()
    policy = policies.in_force(ctx, as_of=now)
    amount = Money(row.amount)
    found = holdings(ctx, merchant_id=row.merchant_id)
    refundable, decision = refund_rules.refund_check(found, amount, policy, row.merchant_id)
    if decision.outcome != "accepted":
        frozen = [f"{k} {m}" for k, m in found.frozen(policy) if m.is_positive()]
        raise _refused(f"{amount} is no longer refundable, only {refundable}", frozen, refundable)
    txn = ctx.ledger.post(
        transfer(
            account(ctx, merchant_id=row.merchant_id, purpose=CASH),
            PAYOUTS,
            amount,
            f"deposit refund paid to {row.payout_account} (DEP-14)",
            idempotency_key=f"{key}:refund",
            details={"payout_account": row.payout_account, "refund_id": row.id},
        )
    )
    row.status = "approved"
    row.decided_at = now
    row.payout_txn_id = txn.id
    decided = policy.decide(
        "DEP-14",
        row.merchant_id,
        f"refund application {row.id}",
        "approved",
        f"refund of {amount} approved and paid to {row.payout_account}",
        *decision.items,
    )
    decide(ctx, decision=decided, as_of=now, key=f"DEP-14:decided:{row.id}")
    return row


def reject(ctx: Context, *, refund_id: int, reason: str) -> RefundRow:
    """Reject the application, with the reason the merchant reads (DEP-14)."""
    row = _undecided(ctx, refund_id)
    now = ctx.now()
    row.status = "rejected"
    row.decided_at = now
    row.reason = reason
    decided = policies.in_force(ctx, as_of=now).decide(
        "DEP-14",
        row.merchant_id,
        f"refund application {row.id}",
        "rejected",
        f"refund of {Money(row.amount)} rejected: {reason}",
        info("reason", reason),
    )
    decide(ctx, decision=decided, as_of=now, key=f"DEP-14:decided:{row.id}")
    return row


def flag_overdue(ctx: Context, *, as_of: datetime) -> dict[str, int]:
    """DEP-14 (Default): undecided at its deadline, an application is flagged to operators."""
    flagged = 0
    due = ctx.session.scalars(
        select(RefundRow)
        .where(
            RefundRow.status == "pending",
            RefundRow.overdue_at.is_(None),
            RefundRow.deadline <= as_of,
        )
        .order_by(RefundRow.id)
    )
    for row in list(due):
        decision = refund_rules.refund_overdue(
            refund_id=row.id,
            deadline=row.deadline,
            as_of=as_of,
            policy=policies.in_force(ctx, as_of=row.applied_at),
            merchant_id=row.merchant_id,
        )
        if decision is None:
            continue
        row.overdue_at = as_of
        flagged += decide(ctx, decision=decision, as_of=as_of, key=f"DEP-14:overdue:{row.id}")
    return {"refunds_flagged_overdue": flagged}
