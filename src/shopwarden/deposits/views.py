"""Read models: a merchant's deposits, its obligations with deadlines, its timeline, and the
operators' queues (shortfalls, shields, refund applications). Nothing here changes state.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, select

from shopwarden.deposits import cash, refunds
from shopwarden.deposits.context import CASH, DepositContext
from shopwarden.deposits.insurance import latest_cover
from shopwarden.deposits.out import (
    CampaignOut,
    CoverOut,
    EventOut,
    ObligationOut,
    RefundOut,
    RiskOut,
    campaign_out,
    cover_out,
    event_out,
    obligation_out,
    refund_out,
    risk_out,
)
from shopwarden.deposits.tables import (
    AfterSalesRow,
    CampaignRow,
    EnrolmentRow,
    EventRow,
    ObligationRow,
    ProceedsRow,
    RefundRow,
    RiskDepositRow,
)
from shopwarden.money import Money


class FrozenOut(BaseModel):
    kind: str
    amount: str


class RefundableOut(BaseModel):
    merchant_id: str
    cash_held: str
    campaign_deposits: str
    frozen: list[FrozenOut]
    refundable: str
    policy_version: str


class CashOut(BaseModel):
    enrolled: bool
    held: str
    required: str
    top_up_due: str
    unpaid_compensation: str
    requirement: list[dict[str, str | None]]  # the DEP-2 explanation


class StoreOut(BaseModel):
    badges_revoked: bool
    shielded: bool
    shield_lift_due_at: datetime | None
    proceeds_held: str


class OverviewOut(BaseModel):
    merchant_id: str
    merchant_status: str
    as_of: datetime
    cash: CashOut
    store: StoreOut
    open_obligation: ObligationOut | None  # the oldest: the store's escalation follows it
    open_obligations: list[ObligationOut]  # every open increase, oldest first (DEP-3, DEP-4)
    insurance: CoverOut | None
    risk: RiskOut | None
    campaigns: list[CampaignOut]
    refund: RefundableOut
    pending_refund: RefundOut | None


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


class ShieldOut(BaseModel):
    merchant_id: str
    obligation_id: int
    shielded_at: datetime
    top_up_made_at: datetime | None
    lifts_at: datetime | None
    orders_held: int
    proceeds_held: str


def refundable(ctx: DepositContext, merchant_id: str) -> RefundableOut:
    policy = ctx.policy(ctx.now())
    found = refunds.holdings(ctx, merchant_id)
    return RefundableOut(
        merchant_id=merchant_id,
        cash_held=found.cash_held.to_text(),
        campaign_deposits=found.campaign_deposits.to_text(),
        frozen=[FrozenOut(kind=k, amount=m.to_text()) for k, m in found.frozen(policy)],
        refundable=found.refundable(policy).to_text(),
        policy_version=policy.version,
    )


def _held_proceeds(ctx: DepositContext, merchant_id: str) -> tuple[int, Money]:
    count, total = ctx.session.execute(
        select(
            func.count(), func.coalesce(func.sum(ProceedsRow.amount - ProceedsRow.fee), 0)
        ).where(
            ProceedsRow.merchant_id == merchant_id,
            ProceedsRow.hold_id.is_not(None),
            ProceedsRow.released_at.is_(None),
        )
    ).one()
    return int(count), Money(int(total))


def overview(ctx: DepositContext, merchant_id: str) -> OverviewOut:
    merchant = ctx.merchant(merchant_id, lock=False)
    now = ctx.now()
    policy = ctx.policy(now)
    needed, why = cash.required(ctx, merchant_id, now)
    open_parts = cash.open_obligations(ctx, merchant_id)
    due = sum((Money(o.amount_due) for o in open_parts), Money(0))
    shield = ctx.session.scalar(
        select(ObligationRow)
        .where(
            ObligationRow.merchant_id == merchant_id,
            ObligationRow.shielded_at.is_not(None),
            ObligationRow.shield_lifted_at.is_(None),
        )
        .limit(1)
    )
    revoked = ctx.session.scalar(
        select(func.count())
        .select_from(ObligationRow)
        .where(
            ObligationRow.merchant_id == merchant_id,
            ObligationRow.badges_revoked_at.is_not(None),
            ObligationRow.badges_restored_at.is_(None),
        )
    )
    cover = latest_cover(ctx, merchant_id)
    risk = ctx.session.get(RiskDepositRow, merchant_id)
    running = ctx.session.scalars(
        select(CampaignRow)
        .where(CampaignRow.merchant_id == merchant_id, CampaignRow.status == "running")
        .order_by(CampaignRow.id)
    )
    pending = refunds.pending(ctx, merchant_id)
    _, held_proceeds = _held_proceeds(ctx, merchant_id)
    return OverviewOut(
        merchant_id=merchant_id,
        merchant_status=merchant.status,
        as_of=now,
        cash=CashOut(
            enrolled=ctx.session.get(EnrolmentRow, merchant_id) is not None,
            held=ctx.held(merchant_id, CASH).to_text(),
            required=needed.to_text(),
            top_up_due=due.to_text(),
            unpaid_compensation=cash.unpaid_compensation(ctx, merchant_id).to_text(),
            requirement=[
                {"measure": i.measure, "value": i.value, "target": i.target or None}
                for i in why.items
            ],
        ),
        store=StoreOut(
            badges_revoked=bool(revoked),
            shielded=shield is not None,
            shield_lift_due_at=shield.shield_lift_due_at if shield else None,
            proceeds_held=held_proceeds.to_text(),
        ),
        open_obligation=obligation_out(open_parts[0], policy) if open_parts else None,
        open_obligations=[obligation_out(o, policy) for o in open_parts],
        insurance=cover_out(cover, now) if cover else None,
        risk=risk_out(risk, ctx.policy_version(risk.policy_version)) if risk else None,
        campaigns=[campaign_out(c) for c in running],
        refund=refundable(ctx, merchant_id),
        pending_refund=refund_out(pending, now) if pending else None,
    )


def _deadline(what: str, at: datetime, now: datetime) -> DeadlineOut:
    return DeadlineOut(what=what, at=at, passed=now >= at)


def obligations(ctx: DepositContext, merchant_id: str) -> list[DueOut]:
    """Everything the merchant still owes or waits for, each with its deadlines."""
    ctx.merchant(merchant_id, lock=False)
    now = ctx.now()
    policy = ctx.policy(now)
    found: list[DueOut] = []
    for obligation in cash.open_obligations(ctx, merchant_id):  # each with its own clock
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
    lifting = ctx.session.scalars(
        select(ObligationRow).where(
            ObligationRow.merchant_id == merchant_id,
            ObligationRow.shield_lift_due_at.is_not(None),
            ObligationRow.shield_lifted_at.is_(None),
        )
    )
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
    cases = ctx.session.scalars(
        select(AfterSalesRow)
        .where(
            AfterSalesRow.merchant_id == merchant_id,
            (AfterSalesRow.status == "open") | (AfterSalesRow.unpaid > 0),
        )
        .order_by(AfterSalesRow.opened_at)
    )
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
    pending = refunds.pending(ctx, merchant_id)
    if pending is not None:
        found.append(
            DueOut(
                kind="refund_review",
                id=str(pending.id),
                amount=Money(pending.amount).to_text(),
                since=pending.applied_at,
                state="overdue" if pending.overdue_at else "pending",
                deadlines=[_deadline("decided by the platform (DEP-14)", pending.deadline, now)],
            )
        )
    risk = ctx.session.get(RiskDepositRow, merchant_id)
    if risk is not None and risk.status in ("awaiting_payment", "frozen"):
        shown = risk_out(risk, ctx.policy_version(risk.policy_version))
        deadlines = []
        if shown.activate_by is not None and risk.activated_at is None:
            deadlines.append(
                _deadline(
                    "store activated, or the deposit is returned (DEP-10 a)", shown.activate_by, now
                )
            )
        if shown.window_ends_at is not None:
            deadlines.append(
                _deadline(
                    "window ends, the deposit is returned (DEP-10 c)", shown.window_ends_at, now
                )
            )
        found.append(
            DueOut(
                kind="risk_deposit",
                id=merchant_id,
                amount=Money(risk.amount - risk.paid).to_text(),
                since=risk.paid_in_full_at or risk.assessed_at,
                state=risk.status,
                deadlines=deadlines,
            )
        )
    return found


def timeline(ctx: DepositContext, merchant_id: str, *, limit: int) -> list[EventOut]:
    ctx.merchant(merchant_id, lock=False)
    statement = (
        select(EventRow)
        .where(EventRow.merchant_id == merchant_id)
        .order_by(EventRow.at, EventRow.id)
        .limit(limit)
    )
    return [event_out(e) for e in ctx.session.scalars(statement)]


def shortfall_queue(ctx: DepositContext, *, limit: int) -> list[ObligationOut]:
    policy = ctx.policy(ctx.now())
    statement = (
        select(ObligationRow)
        .where(ObligationRow.status == "open")
        .order_by(ObligationRow.opened_at, ObligationRow.id)
        .limit(limit)
    )
    return [obligation_out(o, policy) for o in ctx.session.scalars(statement)]


def shield_queue(ctx: DepositContext, *, limit: int) -> list[ShieldOut]:
    statement = (
        select(ObligationRow)
        .where(ObligationRow.shielded_at.is_not(None), ObligationRow.shield_lifted_at.is_(None))
        .order_by(ObligationRow.shielded_at, ObligationRow.id)
        .limit(limit)
    )
    shown = []
    for row in ctx.session.scalars(statement):
        assert row.shielded_at is not None
        count, total = _held_proceeds(ctx, row.merchant_id)
        shown.append(
            ShieldOut(
                merchant_id=row.merchant_id,
                obligation_id=row.id,
                shielded_at=row.shielded_at,
                top_up_made_at=row.met_at,
                lifts_at=row.shield_lift_due_at,
                orders_held=count,
                proceeds_held=total.to_text(),
            )
        )
    return shown


def refund_queue(ctx: DepositContext, *, status: str, limit: int) -> list[RefundOut]:
    """Oldest deadline first, so overdue applications lead the operators' queue (DEP-14)."""
    now = ctx.now()
    statement = (
        select(RefundRow)
        .where(RefundRow.status == status)
        .order_by(RefundRow.deadline, RefundRow.id)
        .limit(limit)
    )
    return [refund_out(r, now) for r in ctx.session.scalars(statement)]


def refunds_of(ctx: DepositContext, merchant_id: str | None, *, limit: int) -> list[RefundOut]:
    now = ctx.now()
    statement = select(RefundRow).order_by(RefundRow.applied_at.desc(), RefundRow.id.desc())
    if merchant_id:
        statement = statement.where(RefundRow.merchant_id == merchant_id)
    return [refund_out(r, now) for r in ctx.session.scalars(statement.limit(limit))]


def campaigns_of(ctx: DepositContext, merchant_id: str | None, *, limit: int) -> list[CampaignOut]:
    statement = select(CampaignRow).order_by(CampaignRow.enrolled_at, CampaignRow.id)
    if merchant_id:
        statement = statement.where(CampaignRow.merchant_id == merchant_id)
    return [campaign_out(c) for c in ctx.session.scalars(statement.limit(limit))]
