"""Read models: a merchant's deposits, its timeline, and the operators' queues (shortfalls,
shields, refund applications). What it still owes, with deadlines, is ``dues.py``. Nothing
here changes state.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import case, func, select

from shopwarden.context import Context
from shopwarden.deposits import policies, refunds
from shopwarden.deposits.accounts import CAMPAIGN, CASH
from shopwarden.deposits.insurance import latest_cover
from shopwarden.deposits.merchants import merchant
from shopwarden.deposits.obligations import open_obligations
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
from shopwarden.deposits.refund_rules import Holdings
from shopwarden.deposits.requirement import required
from shopwarden.deposits.rules import Policy
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
from shopwarden.ledger.model import Balance, merchant_account_code
from shopwarden.ledger.tables import AccountRow
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


class ShieldOut(BaseModel):
    merchant_id: str
    obligation_id: int
    shielded_at: datetime
    top_up_made_at: datetime | None
    lifts_at: datetime | None
    orders_held: int
    proceeds_held: str


def refundable(ctx: Context, *, merchant_id: str) -> RefundableOut:
    """What a refund could pay now, and what open obligations keep frozen (DEP-14)."""
    policy = policies.in_force(ctx, as_of=ctx.now())
    return _refundable_out(merchant_id, policy, refunds.holdings(ctx, merchant_id=merchant_id))


def _refundable_out(merchant_id: str, policy: Policy, found: Holdings) -> RefundableOut:
    return RefundableOut(
        merchant_id=merchant_id,
        cash_held=found.cash_held.to_text(),
        campaign_deposits=found.campaign_deposits.to_text(),
        frozen=[FrozenOut(kind=k, amount=m.to_text()) for k, m in found.frozen(policy)],
        refundable=found.refundable(policy).to_text(),
        policy_version=policy.version,
    )


def _held_proceeds(ctx: Context, merchant_id: str) -> tuple[int, Money]:
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


def overview(ctx: Context, *, merchant_id: str) -> OverviewOut:
    """Deposits held and required, badges and shield, cover, risk and campaign deposits.

    Each thing is read once: the cash view and the refund view (DEP-14) share the open
    obligations, the account balances and the after-sales sums (``refunds.holdings`` is the
    same computation for one view alone).
    """
    found = merchant(ctx, merchant_id=merchant_id, lock=False)
    now = ctx.now()
    policy = policies.in_force(ctx, as_of=now)
    open_parts = open_obligations(ctx, merchant_id=merchant_id)
    holdings = _holdings(ctx, merchant_id, open_parts)
    cash = _cash_out(ctx, merchant_id, now, open_parts, holdings)
    store = _store_out(ctx, merchant_id)
    cover = latest_cover(ctx, merchant_id=merchant_id)
    risk = ctx.session.get(RiskDepositRow, merchant_id)
    running = ctx.session.scalars(
        select(CampaignRow)
        .where(CampaignRow.merchant_id == merchant_id, CampaignRow.status == "running")
        .order_by(CampaignRow.id)
    )
    pending = refunds.pending(ctx, merchant_id=merchant_id)
    return OverviewOut(
        merchant_id=merchant_id,
        merchant_status=found.status,
        as_of=now,
        cash=cash,
        store=store,
        open_obligation=obligation_out(open_parts[0], policy) if open_parts else None,
        open_obligations=[obligation_out(o, policy) for o in open_parts],
        insurance=cover_out(cover, now) if cover else None,
        risk=risk_out(risk, policies.agreed(ctx, version=risk.policy_version)) if risk else None,
        campaigns=[campaign_out(c) for c in running],
        refund=_refundable_out(merchant_id, policy, holdings),
        pending_refund=refund_out(pending, now) if pending else None,
    )


def _holdings(ctx: Context, merchant_id: str, open_parts: list[ObligationRow]) -> Holdings:
    """``refunds.holdings`` from the open obligations already read, in two statements: the
    after-sales sums, and the cash and campaign deposit balances."""
    unpaid, claims = ctx.session.execute(
        select(
            func.coalesce(func.sum(AfterSalesRow.unpaid), 0),
            func.coalesce(
                func.sum(case((AfterSalesRow.status == "open", AfterSalesRow.claimed), else_=0)),
                0,
            ),
        ).where(AfterSalesRow.merchant_id == merchant_id)
    ).one()
    codes = {merchant_account_code(merchant_id, p): p for p in (CASH, CAMPAIGN)}
    available = {
        codes[row.code]: Money(Balance(row.posted, row.pending_out, row.pending_in).available)
        for row in ctx.session.scalars(select(AccountRow).where(AccountRow.code.in_(codes)))
    }
    unpaid_compensation = Money(int(unpaid or 0))
    topup = sum((Money(o.amount_due) for o in open_parts), Money(0)) - unpaid_compensation
    return Holdings(
        cash_held=available.get(CASH, Money(0)),
        campaign_deposits=available.get(CAMPAIGN, Money(0)),
        open_after_sales=Money(int(claims or 0)),
        unpaid_compensation=unpaid_compensation,
        open_topups=max(topup, Money(0)),
    )


def _cash_out(
    ctx: Context, merchant_id: str, now: datetime, open_parts: list[ObligationRow], found: Holdings
) -> CashOut:
    """The cash deposit held, required (DEP-2, explained) and due (DEP-3)."""
    # Held here, the enrolment stays in the session's (weak) identity map: ``required`` finds
    # it there instead of reading it again.
    enrolment = ctx.session.get(EnrolmentRow, merchant_id)
    needed, why = required(ctx, merchant_id=merchant_id, as_of=now)
    due = sum((Money(o.amount_due) for o in open_parts), Money(0))
    return CashOut(
        enrolled=enrolment is not None,
        held=found.cash_held.to_text(),
        required=needed.to_text(),
        top_up_due=due.to_text(),
        unpaid_compensation=found.unpaid_compensation.to_text(),
        requirement=[
            {"measure": i.measure, "value": i.value, "target": i.target or None} for i in why.items
        ],
    )


def _store_out(ctx: Context, merchant_id: str) -> StoreOut:
    """Badges revoked and the shield in force, and the proceeds it holds (DEP-4, DEP-5)."""
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
    _, held_proceeds = _held_proceeds(ctx, merchant_id)
    return StoreOut(
        badges_revoked=bool(revoked),
        shielded=shield is not None,
        shield_lift_due_at=shield.shield_lift_due_at if shield else None,
        proceeds_held=held_proceeds.to_text(),
    )


def timeline(ctx: Context, *, merchant_id: str, limit: int) -> list[EventOut]:
    """Every payment, deduction, decision and refund step, oldest first."""
    merchant(ctx, merchant_id=merchant_id, lock=False)
    statement = (
        select(EventRow)
        .where(EventRow.merchant_id == merchant_id)
        .order_by(EventRow.at, EventRow.id)
        .limit(limit)
    )
    return [event_out(e) for e in ctx.session.scalars(statement)]


def shortfall_queue(ctx: Context, *, limit: int) -> list[ObligationOut]:
    """Open top-up obligations, oldest first, with their escalation stage (DEP-3, DEP-4)."""
    policy = policies.in_force(ctx, as_of=ctx.now())
    statement = (
        select(ObligationRow)
        .where(ObligationRow.status == "open")
        .order_by(ObligationRow.opened_at, ObligationRow.id)
        .limit(limit)
    )
    return [obligation_out(o, policy) for o in ctx.session.scalars(statement)]


def shield_queue(ctx: Context, *, limit: int) -> list[ShieldOut]:
    """Shielded stores, proceeds held for them, and when the shield lifts (DEP-4, DEP-5)."""
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


def refund_queue(ctx: Context, *, status: str, limit: int) -> list[RefundOut]:
    """Oldest deadline first, so overdue applications lead the operators' queue (DEP-14)."""
    now = ctx.now()
    statement = (
        select(RefundRow)
        .where(RefundRow.status == status)
        .order_by(RefundRow.deadline, RefundRow.id)
        .limit(limit)
    )
    return [refund_out(r, now) for r in ctx.session.scalars(statement)]


def refunds_of(ctx: Context, *, merchant_id: str | None, limit: int) -> list[RefundOut]:
    now = ctx.now()
    statement = select(RefundRow).order_by(RefundRow.applied_at.desc(), RefundRow.id.desc())
    if merchant_id:
        statement = statement.where(RefundRow.merchant_id == merchant_id)
    return [refund_out(r, now) for r in ctx.session.scalars(statement.limit(limit))]


def campaigns_of(ctx: Context, *, merchant_id: str | None, limit: int) -> list[CampaignOut]:
    statement = select(CampaignRow).order_by(CampaignRow.enrolled_at, CampaignRow.id)
    if merchant_id:
        statement = statement.where(CampaignRow.merchant_id == merchant_id)
    return [campaign_out(c) for c in ctx.session.scalars(statement.limit(limit))]
