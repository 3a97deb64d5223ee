"""Read models: a merchant's deposits, its timeline, and the operators' queues (shortfalls,
shields, refund applications). What it still owes, with deadlines, is ``dues.py``. Nothing
here changes state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Row, Select, String, bindparam, case, exists, func, select

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
from shopwarden.ledger.model import merchant_account_code
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
    same computation for one view alone), and the sums are one statement.
    """
    found = merchant(ctx, merchant_id=merchant_id, lock=False)
    now = ctx.now()
    policy = policies.in_force(ctx, as_of=now)
    open_parts = open_obligations(ctx, merchant_id=merchant_id)
    sums = _sums(ctx, merchant_id)
    holdings = _holdings(sums, open_parts)
    cash = _cash_out(ctx, merchant_id, now, open_parts, holdings)
    store = _store_out(sums)
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


def _merchant_sums() -> Select[Any]:
    """What the overview sums up, in one statement: the shield and badges (DEP-4), proceeds
    held (DEP-5), after-sales money (DEP-3, DEP-14), the cash and campaign deposit balances."""
    merchant_id = bindparam("merchant_id", type_=String)
    shield = (
        ObligationRow.merchant_id == merchant_id,
        ObligationRow.shielded_at.is_not(None),
        ObligationRow.shield_lifted_at.is_(None),
    )

    def one(column: Any, *where: Any) -> Any:
        return select(column).where(*where).scalar_subquery()

    def available(code: str) -> Any:
        code_is = AccountRow.code == bindparam(code, type_=String)
        return one(AccountRow.posted - AccountRow.pending_out, code_is)

    return select(
        exists().where(*shield).label("shielded"),
        select(ObligationRow.shield_lift_due_at)
        .where(*shield)
        .limit(1)
        .scalar_subquery()
        .label("shield_lift_due_at"),
        one(
            func.count(),
            ObligationRow.merchant_id == merchant_id,
            ObligationRow.badges_revoked_at.is_not(None),
            ObligationRow.badges_restored_at.is_(None),
        ).label("revoked"),
        one(
            func.coalesce(func.sum(ProceedsRow.amount - ProceedsRow.fee), 0),
            ProceedsRow.merchant_id == merchant_id,
            ProceedsRow.hold_id.is_not(None),
            ProceedsRow.released_at.is_(None),
        ).label("proceeds"),
        one(
            func.coalesce(func.sum(AfterSalesRow.unpaid), 0),
            AfterSalesRow.merchant_id == merchant_id,
        ).label("unpaid"),
        one(
            func.coalesce(
                func.sum(case((AfterSalesRow.status == "open", AfterSalesRow.claimed), else_=0)), 0
            ),
            AfterSalesRow.merchant_id == merchant_id,
        ).label("claims"),
        available("cash_code").label("cash"),
        available("campaign_code").label("campaign"),
    )


_MERCHANT_SUMS = _merchant_sums()


def _sums(ctx: Context, merchant_id: str) -> Row[Any]:
    parameters = {
        "merchant_id": merchant_id,
        "cash_code": merchant_account_code(merchant_id, CASH),
        "campaign_code": merchant_account_code(merchant_id, CAMPAIGN),
    }
    return ctx.session.execute(_MERCHANT_SUMS, parameters).one()


def _holdings(sums: Row[Any], open_parts: list[ObligationRow]) -> Holdings:
    """``refunds.holdings``, from the overview's sums and open obligations."""
    unpaid = Money(int(sums.unpaid or 0))
    topup = sum((Money(o.amount_due) for o in open_parts), Money(0)) - unpaid
    return Holdings(
        cash_held=Money(int(sums.cash or 0)),
        campaign_deposits=Money(int(sums.campaign or 0)),
        open_after_sales=Money(int(sums.claims or 0)),
        unpaid_compensation=unpaid,
        open_topups=max(topup, Money(0)),
    )


def _store_out(sums: Row[Any]) -> StoreOut:
    """Badges revoked and the shield in force, and the proceeds it holds (DEP-4, DEP-5)."""
    return StoreOut(
        badges_revoked=bool(sums.revoked),
        shielded=bool(sums.shielded),
        shield_lift_due_at=sums.shield_lift_due_at if sums.shielded else None,
        proceeds_held=Money(int(sums.proceeds or 0)).to_text(),
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
