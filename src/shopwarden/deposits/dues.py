"""What a merchant still owes or waits for, each with its deadlines (DEP-4, 5, 10, 14).

A read model: every open top-up on its own clock, shields lifting, after-sales cases open or
compensation still owed, the refund application under review, the risk deposit's window.
Nothing here changes state.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select

from shopwarden.context import Context
from shopwarden.deposits import policies, refunds
from shopwarden.deposits.merchants import merchant
from shopwarden.deposits.obligations import open_obligations
from shopwarden.deposits.out import obligation_out, risk_out
from shopwarden.deposits.tables import AfterSalesRow, ObligationRow, RiskDepositRow
from shopwarden.money import Money


class DeadlineOut(BaseModel):
    what: str
    at: datetime
    passed: bool


class DueOut(BaseModel):
    kind: str  # top_up | unpaid_compensation | open_after_sales | refund_review | risk_deposit
    id: str
    amount: str | None
    since: datetime
    state: str
    deadlines: list[DeadlineOut]


def _deadline(what: str, at: datetime, now: datetime) -> DeadlineOut:
    return DeadlineOut(what=what, at=at, passed=now >= at)


def obligations(ctx: Context, *, merchant_id: str) -> list[DueOut]:
    """Everything the merchant still owes or waits for, each with its deadlines."""
    merchant(ctx, merchant_id=merchant_id, lock=False)
    now = ctx.now()
    return [
        *_top_ups(ctx, merchant_id, now),
        *_shield_lifts(ctx, merchant_id, now),
        *_cases(ctx, merchant_id),
        *_refund_review(ctx, merchant_id, now),
        *_risk_deposit(ctx, merchant_id, now),
    ]


def _top_ups(ctx: Context, merchant_id: str, now: datetime) -> list[DueOut]:
    """Each open top-up with its own clock: badges at 3 days, the shield at 5 (DEP-4)."""
    policy = policies.in_force(ctx, as_of=now)
    found = []
    for obligation in open_obligations(ctx, merchant_id=merchant_id):
        due = obligation_out(obligation, policy)
        found.append(
            DueOut(
                kind="top_up",
                id=str(due.id),
                amount=due.amount_due,
                since=due.opened_at,
                state=due.stage,
                deadlines=[
                    _deadline(
                        "consumer-protection badges revoked (DEP-4)", due.badges_revoked_by, now
                    ),
                    _deadline("store shielded (DEP-4)", due.shielded_by, now),
                ],
            )
        )
    return found


def _shield_lifts(ctx: Context, merchant_id: str, now: datetime) -> list[DueOut]:
    """Shields that lift 24 hours after their top-up (DEP-5)."""
    lifting = ctx.session.scalars(
        select(ObligationRow).where(
            ObligationRow.merchant_id == merchant_id,
            ObligationRow.shield_lift_due_at.is_not(None),
            ObligationRow.shield_lifted_at.is_(None),
        )
    )
    found = []
    for row in lifting:
        assert row.shield_lift_due_at is not None and row.met_at is not None
        found.append(
            DueOut(
                kind="shield_lift",
                id=str(row.id),
                amount=None,
                since=row.met_at,
                state="shield_lifting",
                deadlines=[_deadline("shield lifted (DEP-5)", row.shield_lift_due_at, now)],
            )
        )
    return found


def _cases(ctx: Context, merchant_id: str) -> list[DueOut]:
    """Open after-sales claims, and compensation still owed to consumers (DEP-3)."""
    cases = ctx.session.scalars(
        select(AfterSalesRow)
        .where(
            AfterSalesRow.merchant_id == merchant_id,
            (AfterSalesRow.status == "open") | (AfterSalesRow.unpaid > 0),
        )
        .order_by(AfterSalesRow.opened_at)
    )
    found = []
    for case in cases:
        unpaid = case.status != "open"
        found.append(
            DueOut(
                kind="unpaid_compensation" if unpaid else "open_after_sales",
                id=case.id,
                amount=Money(case.unpaid if unpaid else case.claimed).to_text(),
                since=case.closed_at or case.opened_at,
                state="owed to the consumer" if unpaid else "open",
                deadlines=[],
            )
        )
    return found


def _refund_review(ctx: Context, merchant_id: str, now: datetime) -> list[DueOut]:
    """The refund application under review, decided by its deadline (DEP-14)."""
    pending = refunds.pending(ctx, merchant_id=merchant_id)
    if pending is None:
        return []
    return [
        DueOut(
            kind="refund_review",
            id=str(pending.id),
            amount=Money(pending.amount).to_text(),
            since=pending.applied_at,
            state="overdue" if pending.overdue_at else "pending",
            deadlines=[_deadline("decided by the platform (DEP-14)", pending.deadline, now)],
        )
    ]


def _risk_deposit(ctx: Context, merchant_id: str, now: datetime) -> list[DueOut]:
    """The risk deposit still due or frozen, and when it comes back (DEP-10 a, c)."""
    risk = ctx.session.get(RiskDepositRow, merchant_id)
    if risk is None or risk.status not in ("awaiting_payment", "frozen"):
        return []
    shown = risk_out(risk, policies.agreed(ctx, version=risk.policy_version))
    deadlines = []
    if shown.activate_by is not None and risk.activated_at is None:
        deadlines.append(
            _deadline(
                "store activated, or the deposit is returned (DEP-10 a)", shown.activate_by, now
            )
        )
    if shown.window_ends_at is not None:
        deadlines.append(
            _deadline("window ends, the deposit is returned (DEP-10 c)", shown.window_ends_at, now)
        )
    return [
        DueOut(
            kind="risk_deposit",
            id=merchant_id,
            amount=Money(risk.amount - risk.paid).to_text(),
            since=risk.paid_in_full_at or risk.assessed_at,
            state=risk.status,
            deadlines=deadlines,
        )
    ]
