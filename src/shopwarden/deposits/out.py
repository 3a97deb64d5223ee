"""What the deposit API shows: amounts as text, instants with their zone, deadlines spelled out.

Converters from rows live beside the models so every endpoint shows a thing the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from shopwarden.deposits.rules import Policy, escalation_deadlines
from shopwarden.deposits.tables import (
    AfterSalesRow,
    CampaignOrderRow,
    CampaignRow,
    CoverRow,
    EventRow,
    ObligationRow,
    RefundRow,
    RiskDepositRow,
)
from shopwarden.money import Money


def text(cents: int | None) -> str | None:
    return Money(cents).to_text() if cents is not None else None


class ObligationOut(BaseModel):
    id: int
    merchant_id: str
    reason: str
    status: str
    stage: str  # due | badges_revoked | shielded | met | shield_lifting | closed
    amount_due: str  # still due: amount - paid - released
    amount: str  # the increase this obligation stands for (DEP-3)
    paid: str  # settled by top-ups, the oldest obligation first (DEP-5)
    released: str  # no longer required: the requirement fell, the newest first
    opened_at: datetime
    badges_revoked_by: datetime
    shielded_by: datetime
    badges_revoked_at: datetime | None
    badges_restored_at: datetime | None
    shielded_at: datetime | None
    met_at: datetime | None
    shield_lift_due_at: datetime | None
    shield_lifted_at: datetime | None
    policy_version: str


def stage_of(row: ObligationRow) -> str:
    if row.status == "open":
        if row.shielded_at is not None:
            return "shielded"
        return "badges_revoked" if row.badges_revoked_at is not None else "due"
    if row.shielded_at is not None and row.shield_lifted_at is None:
        return "shield_lifting"
    return "met"


def obligation_out(row: ObligationRow, policy: Policy) -> ObligationOut:
    badges_by, shield_by = escalation_deadlines(row.opened_at, policy)
    return ObligationOut(
        id=row.id,
        merchant_id=row.merchant_id,
        reason=row.reason,
        status=row.status,
        stage=stage_of(row),
        amount_due=Money(row.amount_due).to_text(),
        amount=Money(row.amount).to_text(),
        paid=Money(row.paid).to_text(),
        released=Money(row.released).to_text(),
        opened_at=row.opened_at,
        badges_revoked_by=badges_by,
        shielded_by=shield_by,
        badges_revoked_at=row.badges_revoked_at,
        badges_restored_at=row.badges_restored_at,
        shielded_at=row.shielded_at,
        met_at=row.met_at,
        shield_lift_due_at=row.shield_lift_due_at,
        shield_lifted_at=row.shield_lifted_at,
        policy_version=row.policy_version,
    )


class CaseOut(BaseModel):
    id: str
    merchant_id: str
    consumer: str
    claimed: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    compensated: str
    paid_by: str | None
    unpaid: str
    reason: str | None


def case_out(row: AfterSalesRow) -> CaseOut:
    return CaseOut(
        id=row.id,
        merchant_id=row.merchant_id,
        consumer=row.consumer,
        claimed=Money(row.claimed).to_text(),
        status=row.status,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        compensated=Money(row.compensated).to_text(),
        paid_by=row.paid_by,
        unpaid=Money(row.unpaid).to_text(),
        reason=row.reason,
    )


class CoverOut(BaseModel):
    id: int
    starts_at: datetime
    ends_at: datetime
    fee: str
    bought_at: datetime
    active: bool
    lapsed_at: datetime | None


def cover_out(row: CoverRow, now: datetime) -> CoverOut:
    return CoverOut(
        id=row.id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        fee=Money(row.fee).to_text(),
        bought_at=row.bought_at,
        active=row.starts_at <= now < row.ends_at,
        lapsed_at=row.lapsed_at,
    )


class RiskOut(BaseModel):
    merchant_id: str
    tier: str
    amount: str
    paid: str
    status: str
    assessed_at: datetime
    paid_in_full_at: datetime | None
    activated_at: datetime | None
    activate_by: datetime | None
    window_ends_at: datetime | None
    closed_at: datetime | None
    outcome: str | None
    policy_version: str


def risk_out(row: RiskDepositRow, policy: Policy) -> RiskOut:
    paid_at = row.paid_in_full_at
    rd = policy.params.risk_deposit
    return RiskOut(
        merchant_id=row.merchant_id,
        tier=row.tier,
        amount=Money(row.amount).to_text(),
        paid=Money(row.paid).to_text(),
        status=row.status,
        assessed_at=row.assessed_at,
        paid_in_full_at=paid_at,
        activated_at=row.activated_at,
        activate_by=paid_at + rd.activation_window if paid_at else None,
        window_ends_at=paid_at + rd.window if paid_at else None,
        closed_at=row.closed_at,
        outcome=row.outcome,
        policy_version=row.policy_version,
    )


class CampaignOrderOut(BaseModel):
    order_id: str
    amount: str
    placed_at: datetime
    confirmed_amount: str | None
    confirmed_at: datetime | None
    fee: str


def campaign_order_out(row: CampaignOrderRow) -> CampaignOrderOut:
    return CampaignOrderOut(
        order_id=row.order_id,
        amount=Money(row.amount).to_text(),
        placed_at=row.placed_at,
        confirmed_amount=text(row.confirmed_amount),
        confirmed_at=row.confirmed_at,
        fee=Money(row.fee).to_text(),
    )


class CampaignOut(BaseModel):
    id: str
    merchant_id: str
    kind: str
    juhuasuan_option: str | None
    fee_mode: str | None
    floor: str | None
    rate: str | None
    cap: str | None
    fee: str | None
    starts_at: datetime
    ends_at: datetime
    status: str
    deposit: str
    premium: str
    gmv: str
    fee_charged: str
    enrolled_at: datetime
    ended_at: datetime | None
    policy_version: str
    orders: list[CampaignOrderOut] | None = None


def campaign_out(row: CampaignRow, orders: list[CampaignOrderRow] | None = None) -> CampaignOut:
    return CampaignOut(
        id=row.id,
        merchant_id=row.merchant_id,
        kind=row.kind,
        juhuasuan_option=row.option,
        fee_mode=row.fee_mode,
        floor=text(row.floor),
        rate=row.rate,
        cap=text(row.cap),
        fee=text(row.fixed_fee),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        status=row.status,
        deposit=Money(row.deposit).to_text(),
        premium=Money(row.premium).to_text(),
        gmv=Money(row.gmv).to_text(),
        fee_charged=Money(row.fee_charged).to_text(),
        enrolled_at=row.enrolled_at,
        ended_at=row.ended_at,
        policy_version=row.policy_version,
        orders=[campaign_order_out(o) for o in orders] if orders is not None else None,
    )


class RefundOut(BaseModel):
    id: int
    merchant_id: str
    payout_account: str
    amount: str
    status: str
    applied_at: datetime
    deadline: datetime
    past_deadline: bool
    overdue: bool  # flagged by the governance cycle (DEP-14)
    overdue_at: datetime | None
    refundable_when_applied: str
    decided_at: datetime | None
    reason: str | None
    payout_txn_id: int | None


def refund_out(row: RefundRow, now: datetime) -> RefundOut:
    return RefundOut(
        id=row.id,
        merchant_id=row.merchant_id,
        payout_account=row.payout_account,
        amount=Money(row.amount).to_text(),
        status=row.status,
        applied_at=row.applied_at,
        deadline=row.deadline,
        past_deadline=row.status == "pending" and now >= row.deadline,
        overdue=row.overdue_at is not None,
        overdue_at=row.overdue_at,
        refundable_when_applied=Money(row.refundable).to_text(),
        decided_at=row.decided_at,
        reason=row.reason,
        payout_txn_id=row.payout_txn_id,
    )


class EventOut(BaseModel):
    id: int
    at: datetime
    kind: str
    rule_id: str | None
    amount: str | None
    summary: str
    details: dict[str, Any]


def event_out(row: EventRow) -> EventOut:
    return EventOut(
        id=row.id,
        at=row.at,
        kind=row.kind,
        rule_id=row.rule_id,
        amount=text(row.amount),
        summary=row.summary,
        details=row.details,
    )


class CashPaymentOut(BaseModel):
    merchant_id: str
    paid: str
    frozen: str
    compensation_settled: str
    cash_held: str
    open_obligation_id: int | None


class UnfreezeOut(BaseModel):
    merchant_id: str
    unfrozen: str
    cash_held: str


class ProceedsOut(BaseModel):
    merchant_id: str
    order_id: str
    amount: str
    fee: str
    held: bool
    shield_obligation_id: int | None


class ViolationOut(BaseModel):
    merchant_id: str
    violation_id: int
    code: str
    punished_at: datetime
    forfeited: bool
    risk_status: str
    summary: str
